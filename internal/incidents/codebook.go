package incidents

import "strings"

// CodebookTable documents one file of the dataset.
type CodebookTable struct {
	File   string
	About  string
	Fields []CodebookField
}

// CodebookField documents one column and, for coded columns, its values.
type CodebookField struct {
	Name   string
	About  string
	Values []string
}

// Codebook documents every column of the dataset and every coded value.
// The JSON document carries the same fields under the same names (lists
// as arrays, receivers, initiators, sources and evidence as objects).
// TestCodebookCoversEveryColumn keeps it in step with the writers.
func Codebook() []CodebookTable {
	lists := "Several values are separated by \";\"."
	return []CodebookTable{
		{File: "incidents.csv", About: "One row per published incident.", Fields: []CodebookField{
			{Name: "id", About: "Stable identifier (ULID)."},
			{Name: "name", About: "The incident's usual name."},
			{Name: "summary", About: "What happened, in a few sentences."},
			{Name: "start", About: "When the incident began: YYYY, YYYY-MM or YYYY-MM-DD."},
			{Name: "start_precision", About: "The precision of start, from its form.", Values: []string{"day", "month", "year"}},
			{Name: "end", About: "When it ended, same forms; empty if unknown or ongoing."},
			{Name: "end_precision", About: "The precision of end.", Values: []string{"day", "month", "year", "(empty)"}},
			{Name: "type", About: "The kind of operation.", Values: Types},
			{Name: "receivers", About: "Who was affected, as STATE:sector pairs (ISO 3166-1 alpha-3). " + lists},
			{Name: "receiver_states", About: "The affected States. " + lists},
			{Name: "sectors", About: "The affected sectors; ci- marks critical infrastructure by sector. " + lists, Values: Sectors},
			{Name: "initiators", About: "Suspected initiators as name|ATT&CK group id|linked State (either may be empty). " + lists},
			{Name: "actor_ids", About: "MITRE ATT&CK group ids (G0007) of the initiators that are known groups. " + lists},
			{Name: "initiator_states", About: "States the initiators are linked to, as the sources say. " + lists},
			{Name: "techniques", About: "MITRE ATT&CK Enterprise technique ids (T1566.001). " + lists},
			{Name: "zero_day", About: "Whether a vulnerability unknown to the vendor was used.", Values: []string{"true", "false"}},
			{Name: "impact", About: "Impact on the ordinal scale below (0-5)."},
			{Name: "impact_label", About: "The impact level's name.", Values: impactCodes()},
			{Name: "sources", About: "Public sources (http/https URLs); titles and dates are in the JSON. " + lists},
			{Name: "attributor_states", About: "States that made or joined a published attribution statement. " + lists},
			{Name: "named_states", About: "States named by a published statement. " + lists},
			{Name: "norms", About: "Framework norms (gge2015-a … gge2015-k) that a published statement says were breached. " + lists},
			{Name: "published_at", About: "When the secretariat published the record (UTC, RFC 3339)."},
			{Name: "updated_at", About: "When any field last changed; the JSON has field_changed per field."},
			{Name: "url", About: "The record's page, with its history of changes."},
		}},
		{File: "attributions.csv", About: "One row per published attribution statement.", Fields: []CodebookField{
			{Name: "id", About: "Stable identifier (ULID)."},
			{Name: "incident_id", About: "The incident (incidents.csv id)."},
			{Name: "date", About: "The day the statement was made (YYYY-MM-DD)."},
			{Name: "days_after_incident", About: "Days from the incident's start (its first day for a month or a year) to the statement."},
			{Name: "attributor_kind", About: "Who attributes.", Values: AttributorKinds},
			{Name: "attributor_states", About: "Signatory States of a State statement; each signatory's approver signed it, or the secretariat recorded it from a public source. " + lists},
			{Name: "joint", About: "Whether several States made the statement together.", Values: []string{"true", "false"}},
			{Name: "attributor_name", About: "The organisation, company, researchers or outlet, for other statements."},
			{Name: "basis", About: "What the attribution rests on (after EuRepoC).", Values: Bases},
			{Name: "named_state", About: "The State named as responsible, if any."},
			{Name: "named_actor", About: "The actor named: an ATT&CK group id where known, else a name."},
			{Name: "norms", About: "Framework norms the statement says were breached. " + lists},
			{Name: "law_topics", About: "Rules of international law invoked, as topics of the positions module (/positions/topics/{id}), e.g. sovereignty, due-diligence. " + lists},
			{Name: "law", About: "Other rules of international law invoked, as written. " + lists},
			{Name: "evidence", About: "Evidence published with the statement (URLs; kinds and titles in the JSON). " + lists},
			{Name: "statement_url", About: "The statement itself."},
			{Name: "response", About: "The named State's answer; empty when not recorded.", Values: append(append([]string{}, Answers...), "(empty)")},
			{Name: "response_date", About: "When it answered (YYYY-MM-DD), if known."},
			{Name: "response_url", About: "Where it answered, if known."},
			{Name: "published_at", About: "When the statement was published on the platform (UTC)."},
		}},
		{File: "responses.csv", About: "One row per diplomatic, legal or economic response to a published incident.", Fields: []CodebookField{
			{Name: "id", About: "Stable identifier (ULID)."},
			{Name: "incident_id", About: "The incident."},
			{Name: "kind", About: "The measure.", Values: ResponseKinds},
			{Name: "date", About: "When it was taken (YYYY-MM-DD)."},
			{Name: "by_states", About: "States that took it. " + lists},
			{Name: "by_name", About: "An organisation that took it (e.g. the EU Council)."},
			{Name: "against_state", About: "The State it is against; always a State a published statement about the incident names."},
			{Name: "against_actor", About: "The actor or persons it is against."},
			{Name: "description", About: "What was done."},
			{Name: "sources", About: "Public sources. " + lists},
		}},
	}
}

func impactCodes() []string {
	out := make([]string, len(Impact))
	for i, l := range Impact {
		out[i] = l.Code
	}
	return out
}

// CodebookMarkdown renders the codebook as markdown, for the docs.
func CodebookMarkdown() string {
	var b strings.Builder
	for _, t := range Codebook() {
		b.WriteString("### " + t.File + "\n\n" + t.About + "\n\n| column | meaning | values |\n| --- | --- | --- |\n")
		for _, f := range t.Fields {
			b.WriteString("| `" + f.Name + "` | " + f.About + " | " + strings.Join(f.Values, ", ") + " |\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("### Impact scale\n\n| level | name | meaning |\n| --- | --- | --- |\n")
	for _, l := range Impact {
		b.WriteString("| " + string(rune('0'+l.Level)) + " | " + l.Code + " | " + l.Description + " |\n")
	}
	return b.String()
}

package incidents

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// The open dataset: every published incident, statement and response, as
// three CSV tables or one JSON document, written row by row from the
// database (constant memory, whatever the size). Each writer takes an
// io.Writer so that a platform-wide open-data release can join them.

// IncidentColumns, AttributionColumns and ResponseColumns are the CSV
// headers; the codebook documents each.
var (
	IncidentColumns = []string{"id", "name", "summary", "start", "start_precision", "end", "end_precision", "type", "receivers", "receiver_states",
		"sectors", "initiators", "actor_ids", "initiator_states", "techniques", "zero_day", "impact", "impact_label", "sources",
		"attributor_states", "named_states", "norms", "published_at", "updated_at", "url"}
	AttributionColumns = []string{"id", "incident_id", "date", "days_after_incident", "attributor_kind", "attributor_states", "joint", "attributor_name",
		"basis", "named_state", "named_actor", "norms", "law_topics", "law", "evidence", "statement_url", "response", "response_date", "response_url", "published_at"}
	ResponseColumns = []string{"id", "incident_id", "kind", "date", "by_states", "by_name", "against_state", "against_actor", "description", "sources"}
)

func joinSources(ss []Source) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.URL
	}
	return strings.Join(parts, " ; ")
}

func (s *Service) incidentRows(ctx context.Context, q db.Querier) (*sql.Rows, error) {
	return q.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents i WHERE i.status = 'published' ORDER BY i.id`)
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func incidentRecord(x *Incident, base string) []string {
	var recv, init []string
	for _, r := range x.Receivers {
		recv = append(recv, r.State+":"+r.Sector)
	}
	for _, a := range x.Initiators {
		init = append(init, strings.Join([]string{a.Name, a.GroupID, a.State}, "|"))
	}
	rs, sec := receiverLists(x.Receivers)
	gs, is := initiatorLists(x.Initiators)
	label := ""
	if x.Impact >= 0 && x.Impact < len(Impact) {
		label = Impact[x.Impact].Code
	}
	return []string{x.ID, x.Name, x.Summary, x.Start, x.StartPrecision(), x.End, x.EndPrecision(), x.Type, strings.Join(recv, ";"), strings.Join(rs, ";"),
		strings.Join(sec, ";"), strings.Join(init, ";"), strings.Join(gs, ";"), strings.Join(is, ";"), strings.Join(x.Techniques, ";"),
		strconv.FormatBool(x.ZeroDay), strconv.Itoa(x.Impact), label, joinSources(x.Sources), strings.Join(x.AttributorStates, ";"),
		strings.Join(x.NamedStates, ";"), strings.Join(x.Norms, ";"), timeText(x.PublishedAt), x.UpdatedAt.Format(time.RFC3339), base + "/incidents/" + x.ID}
}

// WriteIncidentsCSV writes the published incidents as CSV.
func (s *Service) WriteIncidentsCSV(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(IncidentColumns); err != nil {
		return err
	}
	rows, err := s.incidentRows(ctx, s.DB)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scanIncident(rows)
		if err != nil {
			return err
		}
		if err := cw.Write(incidentRecord(x, s.BaseURL)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		return err
	}
	return cw.Error()
}

func (s *Service) attributionRows(ctx context.Context) (*sql.Rows, error) {
	return s.DB.QueryContext(ctx, `SELECT `+attributionCols+attributionFrom+` WHERE a.status = 'published' AND i.status = 'published' ORDER BY a.incident_id, a.made_on, a.id`)
}

func attributionRecord(a *Attribution) []string {
	ev := make([]string, len(a.Evidence))
	for i, e := range a.Evidence {
		ev[i] = e.URL
	}
	return []string{a.ID, a.IncidentID, a.Date, strconv.Itoa(a.DaysAfter), a.AttributorKind, strings.Join(a.AttributorState, ";"), strconv.FormatBool(a.Joint()),
		a.AttributorName, a.Basis, a.NamedState, a.NamedActor, strings.Join(a.Norms, ";"), strings.Join(a.Topics, ";"), strings.Join(a.Law, ";"), strings.Join(ev, " ; "),
		a.StatementURL, a.Response, a.ResponseDate, a.ResponseURL, timeText(a.PublishedAt)}
}

// WriteAttributionsCSV writes the published statements as CSV.
func (s *Service) WriteAttributionsCSV(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(AttributionColumns); err != nil {
		return err
	}
	rows, err := s.attributionRows(ctx)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttribution(rows)
		if err != nil {
			return err
		}
		if err := cw.Write(attributionRecord(a)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		return err
	}
	return cw.Error()
}

func (s *Service) responseRows(ctx context.Context) (*sql.Rows, error) {
	return s.DB.QueryContext(ctx, `SELECT `+responseCols+` FROM incident_responses r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'published' ORDER BY r.incident_id, r.taken_on, r.id`)
}

func responseRecord(r *Response) []string {
	return []string{r.ID, r.IncidentID, r.Kind, r.Date, strings.Join(r.ByStates, ";"), r.ByName, r.AgainstState, r.AgainstActor, r.Description, joinSources(r.Sources)}
}

// WriteResponsesCSV writes the responses to published incidents as CSV.
func (s *Service) WriteResponsesCSV(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ResponseColumns); err != nil {
		return err
	}
	rows, err := s.responseRows(ctx)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanResponse(rows)
		if err != nil {
			return err
		}
		if err := cw.Write(responseRecord(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		return err
	}
	return cw.Error()
}

// DatasetIncident is one incident of the JSON dataset.
type DatasetIncident struct {
	Incident
	Attributions []*Attribution `json:"attributions"`
	Responses    []*Response    `json:"responses"`
}

// WriteJSON writes the whole published dataset as one JSON document,
// {"dataset":…, "incidents":[…]}, each incident with its statements and
// responses. Three ordered cursors are merged by incident id, so memory
// holds one incident at a time.
func (s *Service) WriteJSON(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	incs, err := s.incidentRows(ctx, s.DB)
	if err != nil {
		return err
	}
	defer incs.Close()
	atts, err := s.attributionRows(ctx)
	if err != nil {
		return err
	}
	defer atts.Close()
	resps, err := s.responseRows(ctx)
	if err != nil {
		return err
	}
	defer resps.Close()
	var nextA *Attribution
	var nextR *Response
	readA := func() error {
		nextA = nil
		if atts.Next() {
			a, err := scanAttribution(atts)
			nextA = a
			return err
		}
		return atts.Err()
	}
	readR := func() error {
		nextR = nil
		if resps.Next() {
			r, err := scanResponse(resps)
			nextR = r
			return err
		}
		return resps.Err()
	}
	if err := readA(); err != nil {
		return err
	}
	if err := readR(); err != nil {
		return err
	}
	fmt.Fprintf(bw, `{"dataset":{"title":"cybernorms incidents and attributions","codebook":%q,"generated_at":%q,"licence":"CC BY 4.0"},"incidents":[`,
		s.BaseURL+"/incidents/dataset", time.Now().UTC().Format(time.RFC3339))
	enc := json.NewEncoder(bw)
	first := true
	for incs.Next() {
		x, err := scanIncident(incs)
		if err != nil {
			return err
		}
		d := DatasetIncident{Incident: *x, Attributions: []*Attribution{}, Responses: []*Response{}}
		// Rows of incidents that are not published never reach here; skip
		// any statement or response ordered before this incident.
		for nextA != nil && nextA.IncidentID <= x.ID {
			if nextA.IncidentID == x.ID {
				nextA.Signed = nil
				d.Attributions = append(d.Attributions, nextA)
			}
			if err := readA(); err != nil {
				return err
			}
		}
		for nextR != nil && nextR.IncidentID <= x.ID {
			if nextR.IncidentID == x.ID {
				d.Responses = append(d.Responses, nextR)
			}
			if err := readR(); err != nil {
				return err
			}
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	if err := incs.Err(); err != nil {
		return err
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

func (m *Module) datasetFile(w http.ResponseWriter, r *http.Request) {
	var write func(context.Context, io.Writer) error
	ct := "text/csv; charset=utf-8"
	switch name := r.PathValue("file"); name {
	case "incidents.csv":
		write = m.svc.WriteIncidentsCSV
	case "attributions.csv":
		write = m.svc.WriteAttributionsCSV
	case "responses.csv":
		write = m.svc.WriteResponsesCSV
	case "incidents.json":
		write, ct = m.svc.WriteJSON, "application/json; charset=utf-8"
	default:
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-`+r.PathValue("file")+`"`)
	// Streamed: too large for the page cache, and fresh on every request.
	w.Header().Set("Cache-Control", "no-store")
	if err := write(r.Context(), w); err != nil {
		m.site.Log.Warn("incidents dataset", "file", r.PathValue("file"), "err", err)
	}
}

type datasetData struct {
	Releases    []Release
	Secretariat bool
	Codebook    []CodebookTable
	Impact      []ImpactLevel
	Notice      string
}

func (m *Module) datasetPage(w http.ResponseWriter, r *http.Request) {
	rs, err := m.svc.Releases(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "incidents/dataset.html", "incidents.dataset", datasetData{Releases: rs, Secretariat: isSecretariat(user(r)),
		Codebook: Codebook(), Impact: Impact, Notice: m.svc.choices(r.Context()).Notice})
}

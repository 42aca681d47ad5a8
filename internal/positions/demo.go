package positions

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/states"
)

// demoStates have published national positions (about 40 at scale 1), in
// the order of their first publication; years are those of real positions
// where one exists, invented otherwise.
var demoStates = []struct {
	ISO3 string
	Year int
	Lang string
}{
	{"GBR", 2018, "en"}, {"FRA", 2019, "fr"}, {"EST", 2019, "en"}, {"NLD", 2019, "en"}, {"AUS", 2019, "en"},
	{"DEU", 2021, "en"}, {"USA", 2021, "en"}, {"JPN", 2021, "en"}, {"SGP", 2021, "en"}, {"NOR", 2021, "en"},
	{"ROU", 2021, "en"}, {"CHE", 2021, "en"}, {"KEN", 2021, "en"}, {"BRA", 2021, "en"}, {"KAZ", 2021, "ru"},
	{"RUS", 2021, "ru"}, {"FIN", 2020, "en"}, {"ITA", 2021, "en"}, {"NZL", 2020, "en"}, {"ISR", 2020, "en"},
	{"CAN", 2022, "en"}, {"IRL", 2023, "en"}, {"POL", 2022, "en"}, {"CZE", 2020, "en"}, {"DNK", 2023, "en"},
	{"SWE", 2022, "en"}, {"CRI", 2023, "es"}, {"COL", 2023, "es"}, {"CHL", 2022, "es"}, {"MEX", 2021, "es"},
	{"ECU", 2023, "es"}, {"PER", 2022, "es"}, {"IRN", 2020, "en"}, {"CHN", 2021, "zh"}, {"EGY", 2023, "ar"},
	{"PAK", 2023, "en"}, {"IND", 2022, "en"}, {"KOR", 2022, "en"}, {"NGA", 2023, "en"}, {"ZAF", 2023, "en"},
}

// demoPhrases are passages by topic, each with the answer it gives to the
// topic's question (if any); {S} is the State's name.
var demoPhrases = map[string][]struct{ Text, Answer string }{
	"sovereignty": {
		{"{S} considers that sovereignty is a rule of international law in its own right; an unauthorised cyber operation that causes effects on its territory may violate it.", "yes"},
		{"In the view of {S}, sovereignty is a foundational principle from which other rules derive, rather than a standalone rule whose breach entails responsibility.", "no"},
		{"{S} notes that the threshold at which a cyber operation violates the sovereignty of another State is not yet settled in State practice.", "not-settled"},
	},
	"due-diligence": {
		{"{S} considers that States have an obligation not to knowingly allow their territory to be used for acts contrary to the rights of other States, including by ICT means.", "yes"},
		{"{S} regards due diligence as a voluntary, non-binding norm of responsible State behaviour, reflected in norm (c) of the 2015 report.", "no"},
		{"Whether due diligence applies as a binding obligation in cyberspace remains, for {S}, an open question requiring further discussion among States.", "not-settled"},
	},
	"non-intervention": {
		{"{S} considers that a cyber operation which coercively interferes with the choice of a State's political, economic or social system, including its elections, is a prohibited intervention.", ""},
		{"For {S}, the element of coercion is decisive: operations that deprive a State of control over matters within its domaine réservé breach the principle of non-intervention.", ""},
	},
	"use-of-force": {
		{"{S} considers that a cyber operation whose scale and effects are comparable to those of a kinetic attack may amount to a use of force under Article 2(4) of the Charter.", ""},
		{"{S} assesses whether a cyber operation is a use of force case by case, taking into account its effects, severity, immediacy and invasiveness.", ""},
	},
	"self-defence": {
		{"{S} reserves its inherent right of self-defence under Article 51 of the Charter against a cyber operation that rises to the level of an armed attack.", ""},
		{"{S} cautions that recognising a right of self-defence against cyber operations risks the militarisation of cyberspace.", ""},
	},
	"ihl": {
		{"{S} considers that international humanitarian law applies to cyber operations conducted in the context of an armed conflict, including the principles of distinction, proportionality and precaution.", "yes"},
		{"{S} is of the view that the applicability of international humanitarian law to ICTs requires further study and that its application must not legitimise conflict in cyberspace.", "not-settled"},
	},
	"ihrl": {
		{"{S} affirms that the same rights that people have offline must also be protected online, including the rights to privacy and to freedom of expression.", ""},
	},
	"attribution": {
		{"{S} considers that the attribution of a cyber operation to a State is a sovereign prerogative; it is not required to disclose the evidence on which it relies.", ""},
		{"For {S}, accusations against States of organising or committing wrongful acts with ICTs should be substantiated by evidence.", ""},
	},
	"countermeasures": {
		{"{S} considers that a State injured by an internationally wrongful act may take proportionate countermeasures, which may be conducted by cyber means.", "no"},
		{"{S} considers that States may take countermeasures on behalf of an injured State that requests assistance, so-called collective countermeasures.", "yes"},
		{"{S} considers that the lawfulness of collective countermeasures in international law is not settled.", "not-settled"},
	},
	"peaceful-settlement": {
		{"{S} recalls the obligation of States to settle their disputes, including those arising from ICT incidents, by peaceful means under Article 33 of the Charter.", ""},
	},
	"capacity-building": {
		{"{S} supports capacity building so that every State can develop its own national position on how international law applies to cyberspace.", ""},
	},
}

var demoQuestionOf = map[string]string{"sovereignty": "sovereignty-rule", "due-diligence": "due-diligence-binding", "ihl": "ihl-applies", "countermeasures": "collective-countermeasures"}

// GenerateDemo makes the positions demo data through the service: about
// 40 States' national positions (some entered by the secretariat, some
// superseded by a later one), the African Union's common position endorsed
// by the AU's members, and proposals with positions moving over sessions.
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	s := NewService(ps)
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Label: "demo generator", Via: "cli"})
	if err := s.SeedTopics(ctx); err != nil {
		return err
	}
	var existing int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM positions_documents`).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 { // a forced re-run: what an earlier run made is kept, not duplicated
		progress(fmt.Sprintf("%d position documents already there; none added", existing))
		return nil
	}
	secretariat := auth.WithUser(ctx, &auth.User{ID: "demo", Role: auth.RoleSecretariat})
	topicIDs := seedTopics
	made := 0
	// At larger scales more States have positions (all 195 from scale 5)
	// and each has more editions behind its current one.
	list := append([]struct {
		ISO3 string
		Year int
		Lang string
	}(nil), demoStates...)
	if scale > 1 {
		have := map[string]bool{}
		for _, d := range list {
			have[d.ISO3] = true
		}
		for _, st := range states.All() {
			if len(list) >= min(40*scale, len(states.All())) {
				break
			}
			if !have[st.ISO3] {
				list = append(list, struct {
					ISO3 string
					Year int
					Lang string
				}{st.ISO3, 2020 + rng.IntN(5), "en"})
			}
		}
	}
	for i, ds := range list {
		st, ok := states.ByISO3(ds.ISO3)
		if !ok {
			return fmt.Errorf("demo: unknown State %s", ds.ISO3)
		}
		name := st.Name("en")
		editions := 1 + (scale-1)/3
		if i%5 == 0 {
			editions++ // an earlier position, superseded
		}
		for e := 0; e < editions; e++ {
			year := ds.Year - (editions-1-e)*2
			in := PositionInput{Title: fmt.Sprintf("%s: national position on the application of international law in cyberspace", name),
				IssuedOn: fmt.Sprintf("%d-%02d-%02d", year, 1+rng.IntN(12), 1+rng.IntN(28)), Languages: []string{ds.Lang},
				SourceURL: fmt.Sprintf("https://www.example.org/%s/international-law-cyberspace-%d.pdf", strings.ToLower(ds.ISO3), year)}
			if e < editions-1 {
				in.Title = fmt.Sprintf("%s: first statement on international law in cyberspace", name)
			}
			para := 1
			for _, t := range topicIDs {
				if rng.IntN(10) < 2 { // not every State speaks to every topic
					continue
				}
				ph := demoPhrases[t][rng.IntN(len(demoPhrases[t]))]
				in.Passages = append(in.Passages, PassageInput{Ref: fmt.Sprintf("¶%d", para), Text: strings.ReplaceAll(ph.Text, "{S}", name), Lang: ds.Lang, Topics: []string{t}})
				if q := demoQuestionOf[t]; q != "" && ph.Answer != "" {
					in.Stances = append(in.Stances, StanceInput{Question: q, Answer: ph.Answer, Passage: len(in.Passages)})
				}
				para += 1 + rng.IntN(4)
			}
			if i%4 == 3 { // entered by the secretariat from the public source
				in.State = ds.ISO3
				if _, err := s.Create(secretariat, in); err != nil {
					return fmt.Errorf("demo: position of %s: %w", ds.ISO3, err)
				}
				made++
				continue
			}
			editor := auth.WithUser(ctx, &auth.User{ID: "demo-" + ds.ISO3, Role: auth.RoleStateEditor, StateISO3: ds.ISO3})
			approver := auth.WithUser(ctx, &auth.User{ID: "demo-" + ds.ISO3, Role: auth.RoleStateApprover, StateISO3: ds.ISO3})
			p, err := s.Create(editor, in)
			if err != nil {
				return fmt.Errorf("demo: position of %s: %w", ds.ISO3, err)
			}
			if _, err := s.Publish(approver, p.ID); err != nil {
				return fmt.Errorf("demo: publish %s: %w", ds.ISO3, err)
			}
			made++
		}
	}
	// One draft, visible to its State alone.
	editor := auth.WithUser(ctx, &auth.User{ID: "demo-BRA", Role: auth.RoleStateEditor, StateISO3: "BRA"})
	if _, err := s.Create(editor, PositionInput{Title: "Brazil: updated position (draft)", IssuedOn: "2024-06-01", Languages: []string{"pt", "en"},
		Passages: []PassageInput{{Ref: "¶1", Text: "Draft text under interministerial review.", Topics: []string{"sovereignty"}}}}); err != nil {
		return err
	}
	// The African Union's Common Position (2024), endorsed by the AU's members.
	joint := PositionInput{Kind: KindJoint, Group: "African Union", Title: "Common African Position on the application of international law to the use of information and communication technologies in cyberspace",
		IssuedOn: "2024-01-29", Languages: []string{"en", "fr", "ar"}, SourceURL: "https://au.int/en/documents/20240129/common-african-position-application-international-law-cyberspace"}
	para := 1
	for _, t := range []string{"sovereignty", "due-diligence", "non-intervention", "peaceful-settlement", "use-of-force", "ihl", "ihrl", "attribution", "capacity-building"} {
		ph := demoPhrases[t][0]
		joint.Passages = append(joint.Passages, PassageInput{Ref: fmt.Sprintf("¶%d", para), Text: strings.ReplaceAll(ph.Text, "{S}", "The African Union"), Topics: []string{t}})
		if q := demoQuestionOf[t]; q != "" && ph.Answer != "" {
			joint.Stances = append(joint.Stances, StanceInput{Question: q, Answer: ph.Answer, Passage: len(joint.Passages)})
		}
		para += 3
	}
	for _, st := range states.Filter(states.Group("african"), "en") {
		if rng.IntN(10) < 9 {
			joint.Endorsements = append(joint.Endorsements, EndorsementInput{State: st.ISO3, EndorsedOn: "2024-01-29"})
		}
	}
	if _, err := s.Create(secretariat, joint); err != nil {
		return fmt.Errorf("demo: joint position: %w", err)
	}
	recorded, err := generateProposals(ctx, s, rng, scale)
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("%d national positions from %d States, one joint position endorsed by %d States, %d proposals with %d recorded positions", made, len(list), len(joint.Endorsements), len(demoProposals), recorded))
	return nil
}

// demoProposals are three proposed norms: the ICT supply-chain norm of the
// framework's proposed set, a Paris Call principle, and one more.
var demoProposals = []ProposalInput{
	{ID: "supply-chain", NormID: "proposed-supply-chain", Title: "Protection of the ICT supply chain",
		Text:       "States should not tamper with ICT products and services, or their supply chains, in ways that undermine their integrity, and should take reasonable steps to ensure the integrity of the supply chain.",
		Rationale:  "Compromises of widely used software and hardware harm everyone who relies on them; norm (i) of 2015 asks States to ensure integrity but not to refrain from tampering themselves.",
		ProposedBy: "Cybersecurity Tech Accord, taken up by a group of States", ProposerStates: []string{"NLD", "AUS", "CHL"}, Body: "Global Mechanism", Session: "first substantive session", ProposedOn: "2024-03-04"},
	{ID: "public-core", NormID: "paris-call-1", Title: "Protection of the public core of the Internet",
		Text:       "States should neither conduct nor knowingly allow activity that intentionally and substantially damages the general availability or integrity of the public core of the Internet.",
		ProposedBy: "Paris Call for Trust and Security in Cyberspace", ProposerStates: []string{"FRA"}, Body: "Global Mechanism", Session: "first substantive session", ProposedOn: "2024-03-05"},
	{ID: "healthcare", Title: "Protection of healthcare infrastructure",
		Text:       "States should not conduct or knowingly support ICT activity that damages healthcare facilities or impairs the provision of medical care.",
		ProposedBy: "A group of States", ProposerStates: []string{"CZE", "CHE", "SGP"}, Body: "Global Mechanism", Session: "second substantive session", ProposedOn: "2024-07-08"},
}

// generateProposals records the proposals and about 120 States' positions
// on each, moving over four sessions.
func generateProposals(ctx context.Context, s *Service, rng *rand.Rand, scale int) (int, error) {
	secretariat := auth.WithUser(ctx, &auth.User{ID: "demo", Role: auth.RoleSecretariat})
	sessions := []string{"2024-03-08", "2024-07-12", "2024-12-06", "2025-03-14"}
	// More sessions at larger scales, one a month from April 2025.
	for i := 0; len(sessions) < min(4+2*(scale-1), 24); i++ {
		sessions = append(sessions, fmt.Sprintf("%d-%02d-12", 2025+(3+i)/12, 1+(3+i)%12))
	}
	all := states.All()
	recorded := 0
	for pi, in := range demoProposals {
		if _, err := s.CreateProposal(secretariat, in); err != nil {
			return recorded, fmt.Errorf("demo: proposal %s: %w", in.ID, err)
		}
		if _, err := s.ChangeStatus(secretariat, in.ID, StatusInput{Status: "under-discussion", OnDate: sessions[1]}); err != nil {
			return recorded, err
		}
		// About 120 States take part, in an order of their own per proposal.
		order := rng.Perm(len(all))[:min(120*scale, len(all))]
		cur := map[string]string{}
		for si, day := range sessions {
			if in.ProposedOn > day {
				continue
			}
			for k, ix := range order {
				st := all[ix]
				// A third speak at the first session, more later; some change their minds.
				speaks := k < 40*(si+1)*scale && (cur[st.ISO3] == "" || rng.IntN(5) == 0)
				if !speaks {
					continue
				}
				stance := pickStance(rng, pi, min(si, 3))
				if stance == cur[st.ISO3] {
					continue
				}
				cur[st.ISO3] = stance
				sin := StanceOnProposalInput{Stance: stance, StatedOn: day, SourceKind: "statement", SourceRef: fmt.Sprintf("Statement at the %s, %s", in.Body, day)}
				switch stance {
				case "supports-with-amendments":
					sin.Amendment = []string{"Replace \"should not tamper\" with \"should refrain from activities that undermine\".", "Add: \"in accordance with their obligations under international law\".", "Limit the norm to critical products and services."}[rng.IntN(3)]
					sin.Reason = "The scope should be clearer."
				case "opposes":
					sin.Reason = []string{"New norms are premature before the existing ones are implemented.", "The proposal would restrict legitimate national security activities.", "Binding obligations should be negotiated in a treaty, not set as norms."}[rng.IntN(3)]
				}
				c := secretariat
				if rng.IntN(3) > 0 {
					c = auth.WithUser(ctx, &auth.User{ID: "demo-" + st.ISO3, Role: auth.RoleStateApprover, StateISO3: st.ISO3})
					sin.SourceKind = []string{"statement", "document", "statement"}[rng.IntN(3)]
				} else {
					sin.State = st.ISO3
					sin.SourceKind = "public-statement"
				}
				if _, err := s.RecordStance(c, in.ID, sin); err != nil {
					return recorded, fmt.Errorf("demo: stance of %s on %s: %w", st.ISO3, in.ID, err)
				}
				recorded++
			}
		}
	}
	if _, err := s.ChangeStatus(secretariat, "healthcare", StatusInput{Status: "agreed", OnDate: sessions[len(sessions)-1], Note: "Agreed ad referendum in the annual progress report."}); err != nil {
		return recorded, err
	}
	return recorded, nil
}

// pickStance draws a stance that drifts towards support over the sessions;
// the healthcare proposal (the third) is the most widely supported.
func pickStance(rng *rand.Rand, proposal, session int) string {
	n := rng.IntN(100) + 8*session + 12*proposal
	switch {
	case n < 15:
		return "opposes"
	case n < 30:
		return "undecided"
	case n < 50:
		return "supports-with-amendments"
	default:
		return "supports"
	}
}

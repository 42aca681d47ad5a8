package incidents

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/incidents/actors"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/states"
)

// DemoIncidentsPerScale is how many incidents GenerateDemo makes per unit
// of scale (scale 0 makes a small set, for tests).
const DemoIncidentsPerScale = 2000

// demoBatch is how many incidents one transaction writes.
const demoBatch = 250

var demoNorms = []string{"gge2015-a", "gge2015-b", "gge2015-c", "gge2015-e", "gge2015-f", "gge2015-g", "gge2015-h", "gge2015-i", "gge2015-k"}
var demoLaw = []string{"sovereignty", "non-intervention", "due diligence", "prohibition of the use of force", "international humanitarian law", "State responsibility"}
var demoNamed = []string{"RUS", "CHN", "PRK", "IRN"}
var demoAttributors = []string{"USA", "GBR", "FRA", "DEU", "NLD", "AUS", "CAN", "JPN", "EST", "NZL", "CZE", "POL", "SWE", "DNK", "NOR", "UKR", "KOR", "ITA", "ESP", "BEL"}

// GenerateDemo makes demonstration incidents through the module's service
// rules (the same validation and writes, batched demoBatch incidents to a
// transaction): published incidents with statements (a share joint, a
// share contested), the named States' answers, responses, and proposals
// from stakeholder organisations waiting for review. It has the signature
// of a demo.Generator; register it after the "platform" step.
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	s := NewService(ps)
	sec, approvers, members, err := demoAccounts(ctx, ps)
	if err != nil {
		return err
	}
	n := DemoIncidentsPerScale * scale
	if n == 0 {
		n = 60
	}
	groups := actors.All()
	techniques := attack.All()
	all := states.All()
	normKnown := map[string]bool{}
	for _, nm := range demoNorms {
		normKnown[nm] = true
	}
	known := func(id string) bool { return normKnown[id] }
	var made, stmts, resps int
	for done := 0; done < n; done += demoBatch {
		err := ps.DB.InTx(ctx, func(tx *db.Tx) error {
			var docs []search.Document
			for i := done; i < min(n, done+demoBatch); i++ {
				x, in := demoIncident(rng, i, groups, techniques, all)
				now := time.Now().UTC()
				x.ID, x.Status, x.Origin, x.CreatedAt, x.UpdatedAt, x.PublishedAt = id.New(), StatusPublished, "secretariat", now, now, &now
				x.FieldChanged = map[string]time.Time{}
				for _, f := range incidentFields {
					x.FieldChanged[f] = now
				}
				x.AttributorStates, x.NamedStates, x.Norms = []string{}, []string{}, []string{}
				_ = in
				if err := insertIncident(ctx, tx, &x); err != nil {
					return err
				}
				if err := s.history(ctx, tx, sec, x.ID, "incident", x.ID, "create", incidentFields, now); err != nil {
					return err
				}
				made++
				// Statements: most incidents have one or more.
				for k := range rng.IntN(3) + boolInt(rng.IntN(4) > 0) {
					named := demoNamed[rng.IntN(len(demoNamed))]
					ai := AttributionInput{Date: demoAfter(rng, x.Start), Basis: Bases[rng.IntN(len(Bases))], NamedState: named,
						Norms: pick(rng, demoNorms, rng.IntN(3)), Law: pick(rng, demoLaw, rng.IntN(2)),
						Evidence: []Evidence{{URL: fmt.Sprintf("https://example.org/reports/%d-%d", i, k), Title: "Technical report", Kind: "report"}}}
					if rng.IntN(3) == 0 && len(x.Initiators) > 0 && x.Initiators[0].GroupID != "" {
						ai.NamedActor = x.Initiators[0].GroupID
					}
					author := sec
					switch r := rng.IntN(10); {
					case r < 5:
						ai.AttributorKind = "state"
						ai.States = pick(rng, demoAttributors, 1+boolInt(rng.IntN(4) == 0)*(1+rng.IntN(4))) // a quarter joint
					case r < 8:
						ai.AttributorKind, ai.AttributorName = "company", []string{"Example Threat Intelligence", "Demo Security Labs", "Sample Incident Response"}[rng.IntN(3)]
					case r < 9:
						ai.AttributorKind, ai.AttributorName = "researchers", "Demo University Cyber Lab"
					default:
						ai.AttributorKind, ai.AttributorName, ai.Basis = "media", "The Demo Times", "media"
					}
					if k == 1 && rng.IntN(3) == 0 {
						ai.Basis = "contested"
					}
					a, err := s.addAttribution(ctx, tx, author, &x, ai, known, nil, now)
					if err != nil {
						return fmt.Errorf("demo statement: %w", err)
					}
					stmts++
					if rng.IntN(3) > 0 {
						if err := s.answer(ctx, tx, author, a, AnswerInput{Response: Answers[rng.IntN(len(Answers))], Date: a.Date}, now); err != nil {
							return fmt.Errorf("demo answer: %w", err)
						}
					}
					if ai.AttributorKind == "state" && rng.IntN(3) == 0 {
						x2, err := loadIncident(ctx, tx, x.ID)
						if err != nil {
							return err
						}
						_, err = s.addResponse(ctx, tx, sec, x2, ResponseInput{Kind: ResponseKinds[rng.IntN(len(ResponseKinds))], Date: a.Date, ByStates: ai.States,
							AgainstState: named, Description: "Measures announced in response to the activity.",
							Sources: []Source{{URL: fmt.Sprintf("https://example.org/responses/%d-%d", i, k), Title: "Announcement", Date: a.Date}}}, now)
						if err != nil {
							return fmt.Errorf("demo response: %w", err)
						}
						resps++
					}
				}
				x2, err := loadIncident(ctx, tx, x.ID)
				if err != nil {
					return err
				}
				docs = append(docs, searchDoc(x2, nil))
				if err := writeFacets(ctx, tx, x2); err != nil {
					return err
				}
				if err := writeSTIXRefs(ctx, tx, x2); err != nil {
					return err
				}
			}
			// The statements indexed each incident as they were published;
			// index the rest (those without statements) now.
			for _, d := range docs {
				if err := search.Index(ctx, tx, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if progress != nil && (done/demoBatch)%8 == 0 {
			progress(fmt.Sprintf("incidents: %d of %d", min(n, done+demoBatch), n))
		}
	}
	// Proposals waiting for review, from organisations.
	proposals, err := s.demoProposals(ctx, rng, members, n, max(5, n/100))
	if err != nil {
		return err
	}
	_ = approvers
	if progress != nil {
		progress(fmt.Sprintf("incidents: %d incidents, %d statements, %d responses, %d proposals in review", made, stmts, resps, proposals))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pick(rng *rand.Rand, from []string, k int) []string {
	out := []string{}
	for len(out) < min(k, len(from)) {
		v := from[rng.IntN(len(from))]
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// demoAfter is a day from a few days to two years after the start.
func demoAfter(rng *rand.Rand, start string) string {
	_, t, _ := parseDate("", start)
	d := t.AddDate(0, 0, 3+rng.IntN(700))
	if limit := time.Now().UTC(); d.After(limit) {
		d = limit
	}
	return d.Format("2006-01-02")
}

var demoWords = []string{"Aurora", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Lotus",
	"Meridian", "Nimbus", "Onyx", "Prism", "Quartz", "Raven", "Sierra", "Tundra", "Umbra", "Vortex", "Willow", "Zephyr"}

func demoIncident(rng *rand.Rand, i int, groups []actors.Group, techniques []attack.Technique, all []states.State) (Incident, IncidentInput) {
	typ := Types[rng.IntN(len(Types))]
	year := 2005 + rng.IntN(time.Now().UTC().Year()-2005)
	start := fmt.Sprintf("%04d-%02d-%02d", year, 1+rng.IntN(12), 1+rng.IntN(28))
	switch rng.IntN(5) {
	case 0:
		start = start[:7]
	case 1:
		start = start[:4]
	}
	in := IncidentInput{Name: fmt.Sprintf("Operation %s %s %d", demoWords[rng.IntN(len(demoWords))], demoWords[rng.IntN(len(demoWords))], i),
		Summary: fmt.Sprintf("A %s campaign against %s, reported by several sources.", typ, Sectors[rng.IntN(len(Sectors))]),
		Start:   start, Type: typ, ZeroDay: rng.IntN(8) == 0, Impact: rng.IntN(6),
		Sources: []Source{{URL: fmt.Sprintf("https://example.org/incidents/%d", i), Title: "Incident report", Date: ""}}}
	for range 1 + rng.IntN(3) {
		in.Receivers = append(in.Receivers, Receiver{State: all[rng.IntN(len(all))].ISO3, Sector: Sectors[rng.IntN(len(Sectors))]})
	}
	if rng.IntN(5) > 0 {
		g := groups[rng.IntN(len(groups))]
		in.Initiators = []Initiator{{Name: g.Name, GroupID: g.ID, State: demoNamed[rng.IntN(len(demoNamed))]}}
	}
	for range rng.IntN(4) {
		in.Techniques = append(in.Techniques, techniques[rng.IntN(len(techniques))].ID)
	}
	x, err := in.validate()
	if err != nil {
		panic(fmt.Sprintf("demo incident: %v", err))
	}
	return x, in
}

// demoProposals makes count proposals of new incidents waiting for review,
// numbered from first, from members in turn (none without members), and
// returns how many it made.
func (s *Service) demoProposals(ctx context.Context, rng *rand.Rand, members []*auth.User, first, count int) (int, error) {
	if len(members) == 0 {
		return 0, nil
	}
	groups, techniques, all := actors.All(), attack.All(), states.All()
	for i := range count {
		_, in := demoIncident(rng, first+i, groups, techniques, all)
		if _, err := s.Propose(ctx, members[i%len(members)], ProposalInput{Incident: in, Note: "Observed by our analysts."}); err != nil {
			return i, fmt.Errorf("demo proposal: %w", err)
		}
	}
	return count, nil
}

func demoAccounts(ctx context.Context, ps *platform.Services) (sec *auth.User, approvers, members []*auth.User, err error) {
	users, err := ps.Auth.List(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, u := range users {
		switch {
		case u.Disabled:
		case u.Role == auth.RoleSecretariat && sec == nil:
			sec = u
		case u.Role == auth.RoleStateApprover:
			approvers = append(approvers, u)
		case u.Role == auth.RoleStakeholder && u.OrgID != "" && len(members) < 8:
			members = append(members, u)
		}
	}
	if sec == nil {
		sec, err = ps.Auth.Create(ctx, auth.NewUser{Email: "incidents-curator@demo.cybernorms.example", Name: "Demo incidents curator", Role: auth.RoleSecretariat, Password: id.Secret(16)})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("demo curator: %w", err)
		}
	}
	return sec, approvers, members, nil
}

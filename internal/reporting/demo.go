package reporting

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/states"
)

// DemoCycles is how many annual cycles the demo makes, ending with the
// current year's (still open).
const DemoCycles = 10

// DemoMeasuresPerNorm is the average number of measures per norm per report
// at scale 1; scale N multiplies it (up to the MaxMeasures limit).
const DemoMeasuresPerNorm = 20

// GenerateDemo makes demonstration reporting data for `cybernorms demo`
// through the service functions users go through (validation, audit,
// published flags and statistics): DemoCycles annual cycles opened by the
// secretariat, and in each most of the 195 States submitting a report —
// participation rising over the years, some States skipping a cycle, about
// one in eight late, about one in seven confidential, a few corrected after
// submission. Each report carries the State's previous one forward and
// evolves it (measures progress from planned to implemented, some are
// added, a few dropped), so comparisons across cycles are meaningful.
//
// Each report is started, saved and submitted in one transaction (one
// audit entry per step, not per measure), which keeps scale 1 (≈1,600
// reports, ≈350,000 measures) to well under a minute on SQLite.
func GenerateDemo(ctx context.Context, svc *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	if scale < 1 {
		return fmt.Errorf("reporting demo: scale must be at least 1")
	}
	s := &Service{P: svc, FW: &framework.Store{DB: svc.DB}, Now: func() time.Time { return time.Now().UTC() }}
	norms, err := s.ReportableNorms(ctx)
	if err != nil {
		return err
	}
	all, err := s.FW.Norms(ctx, "", "en")
	if err != nil {
		return err
	}
	perNorm := DemoMeasuresPerNorm * scale
	if max := MaxMeasures / (len(norms) + 1); perNorm > max {
		perNorm = max
	}
	sec := &auth.User{ID: "demo-secretariat", Name: "Demo secretariat", Email: "secretariat@demo.example.org", Role: auth.RoleSecretariat}
	now := time.Now().UTC()
	year := now.Year()
	g := &demoGen{rng: rng, norms: norms, all: all, perNorm: perNorm, prev: map[string]*Content{}}
	total := 0
	for y := year - DemoCycles + 1; y <= year; y++ {
		name := fmt.Sprint(y)
		in := CycleInput{Name: name, OpensOn: fmt.Sprintf("%d-01-15", y), DueOn: fmt.Sprintf("%d-06-30", y), ClosesOn: fmt.Sprintf("%d-12-31", y),
			Notes: fmt.Sprintf("Annual national implementation survey, %d.", y)}
		if y == year {
			in.DueOn, in.ClosesOn = fmt.Sprintf("%d-12-31", y), fmt.Sprintf("%d-03-31", y+1)
		}
		sctx := audit.WithActor(auth.WithUser(ctx, sec), sec.Actor("demo"))
		c, err := s.CreateCycle(sctx, in)
		if err != nil {
			var p *Problem
			if !asProblem(err, &p) || p.Field != "name" {
				return fmt.Errorf("reporting demo: cycle %s: %w", name, err)
			}
			if c, err = s.Cycle(ctx, name); err != nil { // --force: reuse the cycle
				return err
			}
		}
		participation := 0.62 + 0.33*float64(y-(year-DemoCycles+1))/float64(DemoCycles-1)
		n := 0
		var batch []states.State
		for _, st := range demoStates() {
			if rng.Float64() <= participation {
				batch = append(batch, st)
			}
		}
		for len(batch) > 0 {
			k := min(demoBatch, len(batch))
			err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
				bctx, done := withBulk(ctx, s.P.DB, tx)
				defer done()
				for _, st := range batch[:k] {
					made, err := g.report(bctx, tx, s, c, st, now)
					if err != nil {
						return fmt.Errorf("reporting demo: %s %s: %w", st.ISO3, name, err)
					}
					if made {
						n++
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			batch = batch[k:]
		}
		total += n
		if progress != nil {
			progress(fmt.Sprintf("reporting: cycle %s, %d reports", name, n))
		}
	}
	if progress != nil {
		progress(fmt.Sprintf("reporting: %d cycles, %d reports", DemoCycles, total))
	}
	return nil
}

// demoStates are the States the demo makes reports for (tests shorten it).
var demoStates = states.All

func asProblem(err error, p **Problem) bool {
	q, ok := err.(*Problem)
	if ok {
		*p = q
	}
	return ok
}

type demoGen struct {
	rng     *rand.Rand
	norms   []framework.Norm
	all     []framework.Norm
	perNorm int
	prev    map[string]*Content // by State: its last submitted content
	seq     int
}

// demoBatch is how many reports share one transaction: fewer commits, and
// each report is still validated and audited on its own.
const demoBatch = 40

// report makes one State's report in one cycle inside tx. It reports false
// when the State already has a report there (an earlier run, --force).
func (g *demoGen) report(ctx context.Context, tx *db.Tx, s *Service, c Cycle, st states.State, now time.Time) (bool, error) {
	rng := g.rng
	approver := &auth.User{ID: "demo-approver-" + strings.ToLower(st.ISO3), Name: "Approver, " + st.Name("en"), Role: auth.RoleStateApprover, StateISO3: st.ISO3}
	ctx = audit.WithActor(auth.WithUser(ctx, approver), approver.Actor("demo"))
	window := c.DueAt.Sub(c.OpensAt)
	at := c.OpensAt.Add(time.Duration(rng.Float64() * float64(window)))
	if rng.Float64() < 0.12 { // late
		at = c.DueAt.Add(time.Duration(rng.Float64() * float64(c.ClosesAt.Sub(c.DueAt)) * 0.9))
	}
	if at.After(now) {
		at = c.OpensAt.Add(time.Duration(rng.Float64() * float64(now.Sub(c.OpensAt))))
	}
	ctx = withNow(ctx, at.Truncate(time.Second))
	content := g.evolve(st, g.prev[st.ISO3], c.Year)
	vis := Public
	if rng.Float64() < 0.14 {
		vis = Confidential
	}
	r, err := s.importTx(ctx, tx, StartInput{CycleID: c.ID, State: st.ISO3}, content, SubmitInput{Visibility: vis})
	if err != nil {
		var p *Problem
		if asProblem(err, &p) && p.Code == "report_exists" {
			return false, nil // checked before any write: the transaction goes on
		}
		return false, err
	}
	if rng.Float64() < 0.03 { // a correction: reopen, amend one measure, resubmit
		if _, err := s.reopenTx(withNow(ctx, at.Add(72*time.Hour)), tx, r.ID, ReopenInput{Note: "Correction of a measure's status"}); err != nil {
			return false, err
		}
		fixed, err := loadContent(ctx, tx, r.ID, 0)
		if err != nil {
			return false, err
		}
		if len(fixed.Measures) > 0 {
			fixed.Measures[0].Status = "implemented"
		}
		rr, err := s.loadReport(ctx, tx, r.ID)
		if err != nil {
			return false, err
		}
		cctx := withNow(ctx, at.Add(96*time.Hour))
		if _, err := s.saveTx(cctx, tx, r.ID, rr.Revision, fixed); err != nil {
			return false, err
		}
		if _, err := s.submitTx(cctx, tx, r.ID, SubmitInput{Visibility: vis, Note: "Corrected status"}, false); err != nil {
			return false, err
		}
		content = fixed
	}
	g.prev[st.ISO3] = &content
	return true, nil
}

// evolve makes this cycle's content from the previous one: statuses move
// forward, texts are sometimes revised, some measures are dropped and new
// ones added, so each norm keeps about perNorm measures.
func (g *demoGen) evolve(st states.State, prev *Content, year int) Content {
	rng := g.rng
	c := Content{Measures: []Measure{}, Notes: []NormNotes{}, ILawLinks: []Link{}}
	byNorm := map[string][]Measure{}
	if prev != nil {
		for _, m := range prev.Measures {
			byNorm[m.NormID] = append(byNorm[m.NormID], m)
		}
	}
	name := st.Name("en")
	for _, n := range g.norms {
		var kept []Measure
		for _, m := range byNorm[n.ID] {
			if rng.Float64() < 0.06 {
				continue // dropped
			}
			switch {
			case m.Status == "planned" && rng.Float64() < 0.45:
				m.Status = "in_progress"
			case m.Status == "in_progress" && rng.Float64() < 0.4:
				m.Status = "implemented"
			}
			if rng.Float64() < 0.1 {
				m.Description += fmt.Sprintf("\n\nUpdate %d: %s", year, pick(rng, demoUpdates))
			}
			kept = append(kept, m)
		}
		target := g.perNorm/2 + rng.IntN(g.perNorm+1)
		// Few measures are dropped each year, so without a ceiling a norm's
		// list grows cycle after cycle past what a report may hold.
		if ceiling := min(g.perNorm*3/2, MaxMeasures/len(g.norms)); len(kept) > ceiling {
			kept = kept[:ceiling]
		}
		for len(kept) < min(target, MaxMeasures/len(g.norms)) {
			kept = append(kept, g.newMeasure(n, name, year))
		}
		c.Measures = append(c.Measures, kept...)
		if rng.Float64() < 0.55 {
			c.Notes = append(c.Notes, NormNotes{NormID: n.ID, Challenges: fmt.Sprintf("%s %s", pick(rng, demoChallenges), pick(rng, demoChallenges)), CapacityGaps: pick(rng, demoGaps)})
		}
	}
	if rng.Float64() < 0.7 {
		c.ILawSummary = fmt.Sprintf("%s considers that international law, and in particular the Charter of the United Nations in its entirety, is applicable and essential to maintaining peace and stability in the ICT environment. %s", name, pick(rng, demoILaw))
		c.ILawLinks = []Link{{URL: fmt.Sprintf("https://mfa.%s.example.org/cyber/international-law-%d", strings.ToLower(st.ISO3), year), Label: "National position paper"}}
	}
	return c
}

func (g *demoGen) newMeasure(n framework.Norm, state string, year int) Measure {
	rng := g.rng
	g.seq++
	typ := MeasureTypes[demoTypeWeights[rng.IntN(len(demoTypeWeights))]]
	topic := pick(rng, demoTopics[n.Code])
	title := fmt.Sprintf(pick(rng, demoTitles[typ]), topic, year-rng.IntN(4))
	status := []string{"planned", "planned", "in_progress", "in_progress", "implemented", "implemented", "implemented"}[rng.IntN(7)]
	desc := fmt.Sprintf("%s %s\n\n- %s\n- %s", fmt.Sprintf(pick(rng, demoOpenings), state, topic), pick(rng, demoDetails), pick(rng, demoBullets), pick(rng, demoBullets))
	m := Measure{NormID: n.ID, Title: title, Description: desc, Type: typ, Status: status, Date: fmt.Sprintf("%d-%02d", year-rng.IntN(3), 1+rng.IntN(12)),
		Links: []Link{{URL: fmt.Sprintf("https://gov.example.org/%s/%d/%d", n.Code, year, g.seq), Label: "Official source"}}, OtherNorms: []string{}}
	if rng.Float64() < 0.35 {
		o := g.all[rng.IntN(len(g.all))]
		if o.ID != n.ID {
			m.OtherNorms = append(m.OtherNorms, o.ID)
		}
	}
	return m
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

// demoTypeWeights index MeasureTypes: policies, practices and institutions
// are commoner than laws and CBMs.
var demoTypeWeights = []int{0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7}

var demoTitles = map[string][]string{
	"legislation":       {"Act on %s (%d)", "Amendment to the law on %s, %d", "Decree on %s (%d)"},
	"strategy":          {"National strategy for %s, %d", "%s roadmap %d", "Cybersecurity strategy chapter on %s (%d)"},
	"policy":            {"Government policy on %s (%d)", "Guidelines for %s, %d edition", "Ministerial circular on %s (%d)"},
	"institution":       {"Office for %s established in %d", "Inter-agency committee on %s (%d)", "National centre for %s (%d)"},
	"practice":          {"Regular exercises on %s since %d", "Operational procedure for %s (%d)", "Public–private forum on %s (%d)"},
	"cbm":               {"Regional dialogue on %s (%d)", "Points of contact for %s, %d", "Transparency briefing on %s (%d)"},
	"capacity_building": {"Training programme on %s (%d)", "Partnership to strengthen %s, %d", "Regional workshop series on %s (%d)"},
	"other":             {"Study on %s (%d)", "Public consultation on %s (%d)", "Research funding for %s, %d"},
}

var demoTopics = map[string][]string{
	"a": {"international cooperation on ICT security", "bilateral cyber dialogues", "cyber diplomacy", "stability in cyberspace"},
	"b": {"attribution of ICT incidents", "technical analysis of incidents", "incident evidence sharing", "the assessment of ICT incidents"},
	"c": {"preventing misuse of national ICT infrastructure", "botnet takedowns", "abuse reporting by hosting providers", "due diligence for ICT infrastructure"},
	"d": {"cybercrime cooperation", "mutual legal assistance for electronic evidence", "countering terrorist use of ICTs", "law enforcement cyber units"},
	"e": {"privacy and data protection", "human rights online", "freedom of expression online", "lawful interception safeguards"},
	"f": {"protection of civilian infrastructure from ICT attacks", "restraint in offensive cyber operations", "norms on critical infrastructure", "public core of the internet"},
	"g": {"critical infrastructure protection", "energy sector cybersecurity", "health sector resilience", "water and transport cybersecurity"},
	"h": {"requests for assistance", "national CERT cooperation", "cross-border incident response", "emergency assistance procedures"},
	"i": {"supply chain integrity", "product security certification", "software bills of materials", "vendor risk management"},
	"j": {"coordinated vulnerability disclosure", "vulnerability equities", "bug bounty programmes", "vulnerability reporting"},
	"k": {"protection of CERTs and CSIRTs", "incident responders' neutrality", "the FIRST community", "emergency response teams"},
}

var demoOpenings = []string{
	"%s has put in place a framework addressing %s.",
	"In %s, the competent ministry leads work on %s together with the national CERT.",
	"%s reports progress on %s, coordinated by the national cybersecurity agency.",
	"The government of %s adopted measures on %s after a public consultation.",
}

var demoDetails = []string{
	"The measure involves the private sector, academia and civil society, and is reviewed every two years.",
	"Implementation is funded from the national budget and supported by regional partners.",
	"A dedicated team monitors implementation and publishes an annual report.",
	"It builds on lessons learned from recent ransomware incidents affecting public services.",
	"Oversight is ensured by parliament and an independent data protection authority.",
	"The measure was developed with the support of a regional organisation and peer States.",
}

var demoBullets = []string{
	"a 24/7 point of contact", "annual national exercises", "information sharing with operators of essential services",
	"training for diplomats and officials", "guidance published in the official journal", "cooperation agreements with neighbouring States",
	"a register of critical infrastructure operators", "public awareness campaigns", "incident notification within 72 hours",
	"secure coordinated disclosure channels", "participation in regional CERT networks", "gender-balanced training cohorts",
}

var demoUpdates = []string{
	"the scope was extended to local governments.", "an evaluation recommended further funding.", "the measure was aligned with the regional framework.",
	"new partners joined the programme.", "implementation was delayed by budget constraints.",
}

var demoChallenges = []string{
	"Shortage of qualified cybersecurity staff.", "Coordination between agencies remains difficult.", "Limited budget for long-term programmes.",
	"Legal frameworks lag behind technology.", "Private operators are reluctant to share incident data.", "Cross-border requests take too long.",
}

var demoGaps = []string{
	"Digital forensics capacity.", "Training of judges and prosecutors.", "Sector-specific CERTs.", "Threat intelligence analysis.",
	"Secure software development skills.", "Legislative drafting expertise on ICT matters.",
}

var demoILaw = []string{
	"It affirms that the principles of sovereignty and non-intervention apply to State conduct in cyberspace.",
	"It considers that international humanitarian law applies to cyber operations during armed conflict.",
	"It recognises the right of States to take measures consistent with international law in response to internationally wrongful acts.",
	"It supports further discussion of how existing international law applies, within the United Nations.",
}

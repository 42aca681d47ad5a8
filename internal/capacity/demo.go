package capacity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/upload"
	"github.com/cybernorms/cybernorms/internal/states"
)

// demoNeedStates are States that state needs in the demo (beside the demo
// accounts' States).
var demoNeedStates = []string{"KEN", "SEN", "GHA", "CIV", "NGA", "BRA", "PER", "IDN", "PHL", "VNM", "FJI", "JAM", "MDA", "GEO", "JOR", "TUN", "MAR", "PNG", "BTN", "EST"}

var demoNeedTitles = []struct{ title, topic, kind, norm string }{
	{"Setting up a national CSIRT", "incident-response", "technical-assistance", "gge2015-g"},
	{"Training judges and prosecutors on cybercrime cases", "cybercrime", "training", "gge2015-d"},
	{"Drafting a national cybersecurity strategy", "national-strategy", "policy-advice", "gge2015-a"},
	{"Protecting the electricity grid's control systems", "critical-infrastructure", "technical-assistance", "gge2015-g"},
	{"A coordinated vulnerability disclosure policy", "vulnerability-disclosure", "policy-advice", "gge2015-j"},
	{"Applying international law to State use of ICTs", "international-law", "legal-advice", "gge2015-e"},
	{"Tabletop exercise for the energy and health sectors", "critical-infrastructure", "exercise", "gge2015-f"},
	{"Mentoring for a new points-of-contact directory team", "cbm", "mentoring", "gge2015-b"},
	{"Supply chain security requirements for public procurement", "supply-chain", "policy-advice", "gge2015-i"},
	{"Preventing misuse of ICTs from the State's territory", "cybercrime", "training", "gge2015-c"},
	{"Forensic laboratory equipment for the police", "cybercrime", "equipment", "gge2015-d"},
	{"Cyber diplomacy course for young diplomats", "diplomacy", "training", "gge2015-a"},
}

var demoProviders = []string{"FRA", "AUS", "EST", "JPN", "GBR", "NLD", "DEU", "SGP", "CAN", "KOR"}

// GenerateDemo makes the capacity-building demo data through the module's
// service: needs from many States (visibility and status varied), offers by
// States and organisations, invitations, interest and accepted matches with
// their projects. Scale multiplies the counts.
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	if scale < 1 {
		scale = 1
	}
	s := NewService(ps, &framework.Store{DB: ps.DB})
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Label: "demo generator", Via: "cli"})
	as := func(role auth.Role, iso, org string) context.Context {
		return auth.WithUser(ctx, &auth.User{ID: "demo", Role: role, StateISO3: iso, OrgID: org})
	}
	norms, err := s.loadNorms(ctx, false)
	if err != nil {
		return err
	}
	norm := func(id string) []string {
		if _, ok := norms[id]; ok {
			return []string{id}
		}
		return nil
	}
	langsOf := func(iso string) []string {
		st, _ := states.ByISO3(iso)
		switch st.Group {
		case states.GroupLatin:
			return []string{"es", "en"}
		case states.GroupAfrican:
			if rng.IntN(2) == 0 {
				return []string{"fr", "en"}
			}
			return []string{"en"}
		}
		return []string{"en"}
	}
	start := time.Now().UTC()
	var needs []Need
	for i := 0; i < 40*scale; i++ {
		iso := demoNeedStates[i%len(demoNeedStates)]
		t := demoNeedTitles[rng.IntN(len(demoNeedTitles))]
		vis := VisPublic
		switch rng.IntN(6) {
		case 0:
			vis = VisMembers
		case 1:
			vis = VisSecretariat
		}
		from := start.AddDate(0, rng.IntN(6), 0)
		n, err := s.CreateNeed(as(auth.RoleStateApprover, iso, ""), NeedInput{Title: t.title, Visibility: vis, Norms: norm(t.norm), Topics: []string{t.topic},
			Kinds: []string{t.kind}, Languages: langsOf(iso), StartsOn: from.Format("2006-01-02"), EndsOn: from.AddDate(0, 6+rng.IntN(12), 0).Format("2006-01-02"),
			Size: Sizes[rng.IntN(len(Sizes))],
			Description: fmt.Sprintf("%s needs help with: %s.\n\nThe national team would benefit from %s in %s, building on what it reported in its national implementation report.",
				stateName(iso, "en"), t.title, KindLabels[t.kind], TopicLabels[t.topic])})
		if err != nil {
			return fmt.Errorf("demo need: %w", err)
		}
		if rng.IntN(8) != 0 {
			if n, err = s.PublishNeed(as(auth.RoleStateApprover, iso, ""), n.ID); err != nil {
				return err
			}
		}
		needs = append(needs, n)
	}
	// A share of the needs come from the capacity gaps of published reports
	// (when the reporting demo ran first).
	s.Gaps = publishedGaps{ps.DB}
	grows, err := ps.DB.QueryContext(ctx, `SELECT report_id, state_iso3, norm_id FROM report_norm_notes WHERE published = ? AND capacity_gaps <> '' ORDER BY report_id, norm_id LIMIT ?`, true, 10*scale)
	if err != nil {
		return err
	}
	type gapRef struct{ report, state, norm string }
	var gaps []gapRef
	for grows.Next() {
		var g gapRef
		if err := grows.Scan(&g.report, &g.state, &g.norm); err != nil {
			grows.Close()
			return err
		}
		gaps = append(gaps, g)
	}
	grows.Close()
	for _, g := range gaps {
		c := as(auth.RoleStateApprover, g.state, "")
		gap, err := s.Gaps.ReportGap(c, g.report, g.norm)
		if err != nil {
			return err
		}
		t := demoNeedTitles[rng.IntN(len(demoNeedTitles))]
		text := gap.Text
		if len([]rune(text)) < 10 {
			text = "Capacity gap recorded in the national report: " + text
		}
		n, err := s.CreateNeed(c, NeedInput{Title: s.GapTitle(gap, s.NormLabel(ctx, g.norm), "en"), Description: text, Visibility: VisPublic, Topics: []string{t.topic},
			Kinds: []string{t.kind}, Languages: langsOf(g.state), ReportID: g.report, ReportNorm: g.norm})
		if err != nil {
			return fmt.Errorf("demo need from a gap: %w", err)
		}
		if n, err = s.PublishNeed(c, n.ID); err != nil {
			return err
		}
		needs = append(needs, n)
	}
	progress(fmt.Sprintf("capacity: %d needs (%d from reports' gaps)", len(needs), len(gaps)))
	rows, err := ps.DB.QueryContext(ctx, `SELECT id FROM organisations ORDER BY slug LIMIT 12`)
	if err != nil {
		return err
	}
	var orgs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	var offers []Offer
	for i := 0; i < 25*scale; i++ {
		t := demoNeedTitles[rng.IntN(len(demoNeedTitles))]
		c := as(auth.RoleStateApprover, demoProviders[i%len(demoProviders)], "")
		if len(orgs) > 0 && i%2 == 1 {
			c = as(auth.RoleStakeholder, "", orgs[i%len(orgs)])
		}
		regions := []string{"global"}
		if rng.IntN(2) == 0 {
			regions = []string{Regions[1+rng.IntN(len(Regions)-1)]}
		}
		o, err := s.CreateOffer(c, OfferInput{Title: "Offer: " + t.title, Description: fmt.Sprintf("We provide %s on %s, tailored to the requesting State.", KindLabels[t.kind], TopicLabels[t.topic]),
			Norms: norm(t.norm), Topics: []string{t.topic}, Kinds: []string{t.kind, KindsOfHelp[rng.IntN(len(KindsOfHelp))]}, Languages: []string{"en", Languages[rng.IntN(len(Languages))]},
			Regions: regions, Capacity: 2 + rng.IntN(5), Cost: CostBases[rng.IntN(len(CostBases))], Contact: "capacity@example.org", Publish: true})
		if err != nil {
			return fmt.Errorf("demo offer: %w", err)
		}
		offers = append(offers, o)
	}
	progress(fmt.Sprintf("capacity: %d offers", len(offers)))
	// Invitations, some accepted (projects), some declined; before some,
	// a "Friends of" meeting of the requesting State with the providers of
	// the best offers and a donor; after some, a second implementer.
	matched, meetings, joined := 0, 0, 0
	offerer := func(offerID string) context.Context {
		o, _ := s.loadOffer(ctx, ps.DB, offerID)
		if o.ProviderKind == "organisation" {
			return as(auth.RoleStakeholder, "", o.OrgID)
		}
		return as(auth.RoleStateApprover, o.State, "")
	}
	for _, n := range needs {
		if n.Status != NeedPublished || rng.IntN(3) == 0 {
			continue
		}
		ms, err := s.scoreOffers(ctx, n, 3)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			continue
		}
		requester := as(auth.RoleStateApprover, n.State, "")
		if len(ms) >= 2 && meetings < 3*scale {
			donor := demoProviders[rng.IntN(len(demoProviders))]
			var states []string
			if donor != n.State {
				states = []string{donor}
			}
			if _, err := s.Convene(requester, n.ID, MeetingInput{MeetsOn: start.AddDate(0, 0, 10+rng.IntN(60)).Format("2006-01-02"),
				Place: "Online (link sent to participants)", Offers: []string{ms[0].OfferID, ms[1].OfferID}, States: states,
				Notes: "Demonstration data. Agreed: the requesting State leads; the first offer covers training, the second mentoring; follow-up in three months."}); err != nil {
				return fmt.Errorf("demo meeting: %w", err)
			}
			meetings++
		}
		e, err := s.Invite(requester, n.ID, EngageInput{Offer: ms[0].OfferID, Message: "We would welcome your help."})
		if err != nil {
			return fmt.Errorf("demo invite: %w", err)
		}
		if rng.IntN(4) != 0 {
			accept := rng.IntN(5) != 0
			if _, err := s.Respond(offerer(e.OfferID), e.ID, RespondInput{Accept: accept}); err != nil {
				return fmt.Errorf("demo respond: %w", err)
			}
			if accept && len(ms) >= 2 && joined < 2*scale {
				// A further offer the State accepts joins the running project.
				e2, err := s.Invite(requester, n.ID, EngageInput{Offer: ms[1].OfferID, Message: "Would you join the project already under way?"})
				if err != nil {
					return fmt.Errorf("demo second invite: %w", err)
				}
				if _, err := s.Respond(offerer(e2.OfferID), e2.ID, RespondInput{Accept: true}); err != nil {
					return fmt.Errorf("demo second respond: %w", err)
				}
				joined++
			}
		}
		matched++
	}
	progress(fmt.Sprintf("capacity: %d invitations, %d \"Friends of\" meetings, %d projects with a second implementer", matched, meetings, joined))
	// Milestones in every state on the projects, some overdue.
	var projects []Project
	prows, err := ps.DB.QueryContext(ctx, `SELECT `+projectCols+` FROM capacity_projects p ORDER BY p.id`)
	if err != nil {
		return err
	}
	for prows.Next() {
		p, err := scanProject(prows)
		if err != nil {
			prows.Close()
			return err
		}
		projects = append(projects, p)
	}
	prows.Close()
	shared := 0
	for i, p := range projects {
		pc := as(auth.RoleStateApprover, p.Beneficiary, "")
		if i%3 == 1 {
			// A regional project: the requesting State names a neighbour
			// of its regional group as a second beneficiary.
			if co := demoNeighbour(p.Beneficiary, i); co != "" {
				if _, err := s.UpdateProject(pc, p.ID, ProjectInput{Title: p.Title, Summary: p.Summary, Funders: p.Funders, StartsOn: p.StartsOn, EndsOn: p.EndsOn,
					Budget: p.Budget, Status: p.Status, Outcome: p.Outcome, Evaluation: p.Evaluation, Beneficiaries: []string{p.Beneficiary, co}}); err != nil {
					return fmt.Errorf("demo second beneficiary: %w", err)
				}
				shared++
			}
		}
		base := start
		if p.StartsOn != "" {
			base, _ = time.Parse("2006-01-02", p.StartsOn)
		}
		for j, title := range []string{"Needs assessment agreed", "First training delivered", "Final report"} {
			ms, err := s.AddMilestone(pc, p.ID, MilestoneInput{Title: title, DueOn: base.AddDate(0, 2*(j+1), 0).Format("2006-01-02")})
			if err != nil {
				return fmt.Errorf("demo milestone: %w", err)
			}
			status := MilestoneStatuses[(i+j)%len(MilestoneStatuses)]
			if status != "planned" {
				if _, err := s.SetMilestone(pc, p.ID, ms.ID, MilestoneInput{Status: status}); err != nil {
					return err
				}
			}
		}
		if _, err := s.PostUpdate(pc, p.ID, UpdateInput{Body: "Kick-off meeting held with the national team; the work plan is agreed."}); err != nil {
			return err
		}
		if i%2 == 0 {
			if _, err := s.RequestPublication(pc, p.ID); err != nil {
				return err
			}
			if i%4 == 0 {
				if _, err := s.ReviewProject(as(auth.RoleSecretariat, "", ""), p.ID, ReviewInput{Publish: true}); err != nil {
					return err
				}
			}
		}
	}
	progress(fmt.Sprintf("capacity: %d projects with milestones, %d with two beneficiary States", len(projects), shared))
	// Events across a year: the yearly industry workshop on the margins of
	// the First Committee, tailored briefings and trainings.
	zones := []string{"America/New_York", "Europe/Zurich", "Africa/Dakar", "Asia/Singapore", "America/Sao_Paulo", "Pacific/Fiji"}
	places := []string{"New York, UN Headquarters", "Geneva, Palais des Nations", "Dakar", "Singapore", "São Paulo", "Suva"}
	for i := 0; i < 12*scale; i++ {
		day := start.AddDate(0, i%12, 3+rng.IntN(20)).Format("2006-01-02")
		kind := EventKinds[i%len(EventKinds)]
		title := fmt.Sprintf("%s: %s", map[string]string{"workshop": "Workshop", "briefing": "Tailored briefing", "training": "Training", "side-event": "Side event"}[kind], demoNeedTitles[i%len(demoNeedTitles)].title)
		audience := "public"
		if kind == "briefing" {
			audience = "states"
		}
		c := as(auth.RoleSecretariat, "", "")
		if len(orgs) > 0 && i%3 == 1 {
			c = as(auth.RoleStakeholder, "", orgs[i%len(orgs)])
		}
		if i == 0 {
			title, day = "Yearly industry workshop on the margins of the First Committee", start.AddDate(0, 1, 0).Format("2006-01-02")
		}
		e, err := s.CreateEvent(c, EventInput{Title: title, Kind: kind, Audience: audience, Place: places[i%len(places)], TZ: zones[i%len(zones)],
			Starts: day + "T10:00", Ends: day + "T13:00", Languages: []string{"en", "fr"}, Norms: norm(demoNeedTitles[i%len(demoNeedTitles)].norm),
			Agenda: "1. Opening\n2. Threat briefing by industry\n3. Discussion with delegations\n4. Next steps", Capacity: 20 + rng.IntN(80)})
		if err != nil {
			return fmt.Errorf("demo event: %w", err)
		}
		if i%4 == 0 {
			// The organiser's agenda as a PDF and invitations by e-mail.
			pdf := upload.SimplePDF("Agenda: "+title, []string{"Demonstration data, not a real event.", "", "1. Opening", "2. Threat briefing by industry",
				"3. Discussion with delegations", "4. Next steps", "", places[i%len(places)] + ", " + day + ", 10:00-13:00 (" + zones[i%len(zones)] + ")"})
			if _, err := s.AttachDocument(c, e.ID, upload.File{Name: "agenda.pdf", Data: pdf}); err != nil {
				return fmt.Errorf("demo event document: %w", err)
			}
			if _, err := s.InviteToEvent(c, e.ID, InviteInput{Emails: []string{fmt.Sprintf("delegate%d@demo.example", i), fmt.Sprintf("analyst%d@demo.example", i)},
				Message: "Demonstration invitation."}); err != nil {
				return fmt.Errorf("demo event invitation: %w", err)
			}
		}
	}
	progress(fmt.Sprintf("capacity: %d events", 12*scale))
	return nil
}

// publishedGaps reads the capacity gaps of published reports
// (report_norm_notes.published, the reporting module's read-side contract),
// for the demo, which runs without the app's wiring.
type publishedGaps struct{ d *db.DB }

func (p publishedGaps) ReportGap(ctx context.Context, reportID, normID string) (Gap, error) {
	g := Gap{ReportID: reportID, NormID: normID, Published: true}
	var year int
	err := p.d.QueryRowContext(ctx, `SELECT state_iso3, cycle_year, capacity_gaps FROM report_norm_notes WHERE report_id = ? AND norm_id = ? AND published = ?`, reportID, normID, true).Scan(&g.State, &year, &g.Text)
	if err != nil {
		return g, ErrNotFound
	}
	g.Cycle = fmt.Sprint(year)
	return g, nil
}

// demoNeighbour is another State of iso3's regional group, picked by i.
func demoNeighbour(iso3 string, i int) string {
	group := regionOf(iso3)
	var same []string
	for _, st := range states.All() {
		if string(st.Group) == group && st.ISO3 != iso3 {
			same = append(same, st.ISO3)
		}
	}
	if len(same) == 0 {
		return ""
	}
	return same[i%len(same)]
}

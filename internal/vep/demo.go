package vep

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// demoAs returns ctx acting as the demo account with the e-mail address.
func demoAs(ctx context.Context, ps *platform.Services, email string) (context.Context, *auth.User, error) {
	u, err := ps.Auth.ByEmail(ctx, email)
	if err != nil {
		return ctx, nil, fmt.Errorf("vep demo: account %s: %w", email, err)
	}
	ctx = auth.WithUser(ctx, u)
	return audit.WithActor(ctx, u.Actor("demo")), u, nil
}

// demoPolicies are the two anchors of the issue, entered by the
// secretariat from their public sources, and States' own.
var demoPolicies = []struct {
	iso3, who string
	p         Policy
}{
	{"USA", "secretariat@demo.example.org", Policy{HasProcess: true, Since: "2017-11-15", DocumentURL: "https://trumpwhitehouse.archives.gov/sites/whitehouse.gov/files/images/External%20-%20Unclassified%20VEP%20Charter%20FINAL.PDF",
		DecidingBody: "Equities Review Board (consensus; monthly meetings)", Members: []string{"Office of Management and Budget", "Department of State", "Department of the Treasury", "Department of Defense", "Department of Justice", "Department of Homeland Security", "Department of Energy", "Department of Commerce", "Office of the Director of National Intelligence", "Central Intelligence Agency", "National Security Agency"},
		Default: "disclose", Scope: "partial", CriteriaPublic: "full", CriteriaNamed: []string{"national_security", "threat_impact", "international_partners", "commercial"}, Ecosystem: "partly",
		Review: "periodic", ReviewMonths: 12, OversightBody: "National Security Council", VendorNoticeDays: 7, PublishesStatistics: true, Secured: "partly",
		Criteria: "Defensive value, operational value, commercial value and the risk of compromise, weighed by the Equities Review Board.",
		Passages: map[string]string{"presume_disclosure": "In the vast majority of cases, responsibly disclosing a newly discovered vulnerability is clearly in the national interest.",
			"six_month_review": "Decisions to restrict a vulnerability will be reviewed annually.",
			"all_evaluated":    "Vulnerabilities … that are subject to restrictions by partner agreements and sensitive operations are not considered for disclosure."}}},
	{"GBR", "secretariat@demo.example.org", Policy{HasProcess: true, Since: "2018-11-29", DocumentURL: "https://www.gchq.gov.uk/information/equities-process",
		DecidingBody: "Equities Technical Panel and Equities Board", Members: []string{"GCHQ", "NCSC", "SIS", "MI5"}, Default: "disclose", Scope: "partial",
		CriteriaPublic: "partial", CriteriaNamed: []string{"national_security", "threat_impact", "commercial"}, Ecosystem: "partly", Review: "periodic", ReviewMonths: 12,
		OversightBody: "Investigatory Powers Commissioner", Secured: "unknown",
		Passages: map[string]string{"presume_disclosure": "The default position is to release vulnerability information to the vendor.",
			"criteria_public": "The process sets out the factors the Equities Technical Panel considers."}}},
	{"FRA", "approver.fra@demo.example.org", Policy{HasProcess: true, Since: "2021-02-01", DecidingBody: "Comité d'évaluation des vulnérabilités", Members: []string{"ANSSI", "COMCYBER", "DGSE"},
		Default: "disclose", Scope: "all", CriteriaPublic: "full", CriteriaNamed: FourCriteria, Ecosystem: "yes", Review: "periodic", ReviewMonths: 6,
		OversightBody: "Commission nationale de contrôle des techniques de renseignement", VendorNoticeDays: 10, PublishesStatistics: true, Secured: "yes",
		Passages: map[string]string{"six_month_review": "Toute décision de conservation est réexaminée au plus tard six mois après."}}},
	{"EST", "approver.est@demo.example.org", Policy{HasProcess: true, Since: "2022-06-01", DecidingBody: "Vulnerability Council", Members: []string{"RIA", "Ministry of Defence"},
		Default: "disclose", Scope: "all", CriteriaPublic: "partial", CriteriaNamed: []string{"national_security", "threat_impact"}, Ecosystem: "unknown", Review: "periodic", ReviewMonths: 6, Secured: "partly"}},
	{"AUS", "approver.aus@demo.example.org", Policy{HasProcess: true, Since: "2019-03-01", DecidingBody: "Australian Signals Directorate", Members: []string{"ASD"},
		Default: "case_by_case", Scope: "unknown", CriteriaPublic: "partial", Review: "unknown", Secured: "unknown"}},
	{"KEN", "approver.ken@demo.example.org", Policy{HasProcess: false}},
}

// GenerateDemo makes the vulnerability equities demo data through the
// service: the US and UK policies entered by the secretariat from their
// public sources, and policies published by four demo States.
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	s := NewService(ps)
	for _, d := range demoPolicies {
		actx, _, err := demoAs(ctx, ps, d.who)
		if err != nil {
			return err
		}
		if _, err := s.SaveDraft(actx, d.iso3, d.p); err != nil {
			return fmt.Errorf("vep demo: %s policy: %w", d.iso3, err)
		}
		if _, err := s.Publish(actx, d.iso3); err != nil {
			return fmt.Errorf("vep demo: publish %s: %w", d.iso3, err)
		}
	}
	progress(fmt.Sprintf("vep: %d policies", len(demoPolicies)))
	n := 0
	for _, iso := range []string{"FRA", "EST"} {
		k, err := demoRegister(ctx, ps, s, rng, iso, 20*scale)
		if err != nil {
			return err
		}
		n += k
	}
	progress(fmt.Sprintf("vep: %d sealed register entries, reports published", n))
	return nil
}

var demoProducts = []struct{ product, vendor string }{
	{"Edge VPN gateway", "Northwind Networks"}, {"Industrial PLC firmware", "Contoso Automation"}, {"Mobile baseband", "Fabrikam Radio"},
	{"Mail server", "Tailspin Software"}, {"Browser rendering engine", "Adatum"}, {"Hypervisor", "Litware"}, {"SCADA historian", "Proseware"},
}

var demoVectors = []string{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N"}

// demoRegister grants the VEP permission to the State's demo editor and
// approver, records n entries over the last two years through the
// service (sealed), reviews some retained ones, leaves one overdue, and
// publishes last year's transparency report.
func demoRegister(ctx context.Context, ps *platform.Services, s *Service, rng *rand.Rand, iso3 string, n int) (int, error) {
	l := strings.ToLower(iso3)
	actx, _, err := demoAs(ctx, ps, "approver."+l+"@demo.example.org")
	if err != nil {
		return 0, err
	}
	for _, who := range []string{"editor." + l, "approver." + l} {
		u, err := ps.Auth.ByEmail(ctx, who+"@demo.example.org")
		if err != nil {
			return 0, err
		}
		if _, err := s.GrantPermission(actx, u.ID); err != nil {
			return 0, fmt.Errorf("vep demo: grant %s: %w", who, err)
		}
	}
	ectx, _, err := demoAs(ctx, ps, "editor."+l+"@demo.example.org")
	if err != nil {
		return 0, err
	}
	today := s.today()
	why := func(d string) map[string]string {
		return map[string]string{
			"national_security":      "Relevance to national security assessed by the technical panel (" + d + ").",
			"threat_impact":          "Exploitation observed in the wild: none known; impact if exploited: high.",
			"international_partners": "Partners' systems use the product; their equities were consulted.",
			"commercial":             "Widely deployed commercial product; the vendor supports it.",
			"ecosystem":              "Clean-up cost if released publicly: moderate; a patch is feasible.",
		}
	}
	decisions := []string{"disclose", "disclose", "disclose", "retain", "mitigations_only", "inform_partners", "disclose"}
	for i := range n {
		p := demoProducts[rng.IntN(len(demoProducts))]
		found := today.AddDate(0, 0, -30-rng.IntN(700))
		decided := found.AddDate(0, 0, rng.IntN(25))
		d := decisions[rng.IntN(len(decisions))]
		if i == 0 {
			d, found, decided = "retain", today.AddDate(0, -8, 0), today.AddDate(0, -7, 0) // overdue
		}
		in := EntryInput{Product: p.product, Vendor: p.vendor, CVSSVector: demoVectors[rng.IntN(len(demoVectors))], FoundHow: FoundHow[rng.IntN(len(FoundHow))],
			FoundOn: found.Format("2006-01-02"), Decision: d, Justification: why(d), DecidedOn: decided.Format("2006-01-02")}
		if rng.IntN(3) > 0 {
			in.CVE = fmt.Sprintf("CVE-%d-%d", found.Year(), 20000+rng.IntN(40000))
		}
		if disclosing(d) {
			if v := decided.AddDate(0, 0, 1+rng.IntN(10)); !v.After(today) {
				in.VendorNotifiedOn = v.Format("2006-01-02")
				if p := v.AddDate(0, 0, 14+rng.IntN(90)); !p.After(today) {
					in.PatchedOn = p.Format("2006-01-02")
				}
			}
		}
		e, err := s.Record(ectx, in)
		if err != nil {
			return i, fmt.Errorf("vep demo: record %s: %w", iso3, err)
		}
		// A retained entry older than its interval is reviewed, once or
		// twice; some are released.
		for e.Current == "retain" && i > 0 {
			due, _ := parseDate(e.NextReviewOn)
			if due.After(today) {
				break
			}
			decision := "retain"
			if rng.IntN(3) == 0 {
				decision = "disclose"
			}
			on := due.AddDate(0, 0, rng.IntN(20)-10)
			if on.After(today) {
				on = today
			}
			if e, err = s.AddReview(ectx, e.ID, ReviewInput{ReviewedOn: on.Format("2006-01-02"), Decision: decision, Justification: why("review")}); err != nil {
				return i, fmt.Errorf("vep demo: review %s: %w", iso3, err)
			}
		}
	}
	rp, err := s.GenerateReport(actx, today.Year()-1)
	if err != nil {
		return n, fmt.Errorf("vep demo: report %s: %w", iso3, err)
	}
	if _, err := s.PublishReport(actx, rp.ID); err != nil {
		return n, fmt.Errorf("vep demo: publish report %s: %w", iso3, err)
	}
	return n, nil
}

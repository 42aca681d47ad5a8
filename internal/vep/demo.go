package vep

import (
	"context"
	"fmt"
	"math/rand/v2"

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
	return nil
}

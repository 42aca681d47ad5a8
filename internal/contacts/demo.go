package contacts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/states"
)

// demoStates always get contacts: they have demo accounts, and the demo's
// technical contact of each is its editor's address, so the editor may act
// on requests.
var demoStates = []string{"FRA", "KEN", "BRA", "IND", "AUS", "EST"}

var demoZones = map[states.Group][]string{
	states.GroupAfrican:     {"Africa/Nairobi", "Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Dakar"},
	states.GroupAsiaPacific: {"Asia/Singapore", "Asia/Tokyo", "Asia/Kolkata", "Asia/Dubai", "Pacific/Fiji"},
	states.GroupEastern:     {"Europe/Warsaw", "Europe/Tallinn", "Europe/Bucharest", "Europe/Kyiv"},
	states.GroupLatin:       {"America/Sao_Paulo", "America/Mexico_City", "America/Bogota", "America/Santiago"},
	states.GroupWEOG:        {"Europe/Paris", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London"},
	states.GroupNone:        {"UTC"},
}

var (
	demoGiven  = []string{"Amina", "Jean", "Maria", "Olga", "Wei", "Fatima", "Carlos", "Aisha", "Pierre", "Kwame", "Sofia", "Rahul", "Lena", "Omar", "Yuki", "Ana", "Tomas", "Grace", "Ivan", "Nadia"}
	demoFamily = []string{"Mensah", "Dubois", "Silva", "Petrova", "Zhang", "Haddad", "Garcia", "Okafor", "Martin", "Kumar", "Novak", "Rossi", "Tanaka", "Ali", "Kowalski", "Ndiaye", "Lopez", "Schmidt", "Ivanov", "Cohen"}
)

// approverCtx is a context acting as an approver of the State, for the
// demo: the service's rules are the same as for a person.
func approverCtx(ctx context.Context, iso3 string) context.Context {
	return auth.WithUser(ctx, &auth.User{ID: "demo-" + strings.ToLower(iso3), Email: "demo@demo.example.org", Role: auth.RoleStateApprover, StateISO3: iso3})
}

// GenerateDemo fills the directory for about 140 States (every demo
// State among them), through the service's own functions, with dates
// spread over 2024 and 2025; then a year of quarterly rounds and requests
// in every state of their lifecycle (demo_rounds.go).
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	s := NewService(ps)
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Label: "demo generator", Via: "cli"})
	all := states.All()
	chosen := map[string]bool{}
	for _, iso := range demoStates {
		chosen[iso] = true
	}
	for _, i := range rng.Perm(len(all)) {
		if len(chosen) >= 140 {
			break
		}
		chosen[all[i].ISO3] = true
	}
	start := time.Date(2024, 5, 20, 9, 0, 0, 0, time.UTC)
	made := 0
	for _, st := range all {
		if !chosen[st.ISO3] {
			continue
		}
		zones := demoZones[st.Group]
		tz := zones[rng.IntN(len(zones))]
		at := start.Add(time.Duration(rng.IntN(500*24)) * time.Hour)
		kinds := []string{KindDiplomatic, KindTechnical}
		if !containsStr(demoStates, st.ISO3) {
			switch r := rng.IntN(10); {
			case r == 0:
				kinds = []string{KindDiplomatic}
			case r == 1:
				kinds = []string{KindTechnical}
			case r < 4:
				kinds = append(kinds, KindTechnical) // a second technical contact (a CERT's duty desk)
			}
		}
		actx := approverCtx(ctx, st.ISO3)
		slug := strings.ToLower(st.ISO3)
		for i, kind := range kinds {
			s.Now = func() time.Time { return at.Add(time.Duration(i) * time.Hour) }
			name := demoGiven[rng.IntN(len(demoGiven))] + " " + demoFamily[rng.IntN(len(demoFamily))]
			in := ContactInput{Kind: kind, Name: name, TimeZone: tz, Languages: []string{"en"}, Hours: "Mon–Fri 09:00–17:00"}
			if kind == KindDiplomatic {
				in.Function, in.Organisation = "Cyber diplomacy focal point", "Ministry of Foreign Affairs of "+st.Name("en")
				in.Email = fmt.Sprintf("cyber.poc@mfa.%s.demo.example.org", slug)
				in.Phone = fmt.Sprintf("+%d%09d", 20+rng.IntN(70), rng.IntN(1_000_000_000))
			} else {
				in.Function, in.Organisation = "Head of incident coordination", "National CERT of "+st.Name("en")
				in.Email = fmt.Sprintf("duty%d@cert.%s.demo.example.org", i, slug)
				in.Phone = fmt.Sprintf("+%d%09d", 20+rng.IntN(70), rng.IntN(1_000_000_000))
				in.Hours = "24/7"
				in.SecureNotes = "PGP key on the national CERT's website; Signal on request."
				if i == 1 && containsStr(demoStates, st.ISO3) {
					in.Email = "editor." + slug + "@demo.example.org"
				}
			}
			if _, err := s.Draft(actx, st.ISO3, in); err != nil {
				return fmt.Errorf("demo contact %s: %w", st.ISO3, err)
			}
			made++
		}
	}
	progress(fmt.Sprintf("contacts: %d points of contact for %d States", made, len(chosen)))
	s.Now = now
	return generateActivity(ctx, s, rng, progress)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

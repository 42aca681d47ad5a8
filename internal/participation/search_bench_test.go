package participation_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// registryWords make names like the demo's ("Nordic Trust Forum 123").
var registryWords = [][]string{
	{"Global", "Open", "Digital", "Cyber", "Internet", "Secure", "Civic", "Pacific", "African", "Latin American", "Nordic", "Asian", "Arab", "European", "Caribbean"},
	{"Rights", "Security", "Policy", "Resilience", "Peace", "Infrastructure", "Trust", "Freedom", "Standards", "Incident Response", "Research", "Governance"},
	{"Institute", "Foundation", "Alliance", "Network", "Centre", "Forum", "Council", "Initiative", "Association", "Lab"},
}

// fillRegistry adds organisations numbered from..to-1 with profiles, written
// straight to the tables in batches. One in a thousand is a national CERT,
// so "cert" stays a rare word as the registry grows.
func fillRegistry(tb testing.TB, rig *testrig.Rig, from, to int) {
	tb.Helper()
	r := rand.New(rand.NewPCG(uint64(from), 4))
	all := states.All()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := from; start < to; start += 500 {
		var orgs, profiles []string
		var oArgs, pArgs []any
		for i := start; i < min(start+500, to); i++ {
			name := fmt.Sprintf("%s %s %s %d", registryWords[0][r.IntN(15)], registryWords[1][r.IntN(12)], registryWords[2][r.IntN(10)], i+1)
			if i%1000 == 999 {
				name = fmt.Sprintf("National CERT of %s %d", all[r.IntN(len(all))].Names["en"], i+1)
			}
			eco := "none"
			if r.IntN(100) < 15 {
				eco = participation.ECOSOCStatuses[1+r.IntN(3)]
			}
			oid := id.New()
			typ := participation.OrgTypes[r.IntN(len(participation.OrgTypes))]
			orgs = append(orgs, "(?, ?, ?, ?, ?)")
			oArgs = append(oArgs, oid, fmt.Sprintf("registry-org-%06d", i+1), name, typ, at)
			profiles = append(profiles, "(?, ?, ?, ?, ?)")
			pArgs = append(pArgs, oid, typ, eco, all[r.IntN(len(all))].ISO3, at)
		}
		err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			if _, err := tx.ExecContext(rig.Ctx, `INSERT INTO organisations (id, slug, name, kind, created_at) VALUES `+strings.Join(orgs, ", "), oArgs...); err != nil {
				return err
			}
			_, err := tx.ExecContext(rig.Ctx, `INSERT INTO participation_profiles (org_id, org_type, ecosoc, hq_iso3, updated_at) VALUES `+strings.Join(profiles, ", "), pArgs...)
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if rig.DB.Dialect == db.Postgres {
		// As autovacuum would after such a load.
		if _, err := rig.DB.ExecContext(rig.Ctx, `ANALYZE organisations; ANALYZE participation_profiles`); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkOrganisationSearch searches registries of 2,000 and 20,000
// organisations. Rare words ("cert", "zzz") were a scan of every
// organisation; they should cost about the same at both sizes.
func BenchmarkOrganisationSearch(b *testing.B) {
	queries := []struct {
		name string
		f    participation.OrgFilter
	}{
		{"cert", participation.OrgFilter{Query: "CERT"}},
		{"none", participation.OrgFilter{Query: "zzz"}},
		{"cyber", participation.OrgFilter{Query: "cyber"}},
		{"incident-response", participation.OrgFilter{Query: "Incident Response"}},
		{"number", participation.OrgFilter{Query: "1234"}},
		{"short-eu", participation.OrgFilter{Query: "eu"}},
		{"short-none", participation.OrgFilter{Query: "qz"}},
		{"peace+general", participation.OrgFilter{Query: "peace", ECOSOC: "general"}},
		{"hq", participation.OrgFilter{HQ: "FRA"}},
		{"list", participation.OrgFilter{}},
	}
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewOn(b, kind)
		svc := participation.NewService(rig.App.Services)
		have := 0
		for _, n := range []int{2000, 20000} {
			fillRegistry(b, rig, have, n)
			have = n
			for _, q := range queries {
				q.f.Limit = 100
				b.Run(fmt.Sprintf("%s/%d/%s", kind, n, q.name), func(b *testing.B) {
					for b.Loop() {
						if _, err := svc.Organisations(rig.Ctx, q.f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

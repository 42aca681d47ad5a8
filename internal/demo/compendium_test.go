package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestDefaultRegistryMarksPracticesAfterReporting(t *testing.T) {
	steps, err := demo.Default().Ordered()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	c, r, i := slices.Index(names, "compendium"), slices.Index(names, "reporting"), slices.Index(names, "search-index")
	if c < 0 || r < 0 || i < 0 || c < r || c < i {
		t.Fatalf("steps %v: want compendium after reporting and search-index", names)
	}
}

// fewReports is a small reporting step for tests (the full one makes
// ≈1,600 reports): one open cycle in which the first n States submit a
// public report through the reporting service, three measures per norm,
// most implemented.
func fewReports(n int) demo.Generator {
	return func(ctx context.Context, svc *platform.Services, rng *rand.Rand, _ int, progress func(string)) error {
		s := reporting.NewService(svc, &framework.Store{DB: svc.DB})
		norms, err := s.ReportableNorms(ctx)
		if err != nil {
			return err
		}
		sec := &auth.User{ID: "t-sec", Role: auth.RoleSecretariat, Name: "Secretariat"}
		now := time.Now().UTC()
		day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
		c, err := s.CreateCycle(audit.WithActor(auth.WithUser(ctx, sec), sec.Actor("test")), reporting.CycleInput{Name: fmt.Sprint(now.Year()), OpensOn: day(-10), DueOn: day(30), ClosesOn: day(60)})
		if err != nil {
			return err
		}
		statuses := []string{"implemented", "implemented", "implemented", "in_progress", "planned"}
		types := []string{"legislation", "strategy", "policy", "institution", "practice", "cbm", "capacity_building", "other"}
		for _, st := range demo.DemoStates[:n] {
			ap := &auth.User{ID: "t-ap-" + st, Role: auth.RoleStateApprover, StateISO3: st, Name: "Approver " + st}
			actx := audit.WithActor(auth.WithUser(ctx, ap), ap.Actor("test"))
			r, err := s.Start(actx, reporting.StartInput{CycleID: c.ID})
			if err != nil {
				return err
			}
			var content reporting.Content
			for _, nm := range norms {
				for k := range 3 {
					content.Measures = append(content.Measures, reporting.Measure{NormID: nm.ID, Title: fmt.Sprintf("%s measure %d for norm (%s)", st, k+1, nm.Code),
						Description: "A measure reported for the test.", Type: types[rng.IntN(len(types))], Status: statuses[rng.IntN(len(statuses))]})
				}
			}
			if r, err = s.SaveDraft(actx, r.ID, r.Revision, content); err != nil {
				return err
			}
			if _, err := s.Submit(actx, r.ID, reporting.SubmitInput{Visibility: reporting.Public}); err != nil {
				return err
			}
		}
		progress(fmt.Sprintf("%d reports", n))
		return nil
	}
}

func practicesRegistry() *demo.Registry {
	r := &demo.Registry{}
	r.Register("platform", nil, demo.Platform(5))
	r.Register("reporting", []string{"platform"}, fewReports(len(demo.DemoStates)))
	r.Register("search-index", []string{"reporting"}, demo.IndexSearch)
	r.Register("compendium", []string{"reporting", "search-index"}, compendium.GenerateDemo)
	return r
}

// marks describes the good practices a run made, without ULIDs.
func marks(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT p.state_iso3, m.title, p.marked_role, p.note FROM compendium_practices p JOIN report_measures m ON m.id = p.measure_id ORDER BY p.state_iso3, m.title`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s, title, role, note string
		if err := rows.Scan(&s, &title, &role, &note); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{s, title, role, note}, " | "))
	}
	return out
}

func TestGenerateDemoMarksGoodPractices(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			d, cfg := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
			var out strings.Builder
			if _, err := demo.Run(context.Background(), cfg, quiet, demo.Options{Scale: 1, Seed: 7}, practicesRegistry(), &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "compendium done in") || !strings.Contains(out.String(), "good practices marked across 11 norms") {
				t.Fatalf("no progress from the compendium step:\n%s", out.String())
			}
			got := marks(t, d)
			// Six States × 3 measures per norm, of which about four in five
			// are implemented or in progress: fewer than 25 per norm.
			if len(got) < 100 || len(got) > 11*compendium.DemoPracticesPerNorm {
				t.Fatalf("%d good practices marked", len(got))
			}
			roles := map[string]int{}
			for _, m := range got {
				f := strings.Split(m, " | ")
				roles[f[2]]++
				if f[3] == "" {
					t.Errorf("a practice without a note: %s", m)
				}
			}
			t.Logf("%d good practices, by role %v", len(got), roles)
			if roles["secretariat"] == 0 || roles["state-editor"]+roles["state-approver"] == 0 {
				t.Errorf("marked by %v: want both the secretariat and States", roles)
			}
			var audits, planned int
			if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'practice.mark'`).Scan(&audits); err != nil {
				t.Fatal(err)
			}
			if audits != len(got) {
				t.Errorf("%d practice.mark audit entries for %d marks", audits, len(got))
			}
			if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM compendium_practices p JOIN report_measures m ON m.id = p.measure_id WHERE m.status = 'planned' OR m.published = ?`, false).Scan(&planned); err != nil {
				t.Fatal(err)
			}
			if planned != 0 {
				t.Errorf("%d planned or unpublished measures marked", planned)
			}

			t.Run("the same seed marks the same measures with the same notes", func(t *testing.T) {
				d2, cfg2 := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
				if _, err := demo.Run(context.Background(), cfg2, quiet, demo.Options{Scale: 1, Seed: 7}, practicesRegistry(), io.Discard); err != nil {
					t.Fatal(err)
				}
				if again := marks(t, d2); !slices.Equal(got, again) {
					t.Fatalf("same seed, different marks: %d vs %d", len(got), len(again))
				}
			})

			t.Run("every norm's compendium page and the API list its good practices", func(t *testing.T) {
				a, err := app.New(context.Background(), cfg, d, quiet)
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(a.Handler())
				t.Cleanup(func() { srv.Close(); a.Close() })
				c := &http.Client{}
				index := get(t, c, srv.URL+"/compendium")
				total := 0
				for _, code := range "abcdefghijk" {
					norm := "gge2015-" + string(code)
					var list struct{ Items []compendium.Practice }
					if err := json.Unmarshal([]byte(get(t, c, srv.URL+"/api/v1/practices?norm="+norm)), &list); err != nil {
						t.Fatal(err)
					}
					if len(list.Items) == 0 {
						t.Errorf("the API lists no good practice for %s", norm)
						continue
					}
					total += len(list.Items)
					row := regexp.MustCompile(`href="/compendium/norms/` + norm + `">[^\n]*</a></th>\s*<td class="num">\d+</td><td class="num">(\d+)</td>`).FindStringSubmatch(index)
					if row == nil || row[1] != fmt.Sprint(len(list.Items)) {
						t.Errorf("the compendium's table counts %v good practices for %s, the API lists %d", row, norm, len(list.Items))
					}
					page := get(t, c, srv.URL+"/compendium/norms/"+norm)
					first := list.Items[0]
					for _, want := range []string{first.Title, `<a href="/states/` + first.State + `">` + first.StateName + `</a>`} {
						if !strings.Contains(page, strings.ReplaceAll(want, "'", "&#39;")) {
							t.Errorf("the page of %s lacks %q", norm, want)
						}
					}
					if strings.Contains(page, "No published measure has been marked") {
						t.Errorf("the page of %s says it has no good practices", norm)
					}
				}
				if total < len(got) {
					t.Errorf("the norms list %d practices in all, fewer than the %d marked", total, len(got))
				}
				var hits struct {
					Total int `json:"total"`
				}
				if err := json.Unmarshal([]byte(get(t, c, srv.URL+"/api/v1/search?kind=practice&limit=1")), &hits); err != nil {
					t.Fatal(err)
				}
				if hits.Total != min(len(got), 1000) {
					t.Errorf("%d practices in the search index, %d marked", hits.Total, len(got))
				}
			})
		})
	}
}

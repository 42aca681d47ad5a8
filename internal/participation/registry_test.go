package participation_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cybernorms/cybernorms/internal/admin"
	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/migrations"
)

// names runs a registry search and returns the names found, in order.
func names(t *testing.T, svc *participation.Service, f participation.OrgFilter) []string {
	t.Helper()
	list, err := svc.Organisations(context.Background(), f)
	if err != nil {
		t.Fatalf("%+v: %v", f, err)
	}
	out := []string{}
	for _, o := range list {
		out = append(out, o.Name)
	}
	return out
}

// setProfile writes an organisation's profile straight to the table.
func setProfile(t *testing.T, rig *testrig.Rig, slug, typ, ecosoc, hq string) {
	t.Helper()
	err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		tx.MarkChanged()
		var orgID string
		if err := tx.QueryRowContext(rig.Ctx, `SELECT id FROM organisations WHERE slug = ?`, slug).Scan(&orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(rig.Ctx, `DELETE FROM participation_profiles WHERE org_id = ?`, orgID); err != nil {
			return err
		}
		_, err := tx.ExecContext(rig.Ctx, `INSERT INTO participation_profiles (org_id, org_type, ecosoc, hq_iso3, updated_at) VALUES (?, ?, ?, ?, ?)`, orgID, typ, ecosoc, hq, time.Now().UTC())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRegistrySearchMatchesNames(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		slugs := map[string]string{}
		for i, n := range []string{"National CERT of France", "Société Générale Lab", "EU DisinfoLab", "Neutral Forum", "50% Club_x", "Club x9", `The "Quoted" Institute`, "Cyber-Security Lab"} {
			// As the secretariat does at /admin/organisations.
			slugs[n] = fmt.Sprintf("org-%d", i)
			req := httptest.NewRequest("POST", "/", nil)
			if _, err := admin.CreateOrganisation(req, rig.DB, admin.Organisation{Slug: slugs[n], Name: n, Kind: "ngo"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"cert", []string{"National CERT of France"}},
			{"CERT", []string{"National CERT of France"}},
			{"Cert ", []string{"National CERT of France"}},
			{"ional ce", []string{"National CERT of France"}},
			{"lab", []string{"Cyber-Security Lab", "EU DisinfoLab", "Société Générale Lab"}},
			{"société", []string{"Société Générale Lab"}},
			{"societe", []string{}}, // accents count, as before
			{"50%", []string{"50% Club_x"}},
			{"b_x", []string{"50% Club_x"}}, // _ is a character, not a wildcard
			{"%", []string{}},
			{`"quoted"`, []string{`The "Quoted" Institute`}},
			{"zzz", []string{}},
			// One or two characters: the start of a word.
			{"eu", []string{"EU DisinfoLab"}},
			{"n", []string{"National CERT of France", "Neutral Forum"}},
			{"se", []string{}}, // "Cyber-Security": a word starts after a space
			{"-", []string{}},
		} {
			got := names(t, svc, participation.OrgFilter{Query: c.query, Limit: 50})
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("q=%q: got %q, want %q", c.query, got, c.want)
			}
		}

		// The filters, alone and with a query.
		setProfile(t, rig, slugs["EU DisinfoLab"], "ngo", "special", "BEL")
		setProfile(t, rig, slugs["Cyber-Security Lab"], "academia", "general", "BEL")
		setProfile(t, rig, slugs["Société Générale Lab"], "business", "none", "FRA")
		for _, c := range []struct {
			f    participation.OrgFilter
			want []string
		}{
			{participation.OrgFilter{Query: "lab", HQ: "BEL"}, []string{"Cyber-Security Lab", "EU DisinfoLab"}},
			{participation.OrgFilter{Query: "lab", ECOSOC: "general"}, []string{"Cyber-Security Lab"}},
			{participation.OrgFilter{Query: "lab", ECOSOC: "none"}, []string{"Société Générale Lab"}},
			{participation.OrgFilter{Query: "lab", Type: "ngo"}, []string{"EU DisinfoLab"}},
			{participation.OrgFilter{HQ: "FRA"}, []string{"Société Générale Lab"}},
			{participation.OrgFilter{ECOSOC: "special"}, []string{"EU DisinfoLab"}},
			{participation.OrgFilter{Query: "cert", HQ: "BEL"}, []string{}},
		} {
			c.f.Limit = 50
			got := names(t, svc, c.f)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
			}
		}

		// The public page and the API.
		if body := rig.Anonymous(t).GetBody(t, "/participation/organisations?q=cert"); !strings.Contains(body, "National CERT of France") || strings.Contains(body, "EU DisinfoLab") {
			t.Error("the registry page does not find the CERT alone")
		}
		if body := rig.Anonymous(t).GetBody(t, "/api/v1/participation/organisations?q=disinfo&hq=bel"); !strings.Contains(body, "EU DisinfoLab") {
			t.Errorf("the API does not find the DisinfoLab: %s", body)
		}
	})
}

// TestRegistrySearchLargeRegistry compares the search with a plain
// reading of the registry, over more organisations than the walk's window,
// page by page.
func TestRegistrySearchLargeRegistry(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		fillRegistry(t, rig, 0, 6000)
		type org struct{ slug, name, typ, ecosoc, hq string }
		var all []org
		rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT o.slug, o.name, p.org_type, p.ecosoc, p.hq_iso3 FROM organisations o JOIN participation_profiles p ON p.org_id = o.id ORDER BY o.slug`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var o org
			if err := rows.Scan(&o.slug, &o.name, &o.typ, &o.ecosoc, &o.hq); err != nil {
				t.Fatal(err)
			}
			all = append(all, o)
		}
		rows.Close()
		if len(all) != 6000 {
			t.Fatalf("%d organisations", len(all))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		expect := func(f participation.OrgFilter) []string {
			q := strings.ToLower(strings.TrimSpace(f.Query))
			out := []string{}
			for _, o := range all {
				n := strings.ToLower(o.name)
				switch {
				case len(q) >= 3 && !strings.Contains(n, q),
					len(q) > 0 && len(q) < 3 && !strings.HasPrefix(n, q) && !strings.Contains(n, " "+q),
					f.Type != "" && o.typ != f.Type, f.ECOSOC != "" && o.ecosoc != f.ECOSOC, f.HQ != "" && o.hq != f.HQ:
					continue
				}
				out = append(out, o.slug)
			}
			return out
		}
		// Renamed and deleted organisations beyond the walk's window: the
		// index follows them.
		var oldName string
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT name FROM organisations WHERE slug = 'registry-org-004500'`).Scan(&oldName); err != nil {
			t.Fatal(err)
		}
		err = rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			if _, err := tx.ExecContext(rig.Ctx, `UPDATE organisations SET name = 'Computer Emergency Response Team Forum' WHERE slug = 'registry-org-004500'`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(rig.Ctx, `DELETE FROM participation_profiles WHERE org_id = (SELECT id FROM organisations WHERE slug = 'registry-org-005000')`); err != nil {
				return err
			}
			_, err := tx.ExecContext(rig.Ctx, `DELETE FROM organisations WHERE slug = 'registry-org-005000'`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		all = slices.DeleteFunc(all, func(o org) bool { return o.slug == "registry-org-005000" })
		for i := range all {
			if all[i].slug == "registry-org-004500" {
				all[i].name = "Computer Emergency Response Team Forum"
			}
		}
		if got := names(t, svc, participation.OrgFilter{Query: oldName}); len(got) != 0 {
			t.Errorf("the old name %q is still found: %q", oldName, got)
		}
		if got := names(t, svc, participation.OrgFilter{Query: "emergency resp"}); !slices.Equal(got, []string{"Computer Emergency Response Team Forum"}) {
			t.Errorf("the new name: got %q", got)
		}

		for _, f := range []participation.OrgFilter{
			{Query: "emergency"},
			{Query: "CERT"},                                // rare: the index
			{Query: "cyber"},                               // common: the walk
			{Query: "Incident Response Lab"},               // in between
			{Query: "peace", ECOSOC: "general"},            // common word, rare status
			{Query: "trust", HQ: "FRA"},                    // common word, rare headquarters
			{Query: "eu", Type: "academia"},                // a word's start
			{Query: "open", Type: "ngo", ECOSOC: "roster"}, // all common, together rare
			{Query: "59"},
			{HQ: "DEU"},
			{ECOSOC: "special"},
			{Type: "business"},
		} {
			want := expect(f)
			var got []string
			f.Limit = 7
			for page := 0; ; page++ {
				list, err := svc.Organisations(rig.Ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range list {
					got = append(got, o.Slug)
				}
				if len(list) < f.Limit || page > 1000 {
					break
				}
				f.After = list[len(list)-1].Slug
			}
			if !slices.Equal(got, want) {
				t.Errorf("%+v: %d found, %d expected\n got %q\nwant %q", f, len(got), len(want), got[:min(len(got), 10)], want[:min(len(want), 10)])
			}
		}
	})
}

// TestRegistrySearchIndexesExistingOrganisations migrates a SQLite
// database with organisations in it to the search index (PostgreSQL
// builds its indexes over the rows it has as a matter of course).
func TestRegistrySearchIndexesExistingOrganisations(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "c.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before := fstest.MapFS{}
	files, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range files {
		if e.Name() < "0401" {
			body, _ := migrations.FS.ReadFile(e.Name())
			before[e.Name()] = &fstest.MapFile{Data: body}
		}
	}
	if _, err := d.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"National CERT of Japan", "Internet Society"} {
		if _, err := d.ExecContext(ctx, `INSERT INTO organisations (id, slug, name, kind, created_at) VALUES (?, ?, ?, 'ngo', ?)`, id.New(), strings.ToLower(strings.ReplaceAll(n, " ", "-")), n, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := d.Migrate(ctx, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(applied, "0401_organisation_search") {
		t.Fatalf("applied %q", applied)
	}
	svc := participation.NewService(&platform.Services{DB: d})
	if got := names(t, svc, participation.OrgFilter{Query: "cert of"}); !slices.Equal(got, []string{"National CERT of Japan"}) {
		t.Errorf("cert of: got %q", got)
	}
	if got := names(t, svc, participation.OrgFilter{Query: "in"}); !slices.Equal(got, []string{"Internet Society"}) {
		t.Errorf("in: got %q", got)
	}
}

// TestRegistrySearchWaitsAtTheSearchGate: a search of the registry that
// walks it or reads many index candidates takes its turn with the
// full-text searches (search.Enter), so that on SQLite no more of them run
// at once than there are processors; a rare name, and a listing without a
// query, do not wait.
func TestRegistrySearchWaitsAtTheSearchGate(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		// More matches than a search fetches at once (directCap, 50).
		for i := range 51 {
			req := httptest.NewRequest("POST", "/", nil)
			if _, err := admin.CreateOrganisation(req, rig.DB, admin.Organisation{Slug: fmt.Sprintf("ci-%02d", i), Name: fmt.Sprintf("Critical Infrastructure Forum %d", i), Kind: "ngo"}); err != nil {
				t.Fatal(err)
			}
		}
		req := httptest.NewRequest("POST", "/", nil)
		if _, err := admin.CreateOrganisation(req, rig.DB, admin.Organisation{Slug: "rare", Name: "Rarely Named Institute", Kind: "ngo"}); err != nil {
			t.Fatal(err)
		}
		// Every place at the gate taken, however many it holds (its size is
		// the processors when the program started; go test -cpu changes
		// them after).
		if rig.DB.Dialect == db.SQLite {
			for taken := 0; ; taken++ {
				try, cancel := context.WithTimeout(rig.Ctx, 10*time.Millisecond)
				leave, err := search.Enter(try, rig.DB)
				cancel()
				if err != nil {
					break
				}
				defer leave()
				if taken > 1024 {
					t.Fatal("the gate never filled")
				}
			}
		}
		ctx, cancel := context.WithTimeout(rig.Ctx, 50*time.Millisecond)
		defer cancel()
		_, err := svc.Organisations(ctx, participation.OrgFilter{Query: "critical infrastructure"})
		if rig.DB.Dialect == db.SQLite && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a registry search with the gate full: %v, want it to wait until its request ends", err)
		}
		if rig.DB.Dialect == db.Postgres && err != nil {
			t.Errorf("a registry search on PostgreSQL: %v, want no wait", err)
		}
		if _, err := svc.Organisations(rig.Ctx, participation.OrgFilter{}); err != nil {
			t.Errorf("the registry without a query: %v, want no wait", err)
		}
		if list, err := svc.Organisations(rig.Ctx, participation.OrgFilter{Query: "rarely"}); err != nil || len(list) != 1 {
			t.Errorf("a rare name with the gate full: %d, %v, want it found without a wait", len(list), err)
		}
	})
}

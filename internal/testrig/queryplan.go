package testrig

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// QueryPlan returns SQLite's EXPLAIN QUERY PLAN for query with args, its
// steps' details joined by "; ", for tests that check a statement reads
// the index it was given (the rig must be on SQLite).
func (r *Rig) QueryPlan(t testing.TB, query string, args ...any) string {
	t.Helper()
	rows, err := r.DB.QueryContext(r.Ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// PagePlans serves path to the public, past the page cache, and returns
// each statement it read followed by its plan ("query → plan"), for tests
// that check a page reads its rows in an index's order rather than
// sorting a growing table (the rig must be on SQLite).
func (r *Rig) PagePlans(t testing.TB, path string) []string {
	t.Helper()
	db.EnableTracing()
	var tr db.Trace
	req := httptest.NewRequest("GET", path, nil).WithContext(db.WithTrace(r.Ctx, &tr))
	req.AddCookie(&http.Cookie{Name: "plans", Value: "uncached"})
	rec := httptest.NewRecorder()
	r.App.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d", path, rec.Code)
	}
	var plans []string
	for _, s := range tr.Stmts {
		if !s.Write {
			plans = append(plans, s.Query+" → "+r.QueryPlan(t, s.Query, s.Args...))
		}
	}
	if len(plans) == 0 {
		t.Fatalf("%s read nothing: served from a cache?", path)
	}
	return plans
}

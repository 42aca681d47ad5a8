package testrig

import (
	"strings"
	"testing"
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

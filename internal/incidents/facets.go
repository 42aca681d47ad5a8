package incidents

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// incident_facets (migration 1004) holds the list's facets as rows — one
// per published incident, facet and value, with the start date — so that
// the filtered list reads the most selective facet's index newest first
// instead of scanning the list columns with LIKE '%,X,%'.

type facetRow struct{ facet, value string }

// facetRows lists x's facets, each value once.
func facetRows(x *Incident) []facetRow {
	var out []facetRow
	add := func(facet string, vs ...string) {
		for _, v := range vs {
			if v != "" && !slices.Contains(out, facetRow{facet, v}) {
				out = append(out, facetRow{facet, v})
			}
		}
	}
	rs, sec := receiverLists(x.Receivers)
	gs, _ := initiatorLists(x.Initiators)
	add("type", x.Type)
	add("sector", sec...)
	add("receiver", rs...)
	add("actor", gs...)
	add("attributor", x.AttributorStates...)
	add("named", x.NamedStates...)
	add("norm", x.Norms...)
	return out
}

// writeFacets makes x's facet rows its facets while it is published, none
// otherwise. Every write that changes a published incident or its
// published statements calls it (through index), inside its transaction.
// It deletes and inserts only the rows that differ (a new statement adds
// its attributors, named States and norms), so that PostgreSQL is not
// left with a dead copy of every row of the incident at each write.
func writeFacets(ctx context.Context, q db.Querier, x *Incident) error {
	type stored struct{ facet, value, start string }
	rows, err := q.QueryContext(ctx, `SELECT facet, value, start_date FROM incident_facets WHERE incident_id = ?`, x.ID)
	if err != nil {
		return fmt.Errorf("facets %s: %w", x.ID, err)
	}
	var old []stored
	for rows.Next() {
		var r stored
		if err := rows.Scan(&r.facet, &r.value, &r.start); err != nil {
			rows.Close()
			return err
		}
		old = append(old, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var want []facetRow
	if x.Status == StatusPublished {
		want = facetRows(x)
	}
	for _, r := range old {
		if r.start == x.Start && slices.Contains(want, facetRow{r.facet, r.value}) {
			want = slices.DeleteFunc(want, func(w facetRow) bool { return w == facetRow{r.facet, r.value} })
			continue
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM incident_facets WHERE incident_id = ? AND facet = ? AND value = ?`, x.ID, r.facet, r.value); err != nil {
			return fmt.Errorf("facets %s: %w", x.ID, err)
		}
		if _, err := q.ExecContext(ctx, `UPDATE incident_facet_counts SET n = n - 1 WHERE facet = ? AND value = ? AND year = ?`, r.facet, r.value, facetYear(r.start)); err != nil {
			return fmt.Errorf("facet counts %s: %w", x.ID, err)
		}
	}
	if len(want) == 0 {
		return nil
	}
	args := make([]any, 0, 4*len(want))
	for _, r := range want {
		args = append(args, x.ID, r.facet, r.value, x.Start)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO incident_facets (incident_id, facet, value, start_date) VALUES `+db.ValueRows(len(want), 4), args...); err != nil {
		return fmt.Errorf("facets %s: %w", x.ID, err)
	}
	for _, r := range want {
		if _, err := q.ExecContext(ctx, `INSERT INTO incident_facet_counts (facet, value, year, n) VALUES (?, ?, ?, 1)
			ON CONFLICT (facet, value, year) DO UPDATE SET n = incident_facet_counts.n + 1`, r.facet, r.value, facetYear(x.Start)); err != nil {
			return fmt.Errorf("facet counts %s: %w", x.ID, err)
		}
	}
	return nil
}

// facetYear is the year of a start date (YYYY, YYYY-MM or YYYY-MM-DD).
func facetYear(start string) string {
	if len(start) > 4 {
		return start[:4]
	}
	return start
}

// recountFacets rebuilds incident_facet_counts from incident_facets (after
// a start-up fill, which may follow rows written without their counts), in
// one transaction; instances starting at once take turns (on PostgreSQL an
// advisory lock, so the second deletes the first's rows before inserting).
func recountFacets(ctx context.Context, d *db.DB) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		if d.Dialect == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727277)`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_facet_counts`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO incident_facet_counts (facet, value, year, n)
			SELECT facet, value, substr(start_date, 1, 4), COUNT(*) FROM incident_facets GROUP BY facet, value, substr(start_date, 1, 4)`)
		return err
	})
}

// yearRange is the start dates of year y: start_date is YYYY, YYYY-MM or
// YYYY-MM-DD, so the year's dates sort from "YYYY" to before "YYYY+1".
func yearRange(y int) (from, to string) {
	return strconv.Itoa(y), strconv.Itoa(y + 1)
}

// facets lists f's facet conditions, the rarest kinds first.
func (f *Filter) facets() []facetRow {
	var out []facetRow
	for _, c := range []facetRow{{"actor", f.Actor}, {"attributor", f.Attributor}, {"named", f.Named}, {"receiver", f.Receiver},
		{"norm", f.Norm}, {"sector", f.Sector}, {"type", f.Type}} {
		if c.value != "" {
			out = append(out, c)
		}
	}
	return out
}

// drivingFacet returns the facet of f with the fewest published incidents
// (within f's year), from incident_facet_counts, whether f has one, and the
// share of the driving facet's incidents expected to meet f's other facets
// (the product of their shares of all published incidents, as if
// independent; 1 with one facet), which sizes the list's first chunk.
func (s *Service) drivingFacet(ctx context.Context, f *Filter) (facetRow, float64, bool, error) {
	fs := f.facets()
	switch len(fs) {
	case 0:
		return facetRow{}, 1, false, nil
	case 1:
		return fs[0], 1, true, nil
	}
	// Every published incident has one type: the types' counts add up to
	// all of them.
	conds := []string{"facet = 'type'"}
	var args []any
	for _, c := range fs {
		conds = append(conds, "(facet = ? AND value = ?)")
		args = append(args, c.facet, c.value)
	}
	query := `SELECT facet, value, SUM(n) FROM incident_facet_counts WHERE (` + strings.Join(conds, " OR ") + `)`
	if f.Year != 0 {
		query += ` AND year = ?`
		args = append(args, strconv.Itoa(f.Year))
	}
	rows, err := s.DB.QueryContext(ctx, query+` GROUP BY facet, value`, args...)
	if err != nil {
		return facetRow{}, 0, false, fmt.Errorf("facet counts: %w", err)
	}
	defer rows.Close()
	counts := map[facetRow]int64{}
	var all int64
	for rows.Next() {
		var c facetRow
		var n int64
		if err := rows.Scan(&c.facet, &c.value, &n); err != nil {
			return facetRow{}, 0, false, err
		}
		counts[c] = n
		if c.facet == "type" {
			all += n
		}
	}
	if err := rows.Err(); err != nil {
		return facetRow{}, 0, false, err
	}
	// A facet without a count has no incident; among equals the rarer
	// kind (the order of facets) goes first.
	best := fs[0]
	for _, c := range fs[1:] {
		if counts[c] < counts[best] {
			best = c
		}
	}
	share := 1.0
	for _, c := range fs {
		if c != best && all > 0 {
			share *= float64(counts[c]) / float64(all)
		}
	}
	return best, share, true, nil
}

package monitoring

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// The figures come from the reporting module's tables (migration
// 0200_reporting.sql): report_stats, the counts of measures per State ×
// cycle × primary norm × type × status that reporting rewrites on every
// submission, and reports for who reported when. Rows of confidential
// reports (public = FALSE, visibility = confidential) are read only where a
// page counts States in aggregate and says so.

// Cycle is a reporting cycle as the dashboards need it.
type Cycle struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Year  int       `json:"year"`
	DueAt time.Time `json:"due_at"`
}

// fingerprint changes whenever a report version is submitted (which is
// when report_stats is rewritten) or a cycle is opened. It is a few
// counts over small tables, cheap enough to read on every request, and read
// from the database so every instance sees the same one.
type fingerprint struct{ versions, published, cycles int }

func readFingerprint(ctx context.Context, q db.Querier) (fingerprint, error) {
	var f fingerprint
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM report_versions), (SELECT COUNT(*) FROM report_versions WHERE published = ?), (SELECT COUNT(*) FROM reporting_cycles)`, true).
		Scan(&f.versions, &f.published, &f.cycles)
	if err != nil {
		return f, fmt.Errorf("monitoring: fingerprint: %w", err)
	}
	return f, nil
}

// cache holds built views for the current fingerprint; a new fingerprint
// empties it. Nothing in it must survive a restart.
//
// A missing view is built once per fingerprint: requests that need it
// while it is being built for the fingerprint they read wait for that
// build rather than each running their own (issue 20: after every
// submission, sixteen concurrent readers of /monitoring/trends each ran the
// GROUP BY over report_stats). A request that read a newer fingerprint
// never waits for a build begun under an older one: it starts its own.
//
// It is bounded by size as well as by count: a view of the map holds a
// world map's drawing (over 100 kB), and its parameters (norm, cycle,
// group, language) make thousands of views, so a crawler walking them
// would otherwise keep hundreds of MB. When a new view would pass
// maxBytes, views are let go (any of them) until it fits.
type cache struct {
	mu      sync.Mutex
	fp      fingerprint
	entries map[string]any
	sizes   map[string]int
	used    int
	flights map[flightKey]*flight
}

// flightKey names a build: the view's key under one fingerprint.
type flightKey struct {
	fp  fingerprint
	key string
}

// flight is a build in progress; v and err are set before done is closed.
type flight struct {
	done chan struct{}
	v    any
	err  error
}

const (
	maxEntries = 2000
	maxBytes   = 16 << 20
)

// viewSize estimates the memory a kept view holds: its HTML (chart and
// table) and, about as much again, the figures behind the table.
func viewSize(v any) int {
	vw, ok := v.(View)
	if !ok {
		return 4 << 10
	}
	html := len(vw.Chart) + len(vw.Chart2) + len(vw.Table) + len(vw.ExtraTable)
	return 1<<10 + len(vw.Title) + len(vw.Note) + html + len(vw.Table) + len(vw.ExtraTable)
}

// keep stores v under key, letting other views go while the cache would
// pass its bounds. c.mu is held.
func (c *cache) keep(key string, v any) {
	size := viewSize(v)
	if size > maxBytes {
		return
	}
	if c.sizes == nil {
		c.sizes = map[string]int{}
	}
	if old, ok := c.sizes[key]; ok {
		c.used -= old
		delete(c.entries, key)
		delete(c.sizes, key)
	}
	for k := range c.entries {
		if c.used+size <= maxBytes && len(c.entries) < maxEntries {
			break
		}
		c.used -= c.sizes[k]
		delete(c.entries, k)
		delete(c.sizes, k)
	}
	c.entries[key], c.sizes[key] = v, size
	c.used += size
}

var errBuildPanicked = errors.New("monitoring: building the view panicked")

// get returns the view under key, building it when missing or stale.
func (c *cache) get(ctx context.Context, q db.Querier, key string, build func(ctx context.Context) (any, error)) (any, error) {
	fp, err := readFingerprint(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.getAt(ctx, fp, key, build)
}

// getAt returns the view under key for fingerprint fp: the kept one, the
// one being built for fp (waiting for it), or one it builds itself.
func (c *cache) getAt(ctx context.Context, fp fingerprint, key string, build func(ctx context.Context) (any, error)) (any, error) {
	fk := flightKey{fp, key}
	for {
		c.mu.Lock()
		if c.fp != fp || c.entries == nil {
			c.fp, c.entries, c.sizes, c.used = fp, map[string]any{}, map[string]int{}, 0
		}
		if v, ok := c.entries[key]; ok {
			c.mu.Unlock()
			return v, nil
		}
		f, building := c.flights[fk]
		if !building {
			f = &flight{done: make(chan struct{})}
			if c.flights == nil {
				c.flights = map[flightKey]*flight{}
			}
			c.flights[fk] = f
			c.mu.Unlock()
			c.run(ctx, fk, f, build)
			return f.v, f.err
		}
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			// The request that was building went away before it finished;
			// this one is still wanted: look again, and build if need be.
			continue
		}
		return f.v, f.err
	}
}

// run builds the view of flight f, keeps it if the fingerprint is still
// fk's, and releases the requests waiting for it, even if build panics.
func (c *cache) run(ctx context.Context, fk flightKey, f *flight, build func(ctx context.Context) (any, error)) {
	finished := false
	defer func() {
		if !finished {
			f.v, f.err = nil, errBuildPanicked
		}
		c.mu.Lock()
		delete(c.flights, fk)
		if f.err == nil && c.fp == fk.fp && c.entries != nil {
			c.keep(fk.key, f.v)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.v, f.err = build(ctx)
	if f.err != nil {
		f.v = nil
	}
	finished = true
}

func cycles(ctx context.Context, q db.Querier) ([]Cycle, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, year, due_at FROM reporting_cycles ORDER BY year, name`)
	if err != nil {
		return nil, fmt.Errorf("monitoring: cycles: %w", err)
	}
	defer rows.Close()
	var out []Cycle
	for rows.Next() {
		var c Cycle
		if err := rows.Scan(&c.ID, &c.Name, &c.Year, &c.DueAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// submission is a State's report in a cycle that has a submitted version.
type submission struct {
	State, Cycle string
	Public, Late bool
}

func submissions(ctx context.Context, q db.Querier, where string, args ...any) ([]submission, error) {
	rows, err := q.QueryContext(ctx, `SELECT state_iso3, cycle_id, visibility, late FROM reports WHERE current_version > 0`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("monitoring: reports: %w", err)
	}
	defer rows.Close()
	var out []submission
	for rows.Next() {
		var s submission
		var vis string
		if err := rows.Scan(&s.State, &s.Cycle, &vis, &s.Late); err != nil {
			return nil, err
		}
		s.Public = vis == "public"
		out = append(out, s)
	}
	return out, rows.Err()
}

// stat is a row of report_stats summed over what the query grouped away.
type stat struct {
	State, Cycle, Norm, Type, Status string
	Measures                         int
}

func stats(ctx context.Context, q db.Querier, cols, where string, args ...any) ([]stat, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+cols+`, SUM(measures) FROM report_stats WHERE public = ?`+where+` GROUP BY `+cols, append([]any{true}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("monitoring: statistics: %w", err)
	}
	defer rows.Close()
	var out []stat
	for rows.Next() {
		var s stat
		dst := map[string]*string{"state_iso3": &s.State, "cycle_id": &s.Cycle, "norm_id": &s.Norm, "type": &s.Type, "status": &s.Status}
		var ptrs []any
		for _, c := range splitCols(cols) {
			ptrs = append(ptrs, dst[c])
		}
		ptrs = append(ptrs, &s.Measures)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func splitCols(cols string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(cols); i++ {
		if i == len(cols) || cols[i] == ',' {
			c := cols[start:i]
			for len(c) > 0 && c[0] == ' ' {
				c = c[1:]
			}
			out = append(out, c)
			start = i + 1
		}
	}
	return out
}

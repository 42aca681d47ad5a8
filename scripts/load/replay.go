package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// replay is the bare baseline of a route that reads the database: the
// statements the app ran for it (fetched once from the app's debug
// address, GET /debug/sql), run again in the same order with the same
// arguments, every row read, then the app's bytes written. Statements that
// write (a session's or token's last use) are not run again, only counted:
// a baseline must not change the data, and the app writes them at most
// once a minute.
type replay struct {
	db     *db.DB
	stmts  map[string][]tracedStmt // by bodyKey
	writes map[string]int
	// prepared holds each statement prepared once, as the app keeps its
	// own (db.DB's statement cache on SQLite, pgx's on PostgreSQL).
	prepared map[string]*sql.Stmt
}

type tracedStmt struct {
	Query string        `json:"query"`
	Args  []db.TypedArg `json:"args"`
	Write bool          `json:"write"`
	args  []any
}

// fetchTraces asks the app's debug address for the statements of each
// request of the mix, and prepares them on d (nil: only count them).
func fetchTraces(debug string, mix []target, id identities, d *db.DB) (*replay, error) {
	rp := &replay{db: d, stmts: map[string][]tracedStmt{}, writes: map[string]int{}, prepared: map[string]*sql.Stmt{}}
	c := &http.Client{Timeout: 60 * time.Second}
	for _, t := range mix {
		req, err := http.NewRequest(http.MethodGet, debug+"/debug/sql?path="+url.QueryEscape(t.Path), nil)
		if err != nil {
			return nil, err
		}
		id.apply(req, t.As)
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("statements of %s: %w", t.Path, err)
		}
		var got struct {
			Status int          `json:"status"`
			Stmts  []tracedStmt `json:"statements"`
		}
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		err = dec.Decode(&got)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("statements of %s: %w", t.Path, err)
		}
		var reads []tracedStmt
		for _, s := range got.Stmts {
			if s.Write {
				rp.writes[bodyKey(t.As, t.Path)]++
				continue
			}
			for _, a := range s.Args {
				if v, ok := a.Value(); ok {
					s.args = append(s.args, v)
				}
			}
			if _, ok := rp.prepared[s.Query]; !ok && d != nil {
				st, err := d.SQL.Prepare(s.Query)
				if err != nil {
					return nil, fmt.Errorf("statements of %s: %s: %w", t.Path, s.Query, err)
				}
				rp.prepared[s.Query] = st
			}
			reads = append(reads, s)
		}
		rp.stmts[bodyKey(t.As, t.Path)] = reads
	}
	return rp, nil
}

// run runs the statements of one request, reading every row.
func (rp *replay) run(ctx context.Context, key string) error {
	for _, s := range rp.stmts[key] {
		rows, err := rp.prepared[s.Query].QueryContext(ctx, s.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Query, err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// serve answers a request of the mix: its statements, then its bytes.
func (rp *replay) serve(w http.ResponseWriter, r *http.Request, key string, body []byte, contentType string) {
	if err := rp.run(r.Context(), key); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = bytes.NewReader(body).WriteTo(w)
}

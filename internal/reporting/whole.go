package reporting

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// A report whole, as the API and the JSON export answer it, is written as
// its measures are read, one norm's at a time: the largest reports hold
// thousands of measures, and holding them whole (the rows, the encoded
// answer, the copy digested for its ETag) cost more in memory churn than
// reading and encoding them (docs/performance.md, 2026-12-07). The
// database connection is given back between norms, so a slow reader never
// holds one while the answer goes out.

// contentMark is where the measures go in the encoding of a View whose
// content has none: every string in the encoding escapes its quotes, so
// the mark is found only where the encoder wrote it.
var contentMark = []byte(`"content":{"measures":[]`)

// writeWhole writes v (a View read without its measures: open(…, false))
// with all its measures, the bytes api.WriteJSON would write for the View
// Open reads. Its ETag is made from everything around the measures, which
// names the report's revision and the version: a submitted version's
// measures never change, and every change to a draft's makes a new
// revision (checked once the measures are read: a draft saved meanwhile
// breaks the answer off rather than mixing two revisions).
func (m *Module) writeWhole(w http.ResponseWriter, r *http.Request, v View) {
	head, err := api.EncodeJSON(v)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	at := bytes.Index(head, contentMark)
	if at < 0 {
		m.site.ServerError(w, r, errors.New("report encoding: no content"))
		return
	}
	open, rest := head[:at+len(contentMark)-1], head[at+len(contentMark)-1:]

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !api.Tagged(w, r, head) {
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	out := bufio.NewWriterSize(w, 32<<10)
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(true)
	_, werr := out.Write(open)
	first := true
	err = m.Svc.eachNormMeasures(r.Context(), v, func(ms []Measure) error {
		for i := range ms {
			one.Reset()
			if err := enc.Encode(&ms[i]); err != nil {
				return err
			}
			if !first {
				out.WriteByte(',')
			}
			first = false
			if _, err := out.Write(one.Bytes()[:one.Len()-1]); err != nil {
				werr = err
				return err
			}
		}
		return nil
	})
	if werr != nil { // the reader went away
		return
	}
	if err != nil {
		// The status is sent: break the answer off so that the reader sees
		// an error, not a shorter report.
		m.Svc.P.Log.Error("write report", "report", v.Report.ID, "version", v.Version, "err", err)
		panic(http.ErrAbortHandler)
	}
	_, _ = out.Write(rest)
	_ = out.Flush()
}

// errRevised is a draft saved while its measures were being read.
var errRevised = errors.New("the draft was saved while it was being read")

// eachNormMeasures calls fn with the measures of v's version norm by norm,
// in the report's order, each norm's read whole before fn sees them (in a
// slice fn must not keep). A draft saved meanwhile is errRevised.
func (s *Service) eachNormMeasures(ctx context.Context, v View, fn func([]Measure) error) error {
	norms, err := normOrder(ctx, s.P.DB, "")
	if err != nil {
		return err
	}
	var ms []Measure
	for _, norm := range norms {
		if ms, err = readNormMeasures(ctx, s.P.DB, ms[:0], v.Report.ID, v.Version, norm, nil, math.MaxInt32); err != nil {
			return err
		}
		if len(ms) == 0 {
			continue
		}
		if err := fn(ms); err != nil {
			return err
		}
	}
	if v.Version != 0 {
		return nil
	}
	var rev int
	if err := s.P.DB.QueryRowContext(ctx, `SELECT revision FROM reports WHERE id = ?`, v.Report.ID).Scan(&rev); err != nil {
		return fmt.Errorf("read revision: %w", err)
	}
	if rev != v.Report.Revision {
		return errRevised
	}
	return nil
}

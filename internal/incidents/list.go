package incidents

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// Filter selects published incidents. Every facet is exact; Q is full
// text through the platform's search index.
type Filter struct {
	Q          string `json:"q,omitempty"`
	Type       string `json:"type,omitempty"`
	Sector     string `json:"sector,omitempty"`
	Attributor string `json:"attributor,omitempty"` // a State that made or joined an attribution
	Named      string `json:"named,omitempty"`      // a State named by an attribution
	Receiver   string `json:"receiver,omitempty"`   // a State that was affected
	Norm       string `json:"norm,omitempty"`
	Actor      string `json:"actor,omitempty"` // an ATT&CK group id
	Year       int    `json:"year,omitempty"`
	After      string `json:"-"` // cursor: "start|id" of the last incident shown
	Limit      int    `json:"-"`
	// UpdatedSince keeps the records published or changed after it.
	UpdatedSince time.Time `json:"-"`
	// rows reads only what a row of a list shows (rowCols): the incidents
	// come back with the other fields empty.
	rows bool
}

// rowCols are the columns of an incident that a row of a list shows (the
// template incidentrow), which a State's page reads alone: the rest
// (summary, sources, the dates each field changed...) is read and decoded
// for nothing there.
const rowCols = `i.id, i.status, i.name, i.start_date, i.end_date, i.type, i.receivers`

func scanRow(row interface{ Scan(...any) error }) (*Incident, error) {
	var x Incident
	var recv string
	if err := row.Scan(&x.ID, &x.Status, &x.Name, &x.Start, &x.End, &x.Type, &recv); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(recv), &x.Receivers); err != nil {
		return nil, fmt.Errorf("incident %s: %w", x.ID, err)
	}
	return &x, nil
}

// read is the columns f's incidents are read with and how a row of them is
// scanned.
func (f Filter) read() (cols string, scan func(row interface{ Scan(...any) error }) (*Incident, error)) {
	if f.rows {
		return rowCols, scanRow
	}
	return incidentCols, scanIncident
}

var facetRE = func(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// Validate refuses facet values that cannot be identifiers.
func (f *Filter) Validate() error {
	for _, c := range []struct{ name, v string }{{"type", f.Type}, {"sector", f.Sector}, {"attributor", f.Attributor}, {"named", f.Named},
		{"receiver", f.Receiver}, {"norm", f.Norm}, {"actor", f.Actor}} {
		if c.v != "" && !facetRE(c.v) {
			return invalid(c.name, "must be an identifier")
		}
	}
	if f.Year != 0 && (f.Year < 1980 || f.Year > 2100) {
		return invalid("year", "must be a year from 1980 to 2100")
	}
	if len(f.Q) > 500 {
		return invalid("q", "is at most 500 characters")
	}
	f.Attributor, f.Named, f.Receiver, f.Actor = strings.ToUpper(f.Attributor), strings.ToUpper(f.Named), strings.ToUpper(f.Receiver), strings.ToUpper(f.Actor)
	// Sectors and norms are lower-case identifiers (SQLite's LIKE matched
	// them in any case; the facet rows are exact).
	f.Sector, f.Norm = strings.ToLower(f.Sector), strings.ToLower(f.Norm)
	if f.Limit <= 0 {
		f.Limit = 50
	}
	return nil
}

// where renders the facets as SQL over incidents aliased i, but for the
// facet skip (read from incident_facets instead).
func (f *Filter) where(skip facetRow) (string, []any) {
	conds, args := f.conditions(skip)
	return " WHERE " + strings.Join(append([]string{"i.status = 'published'"}, conds...), " AND "), args
}

// conditions are where's conditions but for the status (published).
func (f *Filter) conditions(skip facetRow) ([]string, []any) {
	var conds []string
	var args []any
	like := func(col, v string) {
		if v != "" && !(skip.value == v && facetColumn[skip.facet] == col) {
			conds = append(conds, "i."+col+" LIKE ?")
			args = append(args, "%,"+v+",%")
		}
	}
	if f.Type != "" && skip.facet != "type" {
		conds = append(conds, "i.type = ?")
		args = append(args, f.Type)
	}
	like("sectors", f.Sector)
	like("attributor_states", f.Attributor)
	like("named_states", f.Named)
	like("receiver_states", f.Receiver)
	like("norms", f.Norm)
	like("actor_ids", f.Actor)
	if f.Year != 0 {
		conds = append(conds, "i.start_year = ?")
		args = append(args, f.Year)
	}
	if !f.UpdatedSince.IsZero() {
		conds = append(conds, "i.updated_at > ?")
		args = append(args, f.UpdatedSince)
	}
	return conds, args
}

// facetColumn is the list column of incidents that holds each facet.
var facetColumn = map[string]string{"sector": "sectors", "attributor": "attributor_states", "named": "named_states",
	"receiver": "receiver_states", "norm": "norms", "actor": "actor_ids"}

// List returns a page of published incidents, newest first, and the cursor
// of the next page ("" at the end). With facets, the page is read from the
// most selective facet's rows in incident_facets, newest first, and the
// other conditions are checked on the joined incidents. With words, the
// page is the matches in order of relevance (at most search.MaxCount of
// them are considered).
func (s *Service) List(ctx context.Context, f Filter) ([]*Incident, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	if strings.TrimSpace(f.Q) != "" {
		where, args := f.where(facetRow{})
		return s.searchList(ctx, f, where, args)
	}
	drive, share, ok, err := s.drivingFacet(ctx, &f)
	if err != nil {
		return nil, "", err
	}
	return s.listPage(ctx, f, drive, share, ok)
}

// listPage reads a page in (start_date, id) order, from incident_facets'
// rows of drive when byFacet (facetPage), else from incidents alone (the
// list columns matched with LIKE).
func (s *Service) listPage(ctx context.Context, f Filter, drive facetRow, share float64, byFacet bool) ([]*Incident, string, error) {
	var afterStart, afterID string
	if f.After != "" {
		var ok bool
		if afterStart, afterID, ok = strings.Cut(f.After, "|"); !ok {
			return nil, "", invalid("cursor", "is not a cursor of this list")
		}
	}
	var out []*Incident
	var err error
	if byFacet {
		out, err = s.facetPage(ctx, f, drive, share, afterStart, afterID)
	} else {
		q, args := listQuery(f, afterStart, afterID)
		_, scan := f.read()
		out, err = s.queryIncidents(ctx, scan, q, args...)
	}
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = last.Start + "|" + last.ID
	}
	return out, next, nil
}

// listQuery is listPage's statement when no facet drives it: f's
// conditions on incidents alone, after the cursor (afterStart, afterID)
// when f has one, in (start_date, id) order, f.Limit+1 rows. A year's list
// (the timeline reads one for each year) is read in the order of the index
// incidents_year (migration 1008).
func listQuery(f Filter, afterStart, afterID string) (string, []any) {
	where, args := f.where(facetRow{})
	if f.After != "" {
		where += " AND (i.start_date < ? OR i.start_date = ? AND i.id < ?)"
		args = append(args, afterStart, afterStart, afterID)
	}
	cols, _ := f.read()
	return `SELECT ` + cols + ` FROM incidents i` + where + ` ORDER BY i.start_date DESC, i.id DESC LIMIT ?`, append(args, f.Limit+1)
}

// facetPage reads drive's rows of incident_facets newest first, after the
// cursor (afterStart, afterID) when given, in chunks — each an ordered
// range of the index incident_facets_list that stops at its LIMIT — and
// keeps the incidents among them that meet f's other conditions, until it
// has f.Limit+1 of them or the facet has no more rows. Given the join and
// the other conditions in one statement, PostgreSQL reads every row of a
// common facet and sorts them (a filtered list took 17.7 ms median at
// scale 10); the walk reads about a page's worth.
//
// The incidents are read by their ids alone, the other conditions checked
// on those rows: no status condition (only published incidents have facet
// rows, written in the same transaction), because SQLite without
// statistics would read an index that starts with the status — every
// published incident — rather than look the ids up (65 ms at scale 10).
func (s *Service) facetPage(ctx context.Context, f Filter, drive facetRow, share float64, afterStart, afterID string) ([]*Incident, error) {
	conds, args := f.conditions(drive)
	// The first chunk is what should hold a page at the expected share of
	// matches, with a quarter more; then it doubles.
	chunk := f.Limit + 1
	if share > 0 && share < 1 {
		chunk = min(max(chunk, int(float64(f.Limit+1)/share*1.25)), maxChunk)
	}
	var out []*Incident
	for {
		q := `SELECT incident_id, start_date FROM incident_facets WHERE facet = ? AND value = ?`
		qa := []any{drive.facet, drive.value}
		if f.Year != 0 {
			lo, hi := yearRange(f.Year)
			q += ` AND start_date >= ? AND start_date < ?`
			qa = append(qa, lo, hi)
		}
		if afterID != "" {
			q += ` AND (start_date < ? OR start_date = ? AND incident_id < ?)`
			qa = append(qa, afterStart, afterStart, afterID)
		}
		rows, err := s.DB.QueryContext(ctx, q+` ORDER BY start_date DESC, incident_id DESC LIMIT ?`, append(qa, chunk)...)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id, &afterStart); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return out, nil
		}
		afterID = ids[len(ids)-1]
		in := make([]any, len(ids))
		for i, id := range ids {
			in[i] = id
		}
		cols, scan := f.read()
		found, err := s.queryIncidents(ctx, scan, incidentsByIDQuery(cols, conds, len(ids)), append(append([]any{}, args...), in...)...)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*Incident, len(found))
		for _, x := range found {
			byID[x.ID] = x
		}
		for _, id := range ids {
			if x := byID[id]; x != nil {
				out = append(out, x)
			}
		}
		if len(out) > f.Limit || len(ids) < chunk {
			return out, nil
		}
		chunk = min(chunk*2, maxChunk)
	}
}

// incidentsByIDQuery reads cols of the incidents among n ids (the last n
// arguments) that meet conds.
func incidentsByIDQuery(cols string, conds []string, n int) string {
	return `SELECT ` + cols + ` FROM incidents i WHERE ` + strings.Join(append(conds[:len(conds):len(conds)], `i.id IN (?`+strings.Repeat(", ?", n-1)+`)`), " AND ")
}

// maxChunk bounds a chunk of the facet walk (rows, and ids in one IN list).
const maxChunk = 1000

// queryIncidents runs a query of incidents and reads every one with scan.
func (s *Service) queryIncidents(ctx context.Context, scan func(row interface{ Scan(...any) error }) (*Incident, error), query string, args ...any) ([]*Incident, error) {
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	out := []*Incident{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// searchList finds the matches of f.Q among incidents (with the facets the
// index holds), then keeps those that meet every facet.
func (s *Service) searchList(ctx context.Context, f Filter, where string, args []any) ([]*Incident, string, error) {
	offset := 0
	if f.After != "" {
		n, err := strconv.Atoi(f.After)
		if err != nil || n < 0 || n > search.MaxCount {
			return nil, "", invalid("cursor", "is not a cursor of this list")
		}
		offset = n
	}
	var refs []string
	for from := 0; from < search.MaxCount; from += search.MaxLimit {
		res, err := search.Run(ctx, s.DB, search.Query{Text: f.Q, Kinds: []string{SearchKind}, Type: f.Type, Norm: f.Norm, Year: f.Year,
			Limit: search.MaxLimit, Offset: from})
		if err != nil {
			return nil, "", err
		}
		for _, h := range res.Hits {
			refs = append(refs, h.Ref)
		}
		if len(res.Hits) < search.MaxLimit {
			break
		}
	}
	if len(refs) == 0 {
		return []*Incident{}, "", nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents i`+where+` AND i.id IN (`+db.Placeholders(len(refs))+`)`, append(args, toAny(refs)...)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	byID := map[string]*Incident{}
	for rows.Next() {
		x, err := scanIncident(rows)
		if err != nil {
			return nil, "", err
		}
		byID[x.ID] = x
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	var all []*Incident
	for _, r := range refs {
		if x, ok := byID[r]; ok {
			all = append(all, x)
		}
	}
	out := []*Incident{}
	if offset < len(all) {
		out = all[offset:min(len(all), offset+f.Limit)]
	}
	next := ""
	if offset+f.Limit < len(all) {
		next = strconv.Itoa(offset + f.Limit)
	}
	return out, next, nil
}

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// Drafts lists the secretariat's draft incidents, newest first.
func (s *Service) Drafts(ctx context.Context) ([]*Incident, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents i WHERE i.status = 'draft' ORDER BY i.updated_at DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Incident{}
	for rows.Next() {
		x, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

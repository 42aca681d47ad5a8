package reporting

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Limits on what a report may hold. Larger input is refused, not cut.
const (
	MaxTitle       = 300
	MaxText        = 20000 // a measure's description, a norm's challenges or capacity gaps
	MaxILawSummary = 50000
	MaxLinks       = 20
	MaxURL         = 2000
	MaxLabel       = 300
	MaxMeasures    = 3000 // per report
	MaxOtherNorms  = 20
	MaxJSONBody    = 8 << 20

	// Rows per multi-row INSERT (17 and 4 placeholders per row, far below
	// both databases' limits).
	measureRowsPerWrite = 32
	normRowsPerWrite    = 64
)

var dateRE = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$`)

// CheckLink accepts absolute http and https URLs only.
func CheckLink(raw string) error {
	if raw == "" || len(raw) > MaxURL {
		return fmt.Errorf("must be an http or https address of at most %d characters", MaxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\r\n<>\"") {
		return fmt.Errorf("must be an absolute http or https address")
	}
	return nil
}

// problems collects every refusal of a content, so that a form can show
// them all at once; err returns the first, carrying the others in Fields.
type problems []*Problem

func (ps *problems) add(p *Problem) { *ps = append(*ps, p) }

// keyed adds a refusal with its catalog key and arguments for pages and its
// English message for the API.
func (ps *problems) keyed(field, key string, args []any, format string, fargs ...any) {
	p := invalid(field, format, fargs...)
	p.Key, p.Args = key, args
	ps.add(p)
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	first := *ps[0]
	first.Fields = ps
	return &first
}

func (ps *problems) text(field, s string, max int) {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		ps.add(invalid(field, "must be valid UTF-8 text"))
	case n > max:
		ps.keyed(field, "reporting.err.too_long", []any{n, max}, "is %d characters long; the limit is %d", n, max)
	case strings.ContainsRune(s, 0):
		ps.add(invalid(field, "must not contain NUL characters"))
	}
}

func (ps *problems) links(field string, links []Link) {
	if len(links) > MaxLinks {
		ps.keyed(field, "reporting.err.links_count", []any{len(links), MaxLinks}, "holds %d links; the limit is %d", len(links), MaxLinks)
		return
	}
	for i := range links {
		links[i].URL = strings.TrimSpace(links[i].URL)
		links[i].Label = strings.TrimSpace(links[i].Label)
		if err := CheckLink(links[i].URL); err != nil {
			ps.keyed(fmt.Sprintf("%s[%d].url", field, i), "reporting.err.link", []any{links[i].URL}, "%s", err.Error())
			continue
		}
		ps.text(fmt.Sprintf("%s[%d].label", field, i), links[i].Label, MaxLabel)
	}
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

// Validate checks and normalises a report's content in place: known
// reportable norms, known types and statuses, dates, http(s) links, sizes.
// No field is mandatory; empty type and status become "other" and
// "planned". Multi-line texts get LF line endings. Fields are named as in
// the JSON body (measures[3].title). Every refusal is found: the error is
// the first, a *Problem whose Fields hold them all.
func (s *Service) Validate(c *Content) error {
	if len(c.Measures) > MaxMeasures {
		return invalid("measures", "holds %d measures; the limit is %d", len(c.Measures), MaxMeasures)
	}
	var ps problems
	keys := map[string]bool{}
	for i := range c.Measures {
		m := &c.Measures[i]
		f := fmt.Sprintf("measures[%d]", i)
		m.NormID = strings.TrimSpace(m.NormID)
		if !s.isReportable(m.NormID) {
			ps.add(invalid(f+".norm_id", "is not a norm this report asks about (%q)", m.NormID))
		}
		m.Title = strings.TrimSpace(m.Title)
		ps.text(f+".title", m.Title, MaxTitle)
		m.Description = api.NormalizeNewlines(m.Description)
		ps.text(f+".description", m.Description, MaxText)
		if m.Type == "" {
			m.Type = "other"
		}
		if !oneOf(m.Type, MeasureTypes) {
			ps.keyed(f+".type", "reporting.err.type", nil, "must be one of %s", strings.Join(MeasureTypes, ", "))
		}
		if m.Status == "" {
			m.Status = "planned"
		}
		if !oneOf(m.Status, MeasureStatuses) {
			ps.keyed(f+".status", "reporting.err.status", nil, "must be one of %s", strings.Join(MeasureStatuses, ", "))
		}
		m.Date = strings.TrimSpace(m.Date)
		if m.Date != "" && !dateRE.MatchString(m.Date) {
			ps.keyed(f+".date", "reporting.err.date", []any{m.Date}, "must be YYYY, YYYY-MM or YYYY-MM-DD")
		}
		ps.links(f+".links", m.Links)
		if len(m.OtherNorms) > MaxOtherNorms {
			ps.add(invalid(f+".other_norms", "names %d norms; the limit is %d", len(m.OtherNorms), MaxOtherNorms))
			m.OtherNorms = m.OtherNorms[:MaxOtherNorms]
		}
		seen := map[string]bool{m.NormID: true}
		other := m.OtherNorms[:0]
		for j, n := range m.OtherNorms {
			n = strings.TrimSpace(n)
			if _, ok := s.allNorm[n]; !ok {
				ps.add(invalid(fmt.Sprintf("%s.other_norms[%d]", f, j), "is not a norm of the framework (%q)", n))
				continue
			}
			if !seen[n] {
				seen[n] = true
				other = append(other, n)
			}
		}
		m.OtherNorms = other
		if m.Key != "" && (len(m.Key) > 40 || keys[m.Key] || strings.ContainsAny(m.Key, "@/ ")) {
			m.Key = "" // a duplicate or odd key makes a new measure
		}
		if m.Key == "" {
			m.Key = id.New()
		}
		keys[m.Key] = true
		if m.Links == nil {
			m.Links = []Link{}
		}
		if m.OtherNorms == nil {
			m.OtherNorms = []string{}
		}
	}
	notes := make([]NormNotes, 0, len(c.Notes))
	seenNote := map[string]bool{}
	for i, n := range c.Notes {
		f := fmt.Sprintf("notes[%d]", i)
		if !s.isReportable(n.NormID) {
			ps.add(invalid(f+".norm_id", "is not a norm this report asks about (%q)", n.NormID))
		}
		if seenNote[n.NormID] {
			ps.add(invalid(f+".norm_id", "appears twice"))
		}
		seenNote[n.NormID] = true
		n.Challenges, n.CapacityGaps = api.NormalizeNewlines(n.Challenges), api.NormalizeNewlines(n.CapacityGaps)
		ps.text(f+".challenges", n.Challenges, MaxText)
		ps.text(f+".capacity_gaps", n.CapacityGaps, MaxText)
		if strings.TrimSpace(n.Challenges) != "" || strings.TrimSpace(n.CapacityGaps) != "" {
			notes = append(notes, n)
		}
	}
	c.ILawSummary = api.NormalizeNewlines(c.ILawSummary)
	ps.text("international_law_summary", c.ILawSummary, MaxILawSummary)
	if c.ILawLinks == nil {
		c.ILawLinks = []Link{}
	}
	ps.links("international_law_links", c.ILawLinks)
	if err := ps.err(); err != nil {
		return err
	}
	c.Notes = notes
	return nil
}

func marshalLinks(l []Link) (string, error) {
	if l == nil {
		l = []Link{}
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// writeDraft inserts content as the report's version-0 rows.
func writeDraft(ctx context.Context, tx *db.Tx, r Report, c Content) error {
	return writeRows(ctx, tx, r, 0, false, c)
}

// writeRows inserts content as the rows of one version of a report, many
// rows per statement: the measures in statements of measureRowsPerWrite
// rows, then their norm links (which refer to them) in statements of
// normRowsPerWrite, so that all but the last statement of each have the
// same text and a bulk writer prepares them once (execRows).
func writeRows(ctx context.Context, tx *db.Tx, r Report, version int, published bool, c Content) error {
	const perRow = 17 // placeholders per measure row
	pos := map[string]int{}
	margs := make([]any, 0, len(c.Measures)*perRow)
	var nargs []any
	for _, m := range c.Measures {
		links, _ := marshalLinks(m.Links)
		other := m.OtherNorms
		if other == nil {
			other = []string{}
		}
		ob := "[]"
		if len(other) > 0 {
			b, _ := json.Marshal(other)
			ob = string(b)
		}
		mid := id.New()
		pos[m.NormID]++
		margs = append(margs, mid, m.Key, r.ID, version, r.StateISO3, r.CycleID, r.CycleYear, m.NormID, pos[m.NormID], m.Title, m.Description, m.Type, m.Status, m.Date, links, ob, published)
		nargs = append(nargs, mid, m.NormID, true, published)
		for _, n := range other {
			nargs = append(nargs, mid, n, false, published)
		}
	}
	for len(margs) > 0 {
		n := min(len(margs)/perRow, measureRowsPerWrite)
		q := `INSERT INTO report_measures (id, measure_key, report_id, version, state_iso3, cycle_id, cycle_year, norm_id, position, title, description, type, status, measure_date, links_json, other_norms_json, published) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
		if err := execRows(ctx, tx, q, margs[:n*perRow]); err != nil {
			return fmt.Errorf("insert measures: %w", err)
		}
		margs = margs[n*perRow:]
	}
	for len(nargs) > 0 {
		n := min(len(nargs)/4, normRowsPerWrite)
		q := `INSERT INTO report_measure_norms (measure_id, norm_id, is_primary, published) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n), ", ")
		if err := execRows(ctx, tx, q, nargs[:n*4]); err != nil {
			return fmt.Errorf("insert measure norms: %w", err)
		}
		nargs = nargs[n*4:]
	}
	if len(c.Notes) > 0 {
		var args []any
		for _, n := range c.Notes {
			args = append(args, r.ID, version, n.NormID, r.StateISO3, r.CycleID, r.CycleYear, n.Challenges, n.CapacityGaps, published)
		}
		q := `INSERT INTO report_norm_notes (report_id, version, norm_id, state_iso3, cycle_id, cycle_year, challenges, capacity_gaps, published) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(c.Notes)), ", ")
		if err := execRows(ctx, tx, q, args); err != nil {
			return fmt.Errorf("insert notes: %w", err)
		}
	}
	return nil
}

// loadContent reads a report's content at a version (0: the draft).
func loadContent(ctx context.Context, q db.Querier, reportID string, version int) (Content, error) {
	c, err := loadHead(ctx, q, reportID, version)
	if err != nil {
		return c, err
	}
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.measure_key, m.norm_id, m.title, m.description, m.type, m.status, m.measure_date, m.links_json, m.other_norms_json
		FROM report_measures m JOIN norms n ON n.id = m.norm_id JOIN norm_sets s ON s.id = n.set_id
		WHERE m.report_id = ? AND m.version = ? ORDER BY s.position, n.position, m.position`, reportID, version)
	if err != nil {
		return c, fmt.Errorf("load measures: %w", err)
	}
	c.Measures, err = scanMeasures(rows, c.Measures)
	return c, err
}

// loadMeasuresPage reads at most limit measures of a report's version in
// the report's order, after the measure keyed after ("": from the first),
// only those under normID when it is not empty. next is the key of the
// page's last measure when more follow. A key that names no measure of
// the list is errNoSuchMeasure. It reads norm by norm in the framework's
// order, each from the index report_measures_report from where the page
// starts, and finds the cursor's measure by the index
// report_measures_key, so a page costs the same under a report of a
// hundred measures and of thousands.
func loadMeasuresPage(ctx context.Context, q db.Querier, reportID string, version int, normID, after string, limit int) (ms []Measure, next string, err error) {
	norms, err := normOrder(ctx, q, normID)
	if err != nil {
		return nil, "", err
	}
	from, at := 0, (*measureAt)(nil)
	if after != "" {
		var atNorm string
		at = &measureAt{}
		err := q.QueryRowContext(ctx, `SELECT norm_id, position, id FROM report_measures WHERE report_id = ? AND version = ? AND measure_key = ? AND (? = '' OR norm_id = ?) LIMIT 1`,
			reportID, version, after, normID, normID).Scan(&atNorm, &at.position, &at.id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", errNoSuchMeasure
		}
		if err != nil {
			return nil, "", fmt.Errorf("find the cursor's measure: %w", err)
		}
		if from = slices.Index(norms, atNorm); from < 0 {
			return nil, "", errNoSuchMeasure
		}
	}
	ms = make([]Measure, 0, limit+1)
	for i := from; i < len(norms) && len(ms) <= limit; i++ {
		if i > from {
			at = nil
		}
		if ms, err = readNormMeasures(ctx, q, ms, reportID, version, norms[i], at, limit+1-len(ms)); err != nil {
			return nil, "", err
		}
	}
	if len(ms) > limit {
		ms = ms[:limit]
		next = ms[limit-1].Key
	}
	return ms, next, nil
}

// normOrder lists the framework's norms in a report's order (by norm set
// and norm), only normID when it is not empty: the order in which a
// report's measures are read norm by norm, each from the index
// report_measures_report (loadMeasuresPage, eachNormMeasures).
func normOrder(ctx context.Context, q db.Querier, normID string) ([]string, error) {
	var norms []string
	rows, err := q.QueryContext(ctx, `SELECT n.id FROM norms n JOIN norm_sets s ON s.id = n.set_id WHERE ? = '' OR n.id = ? ORDER BY s.position, n.position`, normID, normID)
	if err != nil {
		return nil, fmt.Errorf("list norms: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		norms = append(norms, id)
	}
	return norms, rows.Err()
}

// normMeasures selects the measures of a report's version under one norm
// (report id, version and norm the arguments), for scanMeasures.
const normMeasures = `SELECT id, measure_key, norm_id, title, description, type, status, measure_date, links_json, other_norms_json
	FROM report_measures WHERE report_id = ? AND version = ? AND norm_id = ?`

// measureAt is where in a norm's measures a read starts: after the measure
// at this position with this id.
type measureAt struct {
	position int
	id       string
}

// readNormMeasures appends to ms at most limit measures of a report's
// version under one norm, in their order, after at when it is not nil.
func readNormMeasures(ctx context.Context, q db.Querier, ms []Measure, reportID string, version int, norm string, at *measureAt, limit int) ([]Measure, error) {
	var rows *sql.Rows
	var err error
	if at != nil {
		rows, err = q.QueryContext(ctx, normMeasures+` AND (position > ? OR (position = ? AND id > ?)) ORDER BY position, id LIMIT ?`,
			reportID, version, norm, at.position, at.position, at.id, limit)
	} else {
		rows, err = q.QueryContext(ctx, normMeasures+` ORDER BY position, id LIMIT ?`, reportID, version, norm, limit)
	}
	if err != nil {
		return ms, fmt.Errorf("load measures: %w", err)
	}
	return scanMeasures(rows, ms)
}

// measureCounts counts a report's measures at a version under each norm
// (from the index report_measures_report alone).
func measureCounts(ctx context.Context, q db.Querier, reportID string, version int) (map[string]int, error) {
	out, err := db.Counts(ctx, q, `SELECT norm_id, COUNT(*) FROM report_measures WHERE report_id = ? AND version = ? GROUP BY norm_id`, reportID, version)
	if err != nil {
		return nil, fmt.Errorf("count measures: %w", err)
	}
	return out, nil
}

// loadNormMeasures appends to ms the measures of a report's version under
// one norm, in their order, from the offset-th, at most limit of them: one
// page's share of the norm, read in the order of the index
// report_measures_report.
func loadNormMeasures(ctx context.Context, q db.Querier, ms []Measure, reportID string, version int, normID string, offset, limit int) ([]Measure, error) {
	rows, err := q.QueryContext(ctx, normMeasures+` ORDER BY position LIMIT ? OFFSET ?`, reportID, version, normID, limit, offset)
	if err != nil {
		return ms, fmt.Errorf("load measures: %w", err)
	}
	return scanMeasures(rows, ms)
}

// scanMeasures appends rows' measures to ms and closes rows.
func scanMeasures(rows *sql.Rows, ms []Measure) ([]Measure, error) {
	defer rows.Close()
	for rows.Next() {
		var m Measure
		var lj, oj string
		if err := rows.Scan(&m.ID, &m.Key, &m.NormID, &m.Title, &m.Description, &m.Type, &m.Status, &m.Date, &lj, &oj); err != nil {
			return ms, err
		}
		// Most measures name no other norm, many no link: "[]" needs no
		// decoder (a report's page decodes two or three hundred of each).
		if lj != "[]" {
			_ = json.Unmarshal([]byte(lj), &m.Links)
		}
		if oj != "[]" {
			_ = json.Unmarshal([]byte(oj), &m.OtherNorms)
		}
		if m.Links == nil {
			m.Links = []Link{}
		}
		if m.OtherNorms == nil {
			m.OtherNorms = []string{}
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// loadHead reads a report's content at a version but its measures: the
// notes under each norm and the position on international law.
func loadHead(ctx context.Context, q db.Querier, reportID string, version int) (Content, error) {
	c := Content{Measures: []Measure{}, Notes: []NormNotes{}, ILawLinks: []Link{}}
	var links string
	var err error
	if version == 0 {
		err = q.QueryRowContext(ctx, `SELECT ilaw_summary, ilaw_links_json FROM reports WHERE id = ?`, reportID).Scan(&c.ILawSummary, &links)
	} else {
		err = q.QueryRowContext(ctx, `SELECT ilaw_summary, ilaw_links_json FROM report_versions WHERE report_id = ? AND version = ?`, reportID, version).Scan(&c.ILawSummary, &links)
	}
	if err != nil {
		return c, fmt.Errorf("load content: %w", err)
	}
	_ = json.Unmarshal([]byte(links), &c.ILawLinks)
	nrows, err := q.QueryContext(ctx, `SELECT t.norm_id, t.challenges, t.capacity_gaps FROM report_norm_notes t JOIN norms n ON n.id = t.norm_id JOIN norm_sets s ON s.id = n.set_id
		WHERE t.report_id = ? AND t.version = ? ORDER BY s.position, n.position`, reportID, version)
	if err != nil {
		return c, fmt.Errorf("load notes: %w", err)
	}
	defer nrows.Close()
	for nrows.Next() {
		var n NormNotes
		if err := nrows.Scan(&n.NormID, &n.Challenges, &n.CapacityGaps); err != nil {
			return c, err
		}
		c.Notes = append(c.Notes, n)
	}
	return c, nrows.Err()
}

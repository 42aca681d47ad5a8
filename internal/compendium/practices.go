package compendium

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// PublishedMeasure is a measure of the current version of a public report,
// as read from the reporting module's tables.
type PublishedMeasure struct {
	ID        string   `json:"id"`
	Key       string   `json:"key"`
	ReportID  string   `json:"report_id"`
	State     string   `json:"state"`
	CycleYear int      `json:"cycle_year"`
	NormID    string   `json:"norm_id"`
	Norms     []string `json:"norms"`
	Title     string   `json:"title"`
	Desc      string   `json:"description"`
	Type      string   `json:"type"`
	Status    string   `json:"status"`
	Practice  bool     `json:"good_practice"`
	// NormRef names NormID for pages.
	NormRef NormRef `json:"-"`
}

const measureCols = `m.id, m.measure_key, m.report_id, m.state_iso3, m.cycle_year, m.norm_id, m.title, m.description, m.type, m.status`

func scanMeasure(row interface{ Scan(...any) error }) (PublishedMeasure, error) {
	var m PublishedMeasure
	err := row.Scan(&m.ID, &m.Key, &m.ReportID, &m.State, &m.CycleYear, &m.NormID, &m.Title, &m.Desc, &m.Type, &m.Status)
	return m, err
}

// measureNorms returns every norm a measure serves, its own first.
func measureNorms(ctx context.Context, q db.Querier, m *PublishedMeasure) error {
	rows, err := q.QueryContext(ctx, `SELECT norm_id FROM report_measure_norms WHERE measure_id = ? ORDER BY is_primary DESC, norm_id`, m.ID)
	if err != nil {
		return fmt.Errorf("compendium: norms of measure %s: %w", m.ID, err)
	}
	defer rows.Close()
	m.Norms = nil
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		m.Norms = append(m.Norms, n)
	}
	if len(m.Norms) == 0 {
		m.Norms = []string{m.NormID}
	}
	return rows.Err()
}

// publishedMeasure reads one published measure by id; ErrNotFound when it
// does not exist or is not published (a draft or confidential measure is
// not revealed).
func publishedMeasure(ctx context.Context, q db.Querier, measureID string) (PublishedMeasure, error) {
	m, err := scanMeasure(q.QueryRowContext(ctx, `SELECT `+measureCols+` FROM report_measures m WHERE m.id = ? AND m.published = ?`, measureID, true))
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("compendium: read measure: %w", err)
	}
	return m, measureNorms(ctx, q, &m)
}

// mayCurate says whether u may mark or unmark practices of the State: the
// secretariat for every State, State staff for their own.
func mayCurate(u *auth.User, iso3 string) bool {
	if u == nil {
		return false
	}
	return u.Role == auth.RoleSecretariat || u.Role.IsState() && u.ActsFor(iso3)
}

// MarkPractice marks a published measure as a good practice. The
// secretariat may mark any; State staff only their own State's (others get
// ErrForbidden). Unknown or unpublished measures are ErrNotFound.
func (s *Service) MarkPractice(ctx context.Context, in PracticeInput) (Practice, error) {
	var p Practice
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		p, err = s.markTx(ctx, tx, in)
		return err
	})
	return p, err
}

// markTx is MarkPractice inside tx: the demo generator marks many measures
// per transaction, each with the same checks and its own audit entry.
func (s *Service) markTx(ctx context.Context, tx *db.Tx, in PracticeInput) (Practice, error) {
	u := auth.UserFrom(ctx)
	in.Note = strings.TrimSpace(in.Note)
	if strings.TrimSpace(in.MeasureID) == "" {
		return Practice{}, &FieldError{"measure_id", "is required"}
	}
	if len(in.Note) > 2000 {
		return Practice{}, &FieldError{"note", "is at most 2000 characters"}
	}
	m, err := publishedMeasure(ctx, tx, in.MeasureID)
	if err != nil {
		return Practice{}, err
	}
	if !mayCurate(u, m.State) {
		return Practice{}, ErrForbidden
	}
	var before *Practice
	var old Practice
	err = tx.QueryRowContext(ctx, `SELECT note, marked_role, marked_at FROM compendium_practices WHERE measure_key = ?`, m.Key).Scan(&old.Note, &old.MarkedRole, &old.MarkedAt)
	switch {
	case err == nil:
		old.MeasureKey = m.Key
		before = &old
	case !errors.Is(err, sql.ErrNoRows):
		return Practice{}, err
	}
	// The practice's counts come off before the write and back on after
	// it, whatever it changed (its measure, its norms).
	if err := countPractice(ctx, tx, m.Key, -1); err != nil {
		return Practice{}, err
	}
	now := time.Now().UTC()
	if before == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO compendium_practices (measure_key, state_iso3, measure_id, note, marked_by, marked_role, marked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.Key, m.State, m.ID, in.Note, u.ID, string(u.Role), now)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE compendium_practices SET measure_id = ?, note = ?, marked_by = ?, marked_role = ?, marked_at = ? WHERE measure_key = ?`,
			m.ID, in.Note, u.ID, string(u.Role), now, m.Key)
	}
	if err != nil {
		return Practice{}, fmt.Errorf("compendium: mark practice: %w", err)
	}
	if err := keepPracticeOrder(ctx, tx, m); err != nil {
		return Practice{}, err
	}
	if err := countPractice(ctx, tx, m.Key, 1); err != nil {
		return Practice{}, err
	}
	p := practiceOf(m, in.Note, string(u.Role), now)
	if err := search.Index(ctx, tx, practiceDoc(p)); err != nil {
		return Practice{}, err
	}
	return p, audit.Record(ctx, tx, "practice.mark", "practice", m.Key, before, p)
}

// UnmarkPractice removes the good-practice mark of a measure (by its key),
// under the same rule as MarkPractice.
func (s *Service) UnmarkPractice(ctx context.Context, measureKey string) error {
	u := auth.UserFrom(ctx)
	return s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var state, note string
		err := tx.QueryRowContext(ctx, `SELECT state_iso3, note FROM compendium_practices WHERE measure_key = ?`, measureKey).Scan(&state, &note)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !mayCurate(u, state) {
			return ErrForbidden
		}
		if err := countPractice(ctx, tx, measureKey, -1); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM compendium_practices WHERE measure_key = ?`, measureKey); err != nil {
			return fmt.Errorf("compendium: unmark practice: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM compendium_practice_norms WHERE measure_key = ?`, measureKey); err != nil {
			return fmt.Errorf("compendium: unmark practice: %w", err)
		}
		if err := search.Remove(ctx, tx, KindPractice, measureKey); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "practice.unmark", "practice", measureKey, map[string]string{"state": state, "note": note}, nil)
	})
}

// countPractice adds delta (1 or -1) to the count of each norm the
// practice of measureKey serves, if it counts (the sync found its measure
// published: it has a measure_id). Every write of compendium_practices or
// compendium_practice_norms calls it with -1 before and 1 after, in its
// transaction, so that the counts (PracticeCounts) follow the practices
// whatever the write changed; an absent practice counts for nothing. The
// norms' rows are taken in order, so that two writers never wait on each
// other's in turn (PostgreSQL).
func countPractice(ctx context.Context, tx *db.Tx, measureKey string, delta int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO compendium_practice_counts (norm_id, n)
		SELECT n.norm_id, CAST(? AS INTEGER) FROM compendium_practice_norms n JOIN compendium_practices p ON p.measure_key = n.measure_key
		WHERE n.measure_key = ? AND p.measure_id <> '' ORDER BY n.norm_id
		ON CONFLICT (norm_id) DO UPDATE SET n = compendium_practice_counts.n + excluded.n`, delta, measureKey)
	if err != nil {
		return fmt.Errorf("compendium: practice counts: %w", err)
	}
	return nil
}

// keepPracticeOrder copies into the compendium's tables what its lists sort
// and filter the practice of measure m by (migration 0304): the cycle and
// title, and the norms it serves. MarkPractice and the sync that points a
// practice at its measure's current row call it with that row.
func keepPracticeOrder(ctx context.Context, tx *db.Tx, m PublishedMeasure) error {
	if _, err := tx.ExecContext(ctx, `UPDATE compendium_practices SET cycle_year = ?, title = ? WHERE measure_key = ?`, m.CycleYear, m.Title, m.Key); err != nil {
		return fmt.Errorf("compendium: practice order: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM compendium_practice_norms WHERE measure_key = ?`, m.Key); err != nil {
		return fmt.Errorf("compendium: practice norms: %w", err)
	}
	seen := map[string]bool{}
	for _, n := range append([]string{m.NormID}, m.Norms...) {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO compendium_practice_norms (norm_id, measure_key) VALUES (?, ?)`, n, m.Key); err != nil {
			return fmt.Errorf("compendium: practice norms: %w", err)
		}
	}
	return nil
}

func practiceOf(m PublishedMeasure, note, role string, at time.Time) Practice {
	return Practice{MeasureKey: m.Key, MeasureID: m.ID, ReportID: m.ReportID, State: m.State, CycleYear: m.CycleYear, NormID: m.NormID, Norms: m.Norms,
		Title: m.Title, Desc: m.Desc, Type: m.Type, Status: m.Status, Note: note, MarkedRole: role, MarkedAt: at}
}

func practiceDoc(p Practice) search.Document {
	body := p.Desc
	if p.Note != "" {
		body += "\n" + p.Note
	}
	return search.Document{Kind: KindPractice, Ref: p.MeasureKey, Title: p.Title, Body: body, URL: "/reports/" + p.ReportID + "#m-" + p.MeasureKey,
		Norms: p.Norms, Type: p.Type, Status: p.Status, Region: stateRegion(p.State), Year: p.CycleYear, State: p.State, Parent: p.ReportID}
}

// PracticeFilter narrows a list of practices and pages it: at most Limit
// (default and most: MaxPracticePage) after the practice whose measure key
// is After.
type PracticeFilter struct {
	Norm  string
	State string
	After string
	Limit int
	// UpdatedSince keeps the practices marked after it.
	UpdatedSince time.Time
}

// MaxPracticePage is the longest page of practices.
const MaxPracticePage = 200

// Practices lists the good practices whose measure is published, newest
// cycle first, then by State and title; with a norm, those serving it (as
// primary or other norm). It returns one page and the key to pass as After
// for the next ("" after the last page), so that a page costs the same
// however many practices there are.
func (s *Service) Practices(ctx context.Context, f PracticeFilter, lang string) ([]Practice, string, error) {
	if f.Limit <= 0 || f.Limit > MaxPracticePage {
		f.Limit = MaxPracticePage
	}
	// The page is chosen from the compendium's own copy of each practice's
	// order and norms (migration 0304), then only its rows are looked up in
	// the reporting tables, which still decide whether each is published
	// (a report turned confidential hides its practices at once, before the
	// sync updates the copy). The inner page is twice as long as needed, so
	// that such hidden rows do not shorten the page or end the list early.
	where := []string{`p.measure_id <> ''`}
	var args []any
	if f.Norm != "" {
		// EXISTS, not IN: SQLite then walks the practices in the order
		// index and stops at the page, instead of sorting all the norm's.
		where = append(where, `EXISTS (SELECT 1 FROM compendium_practice_norms n WHERE n.norm_id = ? AND n.measure_key = p.measure_key)`)
		args = append(args, f.Norm)
	}
	if !f.UpdatedSince.IsZero() {
		where = append(where, `p.marked_at > ?`)
		args = append(args, f.UpdatedSince)
	}
	if f.State != "" {
		where = append(where, `p.state_iso3 = ?`)
		args = append(args, f.State)
	}
	if f.After != "" {
		// Keyset: after the given practice in the list's order.
		var year int
		var state, title string
		err := s.P.DB.QueryRowContext(ctx, `SELECT cycle_year, state_iso3, title FROM compendium_practices WHERE measure_key = ?`, f.After).Scan(&year, &state, &title)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", &FieldError{"cursor", "is not a good practice (it may have been removed since): start from the first page"}
		}
		if err != nil {
			return nil, "", fmt.Errorf("compendium: list practices: %w", err)
		}
		where = append(where, `(p.cycle_year < ? OR (p.cycle_year = ? AND (p.state_iso3 > ? OR (p.state_iso3 = ? AND (p.title > ? OR (p.title = ? AND p.measure_key > ?))))))`)
		args = append(args, year, year, state, state, title, title, f.After)
	}
	const order = ` ORDER BY p.cycle_year DESC, p.state_iso3, p.title, p.measure_key`
	// CROSS JOIN keeps SQLite from walking the published measures first.
	q := `SELECT p.measure_key, p.note, p.marked_role, p.marked_at, ` + measureCols + `
		FROM (SELECT * FROM compendium_practices p WHERE ` + strings.Join(where, " AND ") + order + fmt.Sprintf(` LIMIT %d`, 2*(f.Limit+1)) + `) p
		CROSS JOIN report_measures m
		WHERE m.id = p.measure_id AND m.published = ?` + order + fmt.Sprintf(` LIMIT %d`, f.Limit+1)
	args = append(args, true)
	rows, err := s.P.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("compendium: list practices: %w", err)
	}
	defer rows.Close()
	out := []Practice{}
	for rows.Next() {
		var p Practice
		var m PublishedMeasure
		if err := rows.Scan(&p.MeasureKey, &p.Note, &p.MarkedRole, &p.MarkedAt, &m.ID, &m.Key, &m.ReportID, &m.State, &m.CycleYear, &m.NormID, &m.Title, &m.Desc, &m.Type, &m.Status); err != nil {
			return nil, "", err
		}
		p = practiceOf(m, p.Note, p.MarkedRole, p.MarkedAt)
		p.StateName = stateName(p.State, lang)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	rows.Close()
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].MeasureKey
	}
	if len(out) == 0 {
		return out, "", nil
	}
	// The norms of the page's practices in one query, not one per practice.
	ids := make([]any, len(out))
	for i, p := range out {
		ids[i] = p.MeasureID
	}
	nrows, err := s.P.DB.QueryContext(ctx, `SELECT measure_id, norm_id FROM report_measure_norms WHERE measure_id IN (`+db.Placeholders(len(ids))+`)
		ORDER BY measure_id, is_primary DESC, norm_id`, ids...)
	if err != nil {
		return nil, "", fmt.Errorf("compendium: norms of practices: %w", err)
	}
	defer nrows.Close()
	norms := map[string][]string{}
	for nrows.Next() {
		var m, n string
		if err := nrows.Scan(&m, &n); err != nil {
			return nil, "", err
		}
		norms[m] = append(norms[m], n)
	}
	if err := nrows.Err(); err != nil {
		return nil, "", err
	}
	for i := range out {
		out[i].Norms = norms[out[i].MeasureID]
		if len(out[i].Norms) == 0 {
			out[i].Norms = []string{out[i].NormID}
		}
	}
	return out, next, nil
}

// PracticeCounts returns how many good practices serve each norm (as its
// own norm or another one), from the compendium's own tables: a practice
// counts while the sync finds its measure published (an aggregate, so a
// report turned confidential may still count until the sync, never by
// name). It reads the counts kept by countPractice (migration 0305), one
// row a norm, not every practice.
func (s *Service) PracticeCounts(ctx context.Context) (map[string]int, error) {
	out, err := db.Counts(ctx, s.P.DB, `SELECT norm_id, n FROM compendium_practice_counts WHERE n > 0`)
	if err != nil {
		return nil, fmt.Errorf("compendium: count practices: %w", err)
	}
	return out, nil
}

// CandidateMeasures lists a State's published measures (newest cycle
// first, at most limit) with whether each is already a good practice, for
// the marking page.
func (s *Service) CandidateMeasures(ctx context.Context, iso3 string, limit int) ([]PublishedMeasure, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+measureCols+`, CASE WHEN p.measure_key IS NULL THEN 0 ELSE 1 END
		FROM report_measures m LEFT JOIN compendium_practices p ON p.measure_key = m.measure_key
		WHERE m.published = ? AND m.state_iso3 = ? ORDER BY m.cycle_year DESC, m.norm_id, m.position LIMIT ?`, true, iso3, limit)
	if err != nil {
		return nil, fmt.Errorf("compendium: candidate measures: %w", err)
	}
	defer rows.Close()
	out := []PublishedMeasure{}
	for rows.Next() {
		var m PublishedMeasure
		var marked int
		if err := rows.Scan(&m.ID, &m.Key, &m.ReportID, &m.State, &m.CycleYear, &m.NormID, &m.Title, &m.Desc, &m.Type, &m.Status, &marked); err != nil {
			return nil, err
		}
		m.Practice = marked == 1
		out = append(out, m)
	}
	return out, rows.Err()
}

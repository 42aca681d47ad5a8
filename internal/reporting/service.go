package reporting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Problem is a refusal the caller can act on: a status, a machine code, the
// field at fault (if any), a catalog key for pages with its arguments, and an
// English message for the API.
type Problem struct {
	Status  int
	Code    string
	Field   string
	Key     string
	Args    []any
	Message string
	// Fields are every refusal of the same input, this one first, when
	// there were several (Validate finds them all, for forms).
	Fields []*Problem
}

// All is every refusal the problem stands for: its Fields, or itself.
func (p *Problem) All() []*Problem {
	if len(p.Fields) > 0 {
		return p.Fields
	}
	return []*Problem{p}
}

func (p *Problem) Error() string {
	if p.Field != "" {
		return p.Field + ": " + p.Message
	}
	return p.Message
}

// API is the problem in the API's error shape.
func (p *Problem) API() *api.Error {
	return &api.Error{Status: p.Status, Code: p.Code, Field: p.Field, Message: p.Message}
}

func invalid(field, format string, args ...any) *Problem {
	// The key is the reason's English format, as api.Error's (MessageKey):
	// pages say it in the reader's language where the catalogs have it.
	return &Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: field, Key: "reason:" + format, Args: args, Message: fmt.Sprintf(format, args...)}
}

// The refusals every function shares.
var (
	ErrNotFound  = &Problem{Status: http.StatusNotFound, Code: "not_found", Key: "error.notfound", Message: "no such report or version"}
	ErrForbidden = &Problem{Status: http.StatusForbidden, Code: "forbidden", Key: "reporting.err.forbidden", Message: "your account may not do this to this report"}
	ErrNoCycle   = &Problem{Status: http.StatusNotFound, Code: "not_found", Key: "error.notfound", Message: "no such reporting cycle"}
	// errNoSuchMeasure is a page's cursor that names no measure of the list.
	errNoSuchMeasure = &Problem{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "cursor", Key: "reporting.err.invalid", Message: "names no measure of this report's list at this version"}
)

// Service holds the reporting rules. HTML and JSON handlers and the demo
// generator all call it.
type Service struct {
	P  *platform.Services
	FW *framework.Store
	// Now is the clock (UTC); tests and the demo may replace it.
	Now func() time.Time

	normsMu sync.Mutex
	norms   []framework.Norm
	allNorm map[string]framework.Norm
}

// NewService builds the service and registers its background jobs.
func NewService(p *platform.Services, fw *framework.Store) *Service {
	s := &Service{P: p, FW: fw, Now: func() time.Time { return time.Now().UTC() }}
	if p.Jobs != nil {
		p.Jobs.Register(jobCycleOpened, s.jobCycleOpened)
		p.Jobs.Register(jobReminder, s.jobReminder)
	}
	return s
}

type nowKey struct{}

// withNow makes service functions see t as the current time (the demo
// generator back-dates past cycles with it).
func withNow(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, nowKey{}, t.UTC())
}

func (s *Service) now(ctx context.Context) time.Time {
	if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
		return t
	}
	return s.Now().UTC().Truncate(time.Microsecond)
}

// ReportableNorms are the norms a report asks about, in framework order:
// every norm of a norm set marked reportable (the 2015 GGE norms (a)–(k)).
func (s *Service) ReportableNorms(ctx context.Context) ([]framework.Norm, error) {
	if err := s.loadNorms(ctx); err != nil {
		return nil, err
	}
	return s.norms, nil
}

// NormByID returns any norm of the framework (reportable or not).
func (s *Service) NormByID(ctx context.Context, id string) (framework.Norm, bool) {
	if err := s.loadNorms(ctx); err != nil {
		return framework.Norm{}, false
	}
	n, ok := s.allNorm[id]
	return n, ok
}

func (s *Service) isReportable(id string) bool {
	for _, n := range s.norms {
		if n.ID == id {
			return true
		}
	}
	return false
}

func (s *Service) loadNorms(ctx context.Context) error {
	s.normsMu.Lock()
	defer s.normsMu.Unlock()
	if s.allNorm != nil {
		return nil
	}
	sets, err := s.FW.Sets(ctx)
	if err != nil {
		return fmt.Errorf("reporting: norm sets: %w", err)
	}
	all, err := s.FW.Norms(ctx, "", "en")
	if err != nil {
		return fmt.Errorf("reporting: norms: %w", err)
	}
	reportable := map[string]bool{}
	for _, ns := range sets {
		reportable[ns.ID] = ns.Reportable
	}
	m := make(map[string]framework.Norm, len(all))
	var rep []framework.Norm
	for _, n := range all {
		m[n.ID] = n
		if reportable[n.Set] {
			rep = append(rep, n)
		}
	}
	s.norms, s.allNorm = rep, m
	return nil
}

// ---- access ----

func user(ctx context.Context) *auth.User { return auth.UserFrom(ctx) }

// insider reports whether u may see a report's drafts and confidential
// versions: the secretariat, and the State's own users.
func insider(u *auth.User, iso3 string) bool {
	return u != nil && (u.Role == auth.RoleSecretariat || u.ActsFor(iso3))
}

// ---- cycles ----

// CycleInput is a new reporting cycle; dates are YYYY-MM-DD (UTC). The cycle
// opens at the start of the opening day, is due at the end of the due day
// and closes at the end of the closing day.
type CycleInput struct {
	Name     string `json:"name"`
	OpensOn  string `json:"opens_on"`
	DueOn    string `json:"due_on"`
	ClosesOn string `json:"closes_on"`
	Notes    string `json:"notes"`
}

// ReminderLead is how long before the due date States still without a
// submitted report are reminded.
const ReminderLead = 14 * 24 * time.Hour

func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, invalid(field, "must be a date written YYYY-MM-DD")
	}
	return t.UTC(), nil
}

// CreateCycle opens a reporting cycle (secretariat only). It queues the
// "cycle opened" e-mail for its opening date and the reminder for
// ReminderLead before the due date, each under a unique key.
func (s *Service) CreateCycle(ctx context.Context, in CycleInput) (Cycle, error) {
	u := user(ctx)
	if u == nil || u.Role != auth.RoleSecretariat {
		return Cycle{}, ErrForbidden
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 40 {
		return Cycle{}, invalid("name", "is required and at most 40 characters")
	}
	if len(in.Notes) > 5000 {
		return Cycle{}, invalid("notes", "must be at most 5000 characters")
	}
	opens, err := parseDay("opens_on", in.OpensOn)
	if err != nil {
		return Cycle{}, err
	}
	due, err := parseDay("due_on", in.DueOn)
	if err != nil {
		return Cycle{}, err
	}
	closes, err := parseDay("closes_on", in.ClosesOn)
	if err != nil {
		return Cycle{}, err
	}
	if due.Before(opens) {
		return Cycle{}, invalid("due_on", "must not be before the opening date")
	}
	if closes.Before(due) {
		return Cycle{}, invalid("closes_on", "must not be before the due date")
	}
	year := opens.Year()
	if len(in.Name) == 4 {
		if y, err := time.Parse("2006", in.Name); err == nil {
			year = y.Year()
		}
	}
	now := s.now(ctx)
	c := Cycle{ID: id.New(), Name: in.Name, Year: year, OpensAt: opens, DueAt: due.Add(24 * time.Hour), ClosesAt: closes.Add(24 * time.Hour), Notes: strings.TrimSpace(in.Notes), CreatedAt: now}.withDays()
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reporting_cycles WHERE name = ?`, c.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return invalid("name", "a cycle with this name already exists")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reporting_cycles (id, name, year, opens_at, due_at, closes_at, notes, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, c.Year, c.OpensAt, c.DueAt, c.ClosesAt, c.Notes, c.CreatedAt, u.ID); err != nil {
			return fmt.Errorf("insert cycle: %w", err)
		}
		if err := s.scheduleCycleMail(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "reporting_cycle.create", "reporting_cycle", c.ID, nil, c)
	})
	if err != nil {
		return Cycle{}, err
	}
	return c, nil
}

func (s *Service) scheduleCycleMail(ctx context.Context, tx *db.Tx, c Cycle) error {
	now := s.now(ctx)
	if !c.ClosesAt.After(now) {
		return nil // a cycle entered after it closed (history) invites nobody
	}
	if _, err := jobs.Enqueue(ctx, tx, jobCycleOpened, cyclePayload{CycleID: c.ID}, jobs.Options{UniqueKey: "reporting.opened:" + c.ID, RunAt: c.OpensAt}); err != nil {
		return err
	}
	remind := c.DueAt.Add(-ReminderLead)
	if remind.Before(c.OpensAt) {
		remind = c.OpensAt.Add(c.DueAt.Sub(c.OpensAt) / 2)
	}
	if !remind.After(now) && !c.DueAt.After(now) {
		return nil // already due: no reminder
	}
	_, err := jobs.Enqueue(ctx, tx, jobReminder, cyclePayload{CycleID: c.ID}, jobs.Options{UniqueKey: "reporting.reminder:" + c.ID, RunAt: remind})
	return err
}

const cycleCols = `id, name, year, opens_at, due_at, closes_at, notes, created_at`

func scanCycle(row interface{ Scan(...any) error }) (Cycle, error) {
	var c Cycle
	err := row.Scan(&c.ID, &c.Name, &c.Year, &c.OpensAt, &c.DueAt, &c.ClosesAt, &c.Notes, &c.CreatedAt)
	c.OpensAt, c.DueAt, c.ClosesAt, c.CreatedAt = c.OpensAt.UTC(), c.DueAt.UTC(), c.ClosesAt.UTC(), c.CreatedAt.UTC()
	return c.withDays(), err
}

// Cycles lists every cycle, newest first. Cycles are public.
func (s *Service) Cycles(ctx context.Context) ([]Cycle, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+cycleCols+` FROM reporting_cycles ORDER BY year DESC, opens_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list cycles: %w", err)
	}
	defer rows.Close()
	var out []Cycle
	for rows.Next() {
		c, err := scanCycle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Cycle returns one cycle by id or by name.
func (s *Service) Cycle(ctx context.Context, idOrName string) (Cycle, error) {
	c, err := scanCycle(s.P.DB.QueryRowContext(ctx, `SELECT `+cycleCols+` FROM reporting_cycles WHERE id = ? OR name = ?`, idOrName, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return Cycle{}, ErrNoCycle
	}
	if err != nil {
		return Cycle{}, fmt.Errorf("cycle: %w", err)
	}
	return c, nil
}

// ---- reports ----

const reportCols = `r.id, r.state_iso3, r.cycle_id, c.name, r.cycle_year, r.status, r.revision, r.current_version, r.visibility, r.late, r.first_submitted_at, r.started_from, r.created_at, r.updated_at, r.updated_by_name, r.handoff, r.handoff_at, r.handoff_by_name`

const reportFrom = ` FROM reports r JOIN reporting_cycles c ON c.id = r.cycle_id`

func scanReport(row interface{ Scan(...any) error }) (Report, error) {
	var r Report
	var first, handoff sql.NullTime
	err := row.Scan(&r.ID, &r.StateISO3, &r.CycleID, &r.CycleName, &r.CycleYear, &r.Status, &r.Revision, &r.CurrentVersion, &r.Visibility, &r.Late, &first, &r.StartedFrom, &r.CreatedAt, &r.UpdatedAt, &r.UpdatedByName, &r.Handoff, &handoff, &r.HandoffByName)
	if first.Valid {
		t := first.Time.UTC()
		r.FirstSubmittedAt = &t
	}
	if handoff.Valid {
		t := handoff.Time.UTC()
		r.HandoffAt = &t
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

func (s *Service) loadReport(ctx context.Context, q db.Querier, reportID string) (Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportCols+reportFrom+` WHERE r.id = ?`, reportID))
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, ErrNotFound
	}
	if err != nil {
		return Report{}, fmt.Errorf("load report %s: %w", reportID, err)
	}
	return r, nil
}

// publicVersion returns the newest version of the report the public may
// read, or 0.
func publicVersion(ctx context.Context, q db.Querier, reportID string) (int, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM report_versions WHERE report_id = ? AND visibility = 'public'`, reportID).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("public version: %w", err)
	}
	return int(v.Int64), nil
}

// Report returns a report the caller may see: its own State's and every
// report for the secretariat; for everyone else only reports with at least
// one public version (others answer ErrNotFound, as if they did not exist).
func (s *Service) Report(ctx context.Context, reportID string) (Report, error) {
	r, err := s.loadReport(ctx, s.P.DB, reportID)
	if err != nil {
		return Report{}, err
	}
	if insider(user(ctx), r.StateISO3) {
		return r, nil
	}
	pv, err := publicVersion(ctx, s.P.DB, r.ID)
	if err != nil {
		return Report{}, err
	}
	if pv == 0 {
		return Report{}, ErrNotFound
	}
	return outsiderView(r, pv), nil
}

// outsiderView hides what the public may not know about a report: the
// draft's existence and revision, and the confidential versions.
func outsiderView(r Report, pv int) Report {
	r.Status = StatusSubmitted
	r.Revision = 0
	r.UpdatedByName = ""
	r.Handoff, r.HandoffAt, r.HandoffByName = HandoffNone, nil, ""
	r.CurrentVersion = pv
	r.Visibility = Public
	return r
}

// ReportFor returns the State's report in the cycle if the caller may see
// it.
func (s *Service) ReportFor(ctx context.Context, cycleID, iso3 string) (Report, error) {
	var rid string
	err := s.P.DB.QueryRowContext(ctx, `SELECT id FROM reports WHERE cycle_id = ? AND state_iso3 = ?`, cycleID, iso3).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, ErrNotFound
	}
	if err != nil {
		return Report{}, fmt.Errorf("report for %s: %w", iso3, err)
	}
	return s.Report(ctx, rid)
}

// ListFilter selects reports.
type ListFilter struct {
	CycleID string
	State   string
	Limit   int
	After   string // report id of the last item of the previous page
	// UpdatedSince keeps the reports changed after it: for their own
	// State's users and the secretariat, any change; for everyone else, a
	// public version submitted after it (a draft's saves are not told).
	UpdatedSince time.Time
}

// List returns the reports the caller may see, ordered by cycle (newest
// first) then State, and the key to continue after. Outsiders see only
// reports with a public version.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Report, string, error) {
	u := user(ctx)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT ` + reportCols + `, (SELECT MAX(version) FROM report_versions v WHERE v.report_id = r.id AND v.visibility = 'public')` + reportFrom + ` WHERE 1 = 1`
	var args []any
	if f.CycleID != "" {
		q += ` AND (c.id = ? OR c.name = ?)`
		args = append(args, f.CycleID, f.CycleID)
	}
	if f.State != "" {
		q += ` AND r.state_iso3 = ?`
		args = append(args, strings.ToUpper(f.State))
	}
	switch {
	case u != nil && u.Role == auth.RoleSecretariat:
		if !f.UpdatedSince.IsZero() {
			q += ` AND r.updated_at > ?`
			args = append(args, f.UpdatedSince)
		}
	case u != nil && u.Role.IsState():
		q += ` AND (r.state_iso3 = ? OR EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = r.id AND v.visibility = 'public'))`
		args = append(args, u.StateISO3)
		if !f.UpdatedSince.IsZero() {
			q += ` AND ((r.state_iso3 = ? AND r.updated_at > ?) OR EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = r.id AND v.visibility = 'public' AND v.submitted_at > ?))`
			args = append(args, u.StateISO3, f.UpdatedSince, f.UpdatedSince)
		}
	default:
		q += ` AND EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = r.id AND v.visibility = 'public')`
		if !f.UpdatedSince.IsZero() {
			q += ` AND EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = r.id AND v.visibility = 'public' AND v.submitted_at > ?)`
			args = append(args, f.UpdatedSince)
		}
	}
	if f.After != "" {
		// Keyset: (cycle_year DESC, state_iso3 ASC, id ASC) after the given report.
		q += ` AND (r.cycle_year < (SELECT cycle_year FROM reports WHERE id = ?) OR (r.cycle_year = (SELECT cycle_year FROM reports WHERE id = ?) AND (r.state_iso3 > (SELECT state_iso3 FROM reports WHERE id = ?) OR (r.state_iso3 = (SELECT state_iso3 FROM reports WHERE id = ?) AND r.id > ?))))`
		args = append(args, f.After, f.After, f.After, f.After, f.After)
	}
	q += ` ORDER BY r.cycle_year DESC, r.state_iso3, r.id LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := s.P.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		var r Report
		var first, handoff sql.NullTime
		var pv sql.NullInt64
		if err := rows.Scan(&r.ID, &r.StateISO3, &r.CycleID, &r.CycleName, &r.CycleYear, &r.Status, &r.Revision, &r.CurrentVersion, &r.Visibility, &r.Late, &first, &r.StartedFrom, &r.CreatedAt, &r.UpdatedAt, &r.UpdatedByName, &r.Handoff, &handoff, &r.HandoffByName, &pv); err != nil {
			return nil, "", err
		}
		if first.Valid {
			t := first.Time.UTC()
			r.FirstSubmittedAt = &t
		}
		if handoff.Valid {
			t := handoff.Time.UTC()
			r.HandoffAt = &t
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		if !insider(u, r.StateISO3) {
			r = outsiderView(r, int(pv.Int64))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// StartInput starts a State's report in a cycle.
type StartInput struct {
	CycleID string `json:"cycle_id"`
	// State is the ISO 3166-1 alpha-3 code; State users may leave it empty
	// (their own State) and may not name another.
	State string `json:"state,omitempty"`
	// CarryForward copies the State's latest submitted report of an earlier
	// cycle into the new draft.
	CarryForward bool `json:"carry_forward"`
}

// Start creates the State's draft report in an open cycle (State editors and
// approvers). A State has one report per cycle; a cycle that is not yet open
// or is closed refuses new drafts.
func (s *Service) Start(ctx context.Context, in StartInput) (Report, error) {
	var r Report
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		r, err = s.startTx(ctx, tx, in)
		return err
	})
	return r, err
}

func (s *Service) startTx(ctx context.Context, tx *db.Tx, in StartInput) (Report, error) {
	u := user(ctx)
	if u == nil || !u.Role.IsState() {
		return Report{}, ErrForbidden
	}
	iso3 := strings.ToUpper(strings.TrimSpace(in.State))
	if iso3 == "" {
		iso3 = u.StateISO3
	}
	if _, ok := states.ByISO3(iso3); !ok {
		return Report{}, invalid("state", "is not a known State (ISO 3166-1 alpha-3)")
	}
	if !u.ActsFor(iso3) {
		return Report{}, ErrForbidden
	}
	c, err := scanCycle(tx.QueryRowContext(ctx, `SELECT `+cycleCols+` FROM reporting_cycles WHERE id = ? OR name = ?`, in.CycleID, in.CycleID))
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, invalid("cycle_id", "is not a reporting cycle")
	}
	if err != nil {
		return Report{}, fmt.Errorf("start report: %w", err)
	}
	now := s.now(ctx)
	switch c.Phase(now) {
	case "upcoming":
		return Report{}, &Problem{Status: http.StatusConflict, Code: "cycle_not_open", Key: "reporting.err.not_open", Args: []any{c.Name, c.OpensOn},
			Message: fmt.Sprintf("the %s cycle opens on %s; reports can be started from then", c.Name, c.OpensOn)}
	case "closed":
		return Report{}, &Problem{Status: http.StatusConflict, Code: "cycle_closed", Key: "reporting.err.closed", Args: []any{c.Name, c.ClosesOn},
			Message: fmt.Sprintf("the %s cycle closed on %s and accepts no new reports", c.Name, c.ClosesOn)}
	}
	var existing string
	err = tx.QueryRowContext(ctx, `SELECT id FROM reports WHERE state_iso3 = ? AND cycle_id = ?`, iso3, c.ID).Scan(&existing)
	if err == nil {
		return Report{}, &Problem{Status: http.StatusConflict, Code: "report_exists", Key: "reporting.err.exists", Args: []any{existing},
			Message: "this State already has a report in this cycle: " + existing}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Report{}, fmt.Errorf("start report: %w", err)
	}
	r := Report{ID: id.New(), StateISO3: iso3, CycleID: c.ID, CycleName: c.Name, CycleYear: c.Year, Status: StatusDraft, Revision: 1, CreatedAt: now, UpdatedAt: now, UpdatedByName: u.Name}
	var content Content
	if in.CarryForward {
		var prevID string
		var prevVersion int
		err := tx.QueryRowContext(ctx, `SELECT id, current_version FROM reports WHERE state_iso3 = ? AND cycle_year < ? AND current_version > 0 ORDER BY cycle_year DESC LIMIT 1`, iso3, c.Year).Scan(&prevID, &prevVersion)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return Report{}, invalid("carry_forward", "this State has no submitted report in an earlier cycle to start from")
		case err != nil:
			return Report{}, fmt.Errorf("carry forward: %w", err)
		}
		if content, err = loadContent(ctx, tx, prevID, prevVersion); err != nil {
			return Report{}, err
		}
		r.StartedFrom = prevID
	}
	ilawLinks, _ := marshalLinks(content.ILawLinks)
	if _, err := tx.ExecContext(ctx, `INSERT INTO reports (id, state_iso3, cycle_id, cycle_year, status, revision, current_version, visibility, late, started_from, ilaw_summary, ilaw_links_json, created_at, updated_at, updated_by, updated_by_name)
		VALUES (?, ?, ?, ?, ?, 1, 0, '', FALSE, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.StateISO3, r.CycleID, r.CycleYear, r.Status, r.StartedFrom, content.ILawSummary, ilawLinks, now, now, u.ID, u.Name); err != nil {
		if db.IsUniqueViolation(err) {
			return Report{}, &Problem{Status: http.StatusConflict, Code: "report_exists", Key: "reporting.err.exists", Message: "this State already has a report in this cycle"}
		}
		return Report{}, fmt.Errorf("insert report: %w", err)
	}
	if err := writeDraft(ctx, tx, r, content); err != nil {
		return Report{}, err
	}
	return r, audit.Record(ctx, tx, "report.create", "report", r.ID, nil, map[string]any{"state": r.StateISO3, "cycle": c.Name, "started_from": r.StartedFrom, "measures": len(content.Measures)})
}

// SaveDraft replaces the draft's content (State editors and approvers of the
// report's State). revision is the revision the editor started from: if
// someone saved since, the save is refused with a conflict naming them, and
// nothing changes. It returns the report with its new revision.
func (s *Service) SaveDraft(ctx context.Context, reportID string, revision int, c Content) (Report, error) {
	var r Report
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		r, err = s.saveTx(ctx, tx, reportID, revision, c)
		return err
	})
	return r, err
}

// StaleError is the refusal of a save made from an old revision.
func staleProblem(name string, at time.Time, rev int) *Problem {
	return &Problem{Status: http.StatusConflict, Code: "stale_revision", Key: "reporting.err.stale", Args: []any{name, at.UTC().Format("2006-01-02 15:04:05 UTC")},
		Message: fmt.Sprintf("%s saved this report at %s (revision %d) after you opened it; your changes were not saved. Reload, reapply them and save again", name, at.UTC().Format("2006-01-02 15:04:05 UTC"), rev)}
}

func (s *Service) saveTx(ctx context.Context, tx *db.Tx, reportID string, revision int, c Content) (Report, error) {
	u := user(ctx)
	r, err := s.loadReport(ctx, tx, reportID)
	if err != nil {
		return Report{}, err
	}
	if !insider(u, r.StateISO3) {
		return Report{}, ErrNotFound
	}
	if !u.ActsFor(r.StateISO3) {
		return Report{}, ErrForbidden
	}
	if r.Status != StatusDraft {
		return Report{}, &Problem{Status: http.StatusConflict, Code: "not_draft", Key: "reporting.err.not_draft", Message: "this report has been submitted; reopen it for a correction before editing"}
	}
	if err := s.loadNorms(ctx); err != nil {
		return Report{}, err
	}
	if err := s.Validate(&c); err != nil {
		return Report{}, err
	}
	now := s.now(ctx)
	links, err := marshalLinks(c.ILawLinks)
	if err != nil {
		return Report{}, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE reports SET revision = revision + 1, ilaw_summary = ?, ilaw_links_json = ?, updated_at = ?, updated_by = ?, updated_by_name = ? WHERE id = ? AND revision = ? AND status = 'draft'`,
		c.ILawSummary, links, now, u.ID, u.Name, r.ID, revision)
	if err != nil {
		return Report{}, fmt.Errorf("save report: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Report{}, staleProblem(r.UpdatedByName, r.UpdatedAt, r.Revision)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_measure_norms WHERE measure_id IN (SELECT id FROM report_measures WHERE report_id = ? AND version = 0)`, r.ID); err != nil {
		return Report{}, fmt.Errorf("clear draft: %w", err)
	}
	for _, t := range []string{"report_measures", "report_norm_notes"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE report_id = ? AND version = 0`, r.ID); err != nil {
			return Report{}, fmt.Errorf("clear draft: %w", err)
		}
	}
	if err := writeDraft(ctx, tx, r, c); err != nil {
		return Report{}, err
	}
	before := map[string]any{"revision": r.Revision}
	r.Revision++
	r.UpdatedAt, r.UpdatedByName = now, u.Name
	return r, audit.Record(ctx, tx, "report.save", "report", r.ID, before, map[string]any{"revision": r.Revision, "measures": len(c.Measures), "notes": len(c.Notes)})
}

// SubmitInput is the approver's choice at submission.
type SubmitInput struct {
	// Visibility is "public" or "confidential".
	Visibility string `json:"visibility"`
	// Note says what a correction changed (for versions after the first).
	Note string `json:"note,omitempty"`
}

// Submit freezes the draft as the next numbered version (State approvers of
// the report's State). A first submission after the due date is marked
// late. The version becomes the published one if public; the precomputed
// statistics are rewritten.
func (s *Service) Submit(ctx context.Context, reportID string, in SubmitInput) (Version, error) {
	var v Version
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if v, err = s.submitTx(ctx, tx, reportID, in, false); err != nil {
			return err
		}
		return s.notifySubmitted(ctx, tx, v)
	})
	return v, err
}

// submitTx submits inside tx. prewritten says the content's rows were
// written directly as the new version (the bulk import path), so there are
// no draft rows to freeze.
func (s *Service) submitTx(ctx context.Context, tx *db.Tx, reportID string, in SubmitInput, prewritten bool) (Version, error) {
	u := user(ctx)
	r, err := s.loadReport(ctx, tx, reportID)
	if err != nil {
		return Version{}, err
	}
	if !insider(u, r.StateISO3) {
		return Version{}, ErrNotFound
	}
	if !u.ActsFor(r.StateISO3) || u.Role != auth.RoleStateApprover {
		return Version{}, &Problem{Status: http.StatusForbidden, Code: "forbidden", Key: "reporting.err.approver_only", Message: "only an approver of this State may submit its report"}
	}
	if in.Visibility != Public && in.Visibility != Confidential {
		return Version{}, invalid("visibility", "must be public or confidential")
	}
	if len(in.Note) > 2000 {
		return Version{}, invalid("note", "must be at most 2000 characters")
	}
	if r.Status != StatusDraft {
		return Version{}, &Problem{Status: http.StatusConflict, Code: "not_draft", Key: "reporting.err.already_submitted", Message: "this report is already submitted; reopen it to submit a correction"}
	}
	var due time.Time
	if err := tx.QueryRowContext(ctx, `SELECT due_at FROM reporting_cycles WHERE id = ?`, r.CycleID).Scan(&due); err != nil {
		return Version{}, fmt.Errorf("submit: %w", err)
	}
	now := s.now(ctx)
	late := r.Late || (r.CurrentVersion == 0 && now.After(due))
	v := Version{ReportID: r.ID, Version: r.CurrentVersion + 1, StateISO3: r.StateISO3, CycleID: r.CycleID, CycleYear: r.CycleYear, Visibility: in.Visibility,
		Late: late, Published: in.Visibility == Public, Note: strings.TrimSpace(in.Note), SubmittedAt: now, SubmittedByName: u.Name}
	pub := v.Published
	// Earlier versions stop being the published one.
	if r.CurrentVersion > 0 {
		if err := unpublish(ctx, tx, r.ID); err != nil {
			return Version{}, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_versions (report_id, version, state_iso3, cycle_id, cycle_year, visibility, late, published, ilaw_summary, ilaw_links_json, note, submitted_at, submitted_by, submitted_by_name)
		SELECT id, ?, state_iso3, cycle_id, cycle_year, ?, ?, ?, ilaw_summary, ilaw_links_json, ?, ?, ?, ? FROM reports WHERE id = ?`,
		v.Version, v.Visibility, v.Late, pub, v.Note, now, u.ID, u.Name, r.ID); err != nil {
		return Version{}, fmt.Errorf("insert version: %w", err)
	}
	// The draft's rows become the version's rows; a reopening copies them back.
	if !prewritten {
		if _, err := tx.ExecContext(ctx, `UPDATE report_measures SET version = ?, published = ? WHERE report_id = ? AND version = 0`, v.Version, pub, r.ID); err != nil {
			return Version{}, fmt.Errorf("freeze measures: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE report_measure_norms SET published = ? WHERE measure_id IN (SELECT id FROM report_measures WHERE report_id = ? AND version = ?)`, pub, r.ID, v.Version); err != nil {
			return Version{}, fmt.Errorf("freeze measure norms: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE report_norm_notes SET version = ?, published = ? WHERE report_id = ? AND version = 0`, v.Version, pub, r.ID); err != nil {
			return Version{}, fmt.Errorf("freeze notes: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET status = 'submitted', handoff = '', handoff_at = NULL, handoff_by_name = '', revision = revision + 1, current_version = ?, visibility = ?, late = ?, first_submitted_at = COALESCE(first_submitted_at, ?), updated_at = ?, updated_by = ?, updated_by_name = ? WHERE id = ?`,
		v.Version, v.Visibility, v.Late, now, now, u.ID, u.Name, r.ID); err != nil {
		return Version{}, fmt.Errorf("submit: %w", err)
	}
	if err := clearSections(ctx, tx, r.ID); err != nil {
		return Version{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_stats WHERE state_iso3 = ? AND cycle_id = ?`, r.StateISO3, r.CycleID); err != nil {
		return Version{}, fmt.Errorf("stats: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_stats (state_iso3, cycle_id, cycle_year, norm_id, type, status, public, late, measures)
		SELECT state_iso3, cycle_id, cycle_year, norm_id, type, status, ?, ?, COUNT(*) FROM report_measures WHERE report_id = ? AND version = ?
		GROUP BY state_iso3, cycle_id, cycle_year, norm_id, type, status`, pub, v.Late, r.ID, v.Version); err != nil {
		return Version{}, fmt.Errorf("stats: %w", err)
	}
	// The compendium indexes published measures for search. Its job, named
	// here because this module does not import that one, brings this report
	// into the index at once (or takes it out, when a correction is
	// confidential) instead of at the job's next periodic run.
	// A bulk writer (the demo) runs that sync once for all its reports.
	if queuesSearchSync(ctx) {
		if _, err := jobs.Enqueue(ctx, tx, jobSearchSync, map[string]any{"report_id": r.ID, "version": v.Version},
			jobs.Options{UniqueKey: fmt.Sprintf("%s:%s:%d", jobSearchSync, r.ID, v.Version)}); err != nil {
			return Version{}, err
		}
	}
	return v, audit.Record(ctx, tx, "report.submit", "report", r.ID, map[string]any{"status": r.Status, "version": r.CurrentVersion}, v)
}

// jobSearchSync is the compendium's job (compendium.JobSyncSearch) that
// indexes a report's published measures; it takes {"report_id", "version"}.
const jobSearchSync = "compendium.sync_search"

// unpublish clears the published flags of a report's earlier versions.
func unpublish(ctx context.Context, tx *db.Tx, reportID string) error {
	for _, t := range []string{"report_versions", "report_measures", "report_norm_notes"} {
		if _, err := tx.ExecContext(ctx, `UPDATE `+t+` SET published = FALSE WHERE report_id = ? AND version > 0 AND published = TRUE`, reportID); err != nil {
			return fmt.Errorf("unpublish: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE report_measure_norms SET published = FALSE WHERE published = TRUE AND measure_id IN (SELECT id FROM report_measures WHERE report_id = ? AND version > 0)`, reportID); err != nil {
		return fmt.Errorf("unpublish: %w", err)
	}
	return nil
}

// importTx is the bulk path of the demo generator: it starts a report,
// validates its content, writes it straight as version 1 and submits it,
// with the same rules and one audit entry per step — the draft rows that an
// interactive save would write, then move, are skipped.
func (s *Service) importTx(ctx context.Context, tx *db.Tx, in StartInput, c Content, sub SubmitInput) (Report, error) {
	u := user(ctx)
	if u == nil || u.Role != auth.RoleStateApprover {
		return Report{}, ErrForbidden
	}
	in.CarryForward = false
	r, err := s.startTx(ctx, tx, in)
	if err != nil {
		return Report{}, err
	}
	if err := s.loadNorms(ctx); err != nil {
		return Report{}, err
	}
	if err := s.Validate(&c); err != nil {
		return Report{}, err
	}
	links, err := marshalLinks(c.ILawLinks)
	if err != nil {
		return Report{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET revision = revision + 1, ilaw_summary = ?, ilaw_links_json = ? WHERE id = ?`, c.ILawSummary, links, r.ID); err != nil {
		return Report{}, fmt.Errorf("import report: %w", err)
	}
	if sub.Visibility != Public && sub.Visibility != Confidential {
		return Report{}, invalid("visibility", "must be public or confidential")
	}
	if err := writeRows(ctx, tx, r, 1, sub.Visibility == Public, c); err != nil {
		return Report{}, err
	}
	if err := audit.Record(ctx, tx, "report.save", "report", r.ID, map[string]any{"revision": r.Revision}, map[string]any{"revision": r.Revision + 1, "measures": len(c.Measures), "notes": len(c.Notes)}); err != nil {
		return Report{}, err
	}
	if _, err := s.submitTx(ctx, tx, r.ID, sub, true); err != nil {
		return Report{}, err
	}
	return s.loadReport(ctx, tx, r.ID)
}

// ReopenInput says why a submitted report is reopened.
type ReopenInput struct {
	Note string `json:"note,omitempty"`
}

// Reopen turns a submitted report back into a draft for a correction (State
// approvers of the report's State). The draft starts as a copy of the
// current version, which stays readable and published until the correction
// is submitted as the next version.
func (s *Service) Reopen(ctx context.Context, reportID string, in ReopenInput) (Report, error) {
	var r Report
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if r, err = s.reopenTx(ctx, tx, reportID, in); err != nil {
			return err
		}
		return s.notifyReopened(ctx, tx, r)
	})
	return r, err
}

func (s *Service) reopenTx(ctx context.Context, tx *db.Tx, reportID string, in ReopenInput) (Report, error) {
	u := user(ctx)
	r, err := s.loadReport(ctx, tx, reportID)
	err = func() error {
		if err != nil {
			return err
		}
		if !insider(u, r.StateISO3) {
			return ErrNotFound
		}
		if !u.ActsFor(r.StateISO3) || u.Role != auth.RoleStateApprover {
			return &Problem{Status: http.StatusForbidden, Code: "forbidden", Key: "reporting.err.approver_only", Message: "only an approver of this State may reopen its report"}
		}
		if len(in.Note) > 2000 {
			return invalid("note", "must be at most 2000 characters")
		}
		if r.Status != StatusSubmitted {
			return &Problem{Status: http.StatusConflict, Code: "not_submitted", Key: "reporting.err.not_submitted", Message: "this report is a draft already"}
		}
		now := s.now(ctx)
		suffix := fmt.Sprintf("@%s/r%d", r.ID, r.Revision+1)
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_measures (id, measure_key, report_id, version, state_iso3, cycle_id, cycle_year, norm_id, position, title, description, type, status, measure_date, links_json, other_norms_json, published)
			SELECT measure_key || ?, measure_key, report_id, 0, state_iso3, cycle_id, cycle_year, norm_id, position, title, description, type, status, measure_date, links_json, other_norms_json, FALSE
			FROM report_measures WHERE report_id = ? AND version = ?`, suffix, r.ID, r.CurrentVersion); err != nil {
			return fmt.Errorf("reopen measures: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_measure_norms (measure_id, norm_id, is_primary, published)
			SELECT m.measure_key || ?, mn.norm_id, mn.is_primary, FALSE FROM report_measure_norms mn JOIN report_measures m ON m.id = mn.measure_id WHERE m.report_id = ? AND m.version = ?`, suffix, r.ID, r.CurrentVersion); err != nil {
			return fmt.Errorf("reopen measure norms: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_norm_notes (report_id, version, norm_id, state_iso3, cycle_id, cycle_year, challenges, capacity_gaps, published)
			SELECT report_id, 0, norm_id, state_iso3, cycle_id, cycle_year, challenges, capacity_gaps, FALSE FROM report_norm_notes WHERE report_id = ? AND version = ?`, r.ID, r.CurrentVersion); err != nil {
			return fmt.Errorf("reopen notes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET status = 'draft', handoff = '', handoff_at = NULL, handoff_by_name = '', revision = revision + 1, ilaw_summary = (SELECT ilaw_summary FROM report_versions WHERE report_id = ? AND version = ?),
			ilaw_links_json = (SELECT ilaw_links_json FROM report_versions WHERE report_id = ? AND version = ?), updated_at = ?, updated_by = ?, updated_by_name = ? WHERE id = ?`,
			r.ID, r.CurrentVersion, r.ID, r.CurrentVersion, now, u.ID, u.Name, r.ID); err != nil {
			return fmt.Errorf("reopen: %w", err)
		}
		before := map[string]any{"status": r.Status, "revision": r.Revision}
		r.Status, r.Revision, r.UpdatedAt, r.UpdatedByName = StatusDraft, r.Revision+1, now, u.Name
		r.Handoff, r.HandoffAt, r.HandoffByName = HandoffNone, nil, ""
		return audit.Record(ctx, tx, "report.reopen", "report", r.ID, before, map[string]any{"status": r.Status, "revision": r.Revision, "note": in.Note})
	}()
	return r, err
}

// Versions lists the versions of a report the caller may read, newest
// first.
func (s *Service) Versions(ctx context.Context, reportID string) ([]Version, error) {
	r, err := s.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	q := `SELECT report_id, version, state_iso3, cycle_id, cycle_year, visibility, late, published, note, submitted_at, submitted_by_name FROM report_versions WHERE report_id = ?`
	if !insider(user(ctx), r.StateISO3) {
		q += ` AND visibility = 'public'`
	}
	rows, err := s.P.DB.QueryContext(ctx, q+` ORDER BY version DESC`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		if err := rows.Scan(&v.ReportID, &v.Version, &v.StateISO3, &v.CycleID, &v.CycleYear, &v.Visibility, &v.Late, &v.Published, &v.Note, &v.SubmittedAt, &v.SubmittedByName); err != nil {
			return nil, err
		}
		v.SubmittedAt = v.SubmittedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// View is a report at one version with its content, as the caller may read
// it.
type View struct {
	Report  Report   `json:"report"`
	Version int      `json:"version"` // 0 is the draft
	Meta    *Version `json:"version_info,omitempty"`
	Content Content  `json:"content"`
}

// Open reads a report at a version. version < 0 means the default: the
// draft for the State's own users and the secretariat while it is a draft,
// else the current version; for everyone else the newest public version.
// Drafts and confidential versions are ErrNotFound for outsiders.
func (s *Service) Open(ctx context.Context, reportID string, version int) (View, error) {
	return s.open(ctx, reportID, version, true)
}

// open is Open, reading the measures only when whole (a page of the
// report's view reads its own share of them: loadNormMeasures).
func (s *Service) open(ctx context.Context, reportID string, version int, whole bool) (View, error) {
	view, err := s.view(ctx, reportID, version)
	if err != nil {
		return View{}, err
	}
	if whole {
		view.Content, err = loadContent(ctx, s.P.DB, view.Report.ID, view.Version)
	} else {
		view.Content, err = loadHead(ctx, s.P.DB, view.Report.ID, view.Version)
	}
	if err != nil {
		return View{}, err
	}
	return view, nil
}

// MeasuresPage is a page of at most limit measures of a report at a
// version (who may read which version as for Open), in the report's
// order, after the measure keyed after, only under normID when it is not
// empty; next is the cursor of the page that follows ("" on the last).
func (s *Service) MeasuresPage(ctx context.Context, reportID string, version int, normID, after string, limit int) (ms []Measure, next string, err error) {
	v, err := s.view(ctx, reportID, version)
	if err != nil {
		return nil, "", err
	}
	return loadMeasuresPage(ctx, s.P.DB, v.Report.ID, v.Version, normID, after, limit)
}

// view is a report at a version without its content, once the reader may
// read that version (-1: the default version, as for Open).
func (s *Service) view(ctx context.Context, reportID string, version int) (View, error) {
	r, err := s.Report(ctx, reportID)
	if err != nil {
		return View{}, err
	}
	in := insider(user(ctx), r.StateISO3)
	if version < 0 {
		version = r.CurrentVersion
		if in && r.Status == StatusDraft {
			version = 0
		}
	}
	view := View{Report: r, Version: version}
	if version == 0 {
		if !in || r.Status != StatusDraft {
			return View{}, ErrNotFound
		}
	} else {
		vs, err := s.Versions(ctx, r.ID)
		if err != nil {
			return View{}, err
		}
		for i := range vs {
			if vs[i].Version == version {
				view.Meta = &vs[i]
			}
		}
		if view.Meta == nil {
			return View{}, ErrNotFound
		}
	}
	return view, nil
}

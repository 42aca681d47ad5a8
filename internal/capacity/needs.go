package capacity

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
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// Search kinds of the capacity module in the shared index. Only what
// everyone may see is indexed there (public needs, published offers,
// published projects, events open to the public): the shared index is
// searched by other modules' pages too.
const (
	SearchNeed    = "capacity-need"
	SearchOffer   = "capacity-offer"
	SearchProject = "capacity-project"
	SearchEvent   = "capacity-event"
)

const needCols = `n.id, n.state_iso3, n.region, n.status, n.visibility, n.title, n.description, n.norms, n.pillars, n.topics, n.kinds, n.languages,
	n.starts_on, n.ends_on, n.size, n.report_id, n.report_norm, n.created_at, n.updated_at, n.published_at`

func scanNeed(row interface{ Scan(...any) error }) (Need, error) {
	var n Need
	var norms, pillars, topics, kinds, langs string
	var pub sql.NullTime
	err := row.Scan(&n.ID, &n.State, &n.Region, &n.Status, &n.Visibility, &n.Title, &n.Description, &norms, &pillars, &topics, &kinds, &langs,
		&n.StartsOn, &n.EndsOn, &n.Size, &n.ReportID, &n.ReportNorm, &n.CreatedAt, &n.UpdatedAt, &pub)
	if err != nil {
		return n, err
	}
	n.Norms, n.Pillars, n.Topics, n.Kinds, n.Languages = splitList(norms), splitList(pillars), splitList(topics), splitList(kinds), splitList(langs)
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		n.PublishedAt = &t
	}
	n.StateName = stateName(n.State, "en")
	return n, nil
}

// validateNeed checks a need's input into the fields of n.
func (s *Service) validateNeed(ctx context.Context, in NeedInput, n *Need) error {
	var err error
	if n.Title, err = checkLine("title", in.Title, 3, 200); err != nil {
		return err
	}
	if n.Description, err = checkText("description", in.Description, 10, 20000); err != nil {
		return err
	}
	n.Visibility = strings.TrimSpace(in.Visibility)
	if n.Visibility == "" {
		return invalid("visibility", "is required: public, members or secretariat")
	}
	if !contains(Visibilities, n.Visibility) {
		return invalid("visibility", "must be public, members or secretariat")
	}
	if n.Norms, err = s.checkNorms(ctx, in.Norms); err != nil {
		return err
	}
	if n.Pillars, err = fromList("pillars", in.Pillars, Pillars); err != nil {
		return err
	}
	if n.Topics, err = fromList("topics", in.Topics, Topics); err != nil {
		return err
	}
	if n.Kinds, err = fromList("kinds", in.Kinds, KindsOfHelp); err != nil {
		return err
	}
	if len(n.Kinds) == 0 {
		return invalid("kinds", "name at least one kind of help")
	}
	if len(n.Norms) == 0 && len(n.Topics) == 0 {
		return invalid("norms", "name at least one norm or topic")
	}
	if n.Languages, err = fromList("languages", in.Languages, Languages); err != nil {
		return err
	}
	if len(n.Languages) == 0 {
		return invalid("languages", "name at least one language")
	}
	if n.StartsOn, n.EndsOn, err = checkPeriod("starts_on", in.StartsOn, "ends_on", in.EndsOn); err != nil {
		return err
	}
	n.Size = strings.TrimSpace(in.Size)
	if n.Size != "" && !contains(Sizes, n.Size) {
		return invalid("size", "must be small, medium or large (or empty)")
	}
	return nil
}

// CreateNeed drafts a need for the acting State (editors and approvers).
// With a report and a norm, the need answers that report's capacity gap:
// the gap must be one the user may read.
func (s *Service) CreateNeed(ctx context.Context, in NeedInput) (Need, error) {
	u := auth.UserFrom(ctx)
	if u == nil || !u.Role.IsState() {
		return Need{}, ErrForbidden
	}
	n := Need{ID: id.New(), State: u.StateISO3, Region: regionOf(u.StateISO3), Status: NeedDraft}
	if err := s.validateNeed(ctx, in, &n); err != nil {
		return n, err
	}
	if in.ReportID != "" || in.ReportNorm != "" {
		if s.Gaps == nil {
			return n, invalid("report_id", "reports cannot be read here")
		}
		g, err := s.Gaps.ReportGap(ctx, strings.TrimSpace(in.ReportID), strings.TrimSpace(in.ReportNorm))
		if err != nil || g.State != u.StateISO3 {
			return n, invalid("report_id", "no capacity gap of your State's report under that norm")
		}
		n.ReportID, n.ReportNorm = g.ReportID, g.NormID
		if !contains(n.Norms, g.NormID) {
			n.Norms = append([]string{g.NormID}, n.Norms...)
		}
	}
	now := s.now()
	n.CreatedAt, n.UpdatedAt = now, now
	n.StateName = stateName(n.State, "en")
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_needs (id, state_iso3, region, status, visibility, title, description, norms, pillars, topics, kinds, languages,
			starts_on, ends_on, size, report_id, report_norm, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.State, n.Region, n.Status, n.Visibility, n.Title, n.Description, joinList(n.Norms), joinList(n.Pillars), joinList(n.Topics), joinList(n.Kinds), joinList(n.Languages),
			n.StartsOn, n.EndsOn, n.Size, n.ReportID, n.ReportNorm, u.ID, now, now); err != nil {
			return fmt.Errorf("insert need: %w", err)
		}
		return audit.Record(ctx, tx, "capacity.need.create", "capacity_need", n.ID, nil, needAudit(n))
	})
	return n, err
}

// needAudit is what the audit log keeps of a need: never its text, which
// may be meant for the secretariat only.
func needAudit(n Need) map[string]any {
	return map[string]any{"state": n.State, "status": n.Status, "visibility": n.Visibility, "norms": n.Norms, "kinds": n.Kinds, "report_id": n.ReportID}
}

// loadNeed reads a need without access checks.
func (s *Service) loadNeed(ctx context.Context, q querier, needID string) (Need, error) {
	n, err := scanNeed(q.QueryRowContext(ctx, `SELECT `+needCols+` FROM capacity_needs n WHERE n.id = ?`, needID))
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	return n, err
}

// Need reads one need the acting user may see (ErrNotFound otherwise).
func (s *Service) Need(ctx context.Context, needID string) (Need, error) {
	v := s.viewer(ctx)
	cond, args := v.needFilter()
	n, err := scanNeed(s.P.DB.QueryRowContext(ctx, `SELECT `+needCols+` FROM capacity_needs n WHERE n.id = ? AND `+cond, append([]any{needID}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	return n, err
}

// UpdateNeed changes a need of the acting State that is not closed.
func (s *Service) UpdateNeed(ctx context.Context, needID string, in NeedInput) (Need, error) {
	u := auth.UserFrom(ctx)
	var out Need
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.loadNeed(ctx, tx, needID)
		if err != nil {
			return err
		}
		if !u.ActsFor(n.State) {
			return ErrNotFound
		}
		if n.Status == NeedClosed {
			return conflict("the need is closed")
		}
		before := needAudit(n)
		in.ReportID, in.ReportNorm = "", ""
		if err := s.validateNeed(ctx, in, &n); err != nil {
			return err
		}
		n.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_needs SET visibility = ?, title = ?, description = ?, norms = ?, pillars = ?, topics = ?, kinds = ?, languages = ?,
			starts_on = ?, ends_on = ?, size = ?, updated_at = ? WHERE id = ?`, n.Visibility, n.Title, n.Description, joinList(n.Norms), joinList(n.Pillars), joinList(n.Topics),
			joinList(n.Kinds), joinList(n.Languages), n.StartsOn, n.EndsOn, n.Size, n.UpdatedAt, n.ID); err != nil {
			return err
		}
		if err := s.indexNeed(ctx, tx, n); err != nil {
			return err
		}
		out = n
		return audit.Record(ctx, tx, "capacity.need.update", "capacity_need", n.ID, before, needAudit(n))
	})
	return out, err
}

// PublishNeed publishes a draft need (the State's approver).
func (s *Service) PublishNeed(ctx context.Context, needID string) (Need, error) {
	return s.setNeedStatus(ctx, needID, NeedDraft, NeedPublished, "capacity.need.publish")
}

// CloseNeed closes a published need (the State's approver): it is no longer
// matched.
func (s *Service) CloseNeed(ctx context.Context, needID string) (Need, error) {
	return s.setNeedStatus(ctx, needID, NeedPublished, NeedClosed, "capacity.need.close")
}

func (s *Service) setNeedStatus(ctx context.Context, needID, from, to, action string) (Need, error) {
	u := auth.UserFrom(ctx)
	var out Need
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.loadNeed(ctx, tx, needID)
		if err != nil {
			return err
		}
		if !u.ActsFor(n.State) {
			return ErrNotFound
		}
		if u.Role != auth.RoleStateApprover {
			return ErrForbidden
		}
		if n.Status != from {
			return conflict("the need is %s", n.Status)
		}
		before := needAudit(n)
		now := s.now()
		n.Status, n.UpdatedAt = to, now
		if to == NeedPublished {
			n.PublishedAt = &now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_needs SET status = ?, updated_at = ?, published_at = ? WHERE id = ?`, n.Status, now, n.PublishedAt, n.ID); err != nil {
			return err
		}
		if err := s.indexNeed(ctx, tx, n); err != nil {
			return err
		}
		out = n
		return audit.Record(ctx, tx, action, "capacity_need", n.ID, before, needAudit(n))
	})
	return out, err
}

// indexNeed puts a public published need in the shared search index, and
// takes any other out.
func (s *Service) indexNeed(ctx context.Context, tx *db.Tx, n Need) error {
	if n.Status == NeedDraft || n.Visibility != VisPublic {
		return search.Remove(ctx, tx, SearchNeed, n.ID)
	}
	d := search.Document{Kind: SearchNeed, Ref: n.ID, Lang: "en", Title: n.Title, Body: n.Description, URL: "/capacity/needs/" + n.ID,
		Norms: n.Norms, Status: n.Status, Region: n.Region, State: n.State}
	if len(n.Kinds) > 0 {
		d.Type = n.Kinds[0]
	}
	if n.PublishedAt != nil {
		d.Year = n.PublishedAt.Year()
	}
	return search.Index(ctx, tx, d)
}

// NeedFilter narrows a list of needs.
type NeedFilter struct {
	State    string
	Norm     string
	Topic    string
	Kind     string
	Region   string
	Language string
	Status   string
	Report   string
	Own      bool // only the acting State's needs (drafts included)
	After    string
	Limit    int
	// UpdatedSince keeps the needs changed after it.
	UpdatedSince time.Time
}

// listCond adds the filter's conditions to the visibility condition.
func listCond(f NeedFilter, conds []string, args []any) ([]string, []any) {
	for _, x := range []struct{ col, v string }{{"n.norms", f.Norm}, {"n.topics", f.Topic}, {"n.kinds", f.Kind}, {"n.languages", f.Language}} {
		if x.v != "" {
			conds = append(conds, x.col+" LIKE ?")
			args = append(args, "% "+x.v+" %")
		}
	}
	for _, x := range []struct{ col, v string }{{"n.state_iso3", f.State}, {"n.region", f.Region}, {"n.status", f.Status}, {"n.report_id", f.Report}} {
		if x.v != "" {
			conds = append(conds, x.col+" = ?")
			args = append(args, x.v)
		}
	}
	return conds, args
}

// Needs lists the needs the acting user may see, newest first.
func (s *Service) Needs(ctx context.Context, f NeedFilter) ([]Need, error) {
	return s.needs(ctx, f, needCols, scanNeed)
}

// needBriefCols are the columns a list of needs shows (scanNeedBrief).
const needBriefCols = `n.id, n.state_iso3, n.status, n.title, n.kinds`

// scanNeedBrief reads a need's needBriefCols, leaving its other fields
// empty but the State's name, in English as scanNeed gives it.
func scanNeedBrief(row interface{ Scan(...any) error }) (Need, error) {
	var n Need
	var kinds string
	err := row.Scan(&n.ID, &n.State, &n.Status, &n.Title, &kinds)
	n.Kinds = splitList(kinds)
	n.StateName = stateName(n.State, "en")
	return n, err
}

// needBriefs are Needs with only what the lists show (needBriefCols): the
// pages' lists do not read every need's description, dates and times.
func (s *Service) needBriefs(ctx context.Context, f NeedFilter) ([]Need, error) {
	return s.needs(ctx, f, needBriefCols, scanNeedBrief)
}

func (s *Service) needs(ctx context.Context, f NeedFilter, cols string, scan func(interface{ Scan(...any) error }) (Need, error)) ([]Need, error) {
	v := s.viewer(ctx)
	cond, args := v.needFilter()
	conds := []string{cond}
	if f.Own {
		conds = append(conds, "n.state_iso3 = ?")
		args = append(args, v.state())
	}
	conds, args = listCond(f, conds, args)
	if f.After != "" {
		conds = append(conds, "n.id < ?")
		args = append(args, f.After)
	}
	if !f.UpdatedSince.IsZero() {
		conds = append(conds, "n.updated_at > ?")
		args = append(args, f.UpdatedSince)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+cols+` FROM capacity_needs n WHERE `+strings.Join(conds, " AND ")+` ORDER BY n.id DESC LIMIT `+fmt.Sprint(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list needs: %w", err)
	}
	defer rows.Close()
	out := []Need{}
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CountNeeds counts the needs the acting user may see under the filter.
func (s *Service) CountNeeds(ctx context.Context, f NeedFilter) (int, error) {
	v := s.viewer(ctx)
	cond, args := v.needFilter()
	conds, args := listCond(f, []string{cond}, args)
	var n int
	err := s.P.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM capacity_needs n WHERE `+strings.Join(conds, " AND "), args...).Scan(&n)
	return n, err
}

var _ = time.Time{}

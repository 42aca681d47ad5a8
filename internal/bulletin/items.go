package bulletin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Errors of the item and issue services.
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
)

// StateError is a transition that the current status does not allow.
type StateError struct {
	Reason string
	format string
	args   []any
}

func (e *StateError) Error() string { return e.Reason }

// MessageKey is the reason's catalog key, "reason:" and its English
// format, and the format's arguments (web.Catalog.ErrorText).
func (e *StateError) MessageKey() (string, []any) {
	if e.format == "" {
		return "reason:" + e.Reason, nil
	}
	return "reason:" + e.format, e.args
}

const itemColumns = `i.id, i.kind, i.status, i.title, i.summary, i.body, i.tlp, i.techniques, i.sectors, i.regions, i.states,
	i.norms, i.refs, i.contributor_id, COALESCE(i.org_id, ''), COALESCE(o.name, ''), i.source, i.review_comment,
	i.created_at, i.updated_at, i.submitted_at, i.decided_at`

const itemFrom = ` FROM bulletin_items i LEFT JOIN organisations o ON o.id = i.org_id`

func scanItem(row interface{ Scan(...any) error }) (*Item, error) {
	var it Item
	var tech, sect, reg, st, norms, refs string
	var sub, dec sql.NullTime
	if err := row.Scan(&it.ID, &it.Kind, &it.Status, &it.Title, &it.Summary, &it.Body, &it.TLP, &tech, &sect, &reg, &st,
		&norms, &refs, &it.ContributorID, &it.OrgID, &it.OrgName, &it.Source, &it.ReviewComment,
		&it.CreatedAt, &it.UpdatedAt, &sub, &dec); err != nil {
		return nil, err
	}
	it.Techniques, it.Sectors, it.Regions, it.States, it.Norms = decodeList(tech), decodeList(sect), decodeList(reg), decodeList(st), decodeList(norms)
	it.References = []string{}
	if refs != "" {
		it.References = strings.Split(refs, "\n")
	}
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	if sub.Valid {
		t := sub.Time.UTC()
		it.SubmittedAt = &t
	}
	if dec.Valid {
		t := dec.Time.UTC()
		it.DecidedAt = &t
	}
	return &it, nil
}

// loadItem reads one item with its links, whatever its status.
func loadItem(ctx context.Context, q db.Querier, itemID string) (*Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemColumns+itemFrom+` WHERE i.id = ?`, itemID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load item %s: %w", itemID, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT l.from_id, l.rel, l.to_id, i.title FROM bulletin_item_links l
		JOIN bulletin_items i ON i.id = l.to_id WHERE l.from_id = ? ORDER BY l.rel, l.to_id`, itemID)
	if err != nil {
		return nil, fmt.Errorf("load links of %s: %w", itemID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.From, &l.Rel, &l.To, &l.Title); err != nil {
			return nil, err
		}
		it.Links = append(it.Links, l)
	}
	return it, rows.Err()
}

func (s *Service) normKnown(ctx context.Context) NormExists {
	return func(n string) bool {
		var one int
		return s.DB.QueryRowContext(ctx, `SELECT 1 FROM norms WHERE id = ?`, n).Scan(&one) == nil
	}
}

// CreateItem saves a new draft item for the contributor u.
func (s *Service) CreateItem(ctx context.Context, u *auth.User, in ItemInput) (*Item, error) {
	return s.createItem(ctx, u, in, "web")
}

func (s *Service) createItem(ctx context.Context, u *auth.User, in ItemInput, source string) (*Item, error) {
	if u == nil || u.OrgID == "" {
		return nil, ErrForbidden
	}
	it, err := in.validate(s.normKnown(ctx))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	it.ID, it.Status, it.ContributorID, it.OrgID, it.Source, it.CreatedAt, it.UpdatedAt = id.New(), StatusDraft, u.ID, u.OrgID, source, now, now
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertItem(ctx, tx, &it); err != nil {
			return err
		}
		if err := s.saveLinks(ctx, tx, u, &it); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.item.create", "bulletin_item", it.ID, nil, it)
	})
	if err != nil {
		return nil, err
	}
	return &it, nil
}

func insertItem(ctx context.Context, tx db.Querier, it *Item) error {
	var org any
	if it.OrgID != "" {
		org = it.OrgID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO bulletin_items (id, kind, status, title, summary, body, tlp, techniques, sectors,
		regions, states, norms, refs, contributor_id, org_id, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.Kind, it.Status, it.Title, it.Summary, it.Body, it.TLP, encodeList(it.Techniques), encodeList(it.Sectors),
		encodeList(it.Regions), encodeList(it.States), encodeList(it.Norms), strings.Join(it.References, "\n"),
		it.ContributorID, org, it.Source, it.CreatedAt, it.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert item: %w", err)
	}
	return nil
}

// saveLinks replaces the item's outgoing links, checking that each target
// exists, is readable by u and that the relation fits the kinds.
func (s *Service) saveLinks(ctx context.Context, tx *db.Tx, u *auth.User, it *Item) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM bulletin_item_links WHERE from_id = ?`, it.ID); err != nil {
		return err
	}
	for _, l := range it.Links {
		target, err := loadItem(ctx, tx, l.To)
		if errors.Is(err, ErrNotFound) || err == nil && !canReview(u, target) && !(target.Status == StatusApproved && CanSee(u, target)) {
			return invalid("links", "item %q does not exist", l.To)
		}
		if err != nil {
			return err
		}
		rule := linkRules[l.Rel]
		if !kindIn(it.Kind, rule[0]) || !kindIn(target.Kind, rule[1]) || target.ID == it.ID {
			return invalid("links", "a %s item cannot %q a %s item", it.Kind, l.Rel, target.Kind)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_item_links (from_id, rel, to_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, it.ID, l.Rel, l.To); err != nil {
			return fmt.Errorf("save link: %w", err)
		}
	}
	return nil
}

func kindIn(k Kind, ks []Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// UpdateItem changes a draft (or an item returned for changes).
func (s *Service) UpdateItem(ctx context.Context, u *auth.User, itemID string, in ItemInput) (*Item, error) {
	before, err := loadItem(ctx, s.DB, itemID)
	if err != nil {
		return nil, err
	}
	if !canReview(u, before) {
		return nil, ErrNotFound
	}
	if !canEdit(u, before) {
		return nil, &StateError{Reason: "only a draft, or an item returned for changes, can be edited by its contributor"}
	}
	it, err := in.validate(s.normKnown(ctx))
	if err != nil {
		return nil, err
	}
	it.ID, it.Status, it.ContributorID, it.OrgID, it.Source, it.CreatedAt = before.ID, before.Status, before.ContributorID, before.OrgID, before.Source, before.CreatedAt
	it.UpdatedAt = time.Now().UTC()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE bulletin_items SET kind = ?, title = ?, summary = ?, body = ?, tlp = ?, techniques = ?, sectors = ?,
			regions = ?, states = ?, norms = ?, refs = ?, updated_at = ? WHERE id = ?`,
			it.Kind, it.Title, it.Summary, it.Body, it.TLP, encodeList(it.Techniques), encodeList(it.Sectors), encodeList(it.Regions),
			encodeList(it.States), encodeList(it.Norms), strings.Join(it.References, "\n"), it.UpdatedAt, it.ID)
		if err != nil {
			return fmt.Errorf("update item: %w", err)
		}
		if err := s.saveLinks(ctx, tx, u, &it); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.item.update", "bulletin_item", it.ID, before, it)
	})
	if err != nil {
		return nil, err
	}
	return &it, nil
}

// SubmitItem sends a draft to the secretariat for review.
func (s *Service) SubmitItem(ctx context.Context, u *auth.User, itemID string) error {
	return s.transition(ctx, u, itemID, "submit", "")
}

// Review actions.
const (
	ReviewApprove        = "approve"
	ReviewReject         = "reject"
	ReviewRequestChanges = "request-changes"
)

// ReviewItem records the secretariat's decision on a submitted item and
// emails the contributor.
func (s *Service) ReviewItem(ctx context.Context, u *auth.User, itemID, action, comment string) error {
	if u == nil || u.Role != auth.RoleSecretariat {
		return ErrForbidden
	}
	switch action {
	case ReviewApprove, ReviewReject, ReviewRequestChanges:
	default:
		return invalid("action", "must be approve, reject or request-changes")
	}
	comment = strings.TrimSpace(comment)
	if action != ReviewApprove && comment == "" {
		return invalid("comment", "say why, so the contributor can act on it")
	}
	if len(comment) > 10000 {
		return invalid("comment", "is at most 10,000 characters")
	}
	return s.transition(ctx, u, itemID, action, comment)
}

// actionKeys are the catalog keys of the actions, as the item page's
// buttons name them, for a refusal to say which was refused.
var actionKeys = map[string]string{"submit": "bulletin.submit", ReviewApprove: "bulletin.approve", ReviewReject: "bulletin.reject", ReviewRequestChanges: "bulletin.request_changes"}

var transitions = map[string]struct {
	from []string
	to   string
}{
	"submit":             {[]string{StatusDraft, StatusChangesRequested}, StatusSubmitted},
	ReviewApprove:        {[]string{StatusSubmitted}, StatusApproved},
	ReviewReject:         {[]string{StatusSubmitted}, StatusRejected},
	ReviewRequestChanges: {[]string{StatusSubmitted}, StatusChangesRequested},
}

func (s *Service) transition(ctx context.Context, u *auth.User, itemID, action, comment string) error {
	tr := transitions[action]
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := loadItem(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if !canReview(u, before) {
			return ErrNotFound
		}
		if action == "submit" && !sameOwner(u, before) {
			return ErrForbidden
		}
		if !kindInStr(before.Status, tr.from) {
			return &StateError{Reason: fmt.Sprintf("an item that is %s cannot be given %q", before.Status, action), format: "an item that is %s cannot be given %q",
				args: []any{web.Msg{English: before.Status, Key: "bulletin.status." + before.Status}, web.Msg{English: action, Key: actionKeys[action]}}}
		}
		now := time.Now().UTC()
		after := *before
		after.Status, after.UpdatedAt = tr.to, now
		if action == "submit" {
			after.SubmittedAt = &now
			_, err = tx.ExecContext(ctx, `UPDATE bulletin_items SET status = ?, updated_at = ?, submitted_at = ? WHERE id = ? AND status = ?`, tr.to, now, now, itemID, before.Status)
		} else {
			after.DecidedAt, after.ReviewComment = &now, comment
			_, err = tx.ExecContext(ctx, `UPDATE bulletin_items SET status = ?, updated_at = ?, decided_at = ?, review_comment = ? WHERE id = ? AND status = ?`, tr.to, now, now, comment, itemID, before.Status)
		}
		if err != nil {
			return fmt.Errorf("%s item: %w", action, err)
		}
		actor := ""
		if u != nil {
			actor = u.ID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_reviews (id, item_id, actor_id, action, comment, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id.New(), itemID, actor, action, comment, now); err != nil {
			return fmt.Errorf("record review: %w", err)
		}
		if err := s.notifyContributor(ctx, tx, &after, action, comment); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.item."+action, "bulletin_item", itemID, map[string]string{"status": before.Status}, map[string]string{"status": tr.to, "comment": comment})
	})
}

func kindInStr(s string, l []string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// notifyContributor emails the contributor about each step of the review.
func (s *Service) notifyContributor(ctx context.Context, tx *db.Tx, it *Item, action, comment string) error {
	to, err := platform.Accounts(ctx, tx, `id = ?`, it.ContributorID)
	if err != nil {
		return fmt.Errorf("contributor of %s: %w", it.ID, err)
	}
	return s.QueueLetter(ctx, tx, to, func(_ string, T platform.Tr) (string, string) {
		text := T("bulletin.mail.review_"+action, it.Title) + "\n\n"
		if comment != "" {
			text += T("bulletin.mail.comment") + "\n\n" + comment + "\n\n"
		}
		return T("bulletin.mail.review_subject_"+action, it.Title), text + s.Link("/bulletin/items/"+it.ID) + "\n"
	})
}

// ItemFor returns an item for u: its owners and the secretariat see it at
// any status; everyone else only once approved and published in an issue,
// and only as CanSee allows. Anything else is ErrNotFound.
func (s *Service) ItemFor(ctx context.Context, u *auth.User, itemID string) (*Item, error) {
	it, err := loadItem(ctx, s.DB, itemID)
	if err != nil {
		return nil, err
	}
	if canReview(u, it) {
		return it, nil
	}
	if it.Status != StatusApproved || !CanSee(u, it) {
		return nil, ErrNotFound
	}
	var one int
	err = s.DB.QueryRowContext(ctx, `SELECT 1 FROM bulletin_issue_items ii JOIN bulletin_issues s ON s.id = ii.issue_id
		WHERE ii.item_id = ? AND s.status = ? LIMIT 1`, itemID, IssuePublished).Scan(&one)
	if err != nil {
		return nil, ErrNotFound
	}
	it.Links = s.visibleLinks(ctx, u, it.Links)
	return it, nil
}

// visibleLinks drops links to items u may not see.
func (s *Service) visibleLinks(ctx context.Context, u *auth.User, links []Link) []Link {
	var out []Link
	for _, l := range links {
		t, err := loadItem(ctx, s.DB, l.To)
		if err == nil && t.Status == StatusApproved && CanSee(u, t) {
			out = append(out, l)
		}
	}
	return out
}

// ItemFilter narrows the archive.
type ItemFilter struct {
	Q         string
	Kind      string
	Technique string
	Sector    string
	Region    string
	Quarter   string // "2026 Q4"
	After     string // cursor: item id
	Limit     int
	// UpdatedSince keeps the items of issues published after it.
	UpdatedSince time.Time
}

// PublishedItems lists the items of published issues that u may see,
// newest first.
func (s *Service) PublishedItems(ctx context.Context, u *auth.User, f ItemFilter) ([]*Item, error) {
	where, args := publishedWhere(u, f)
	rows, err := s.DB.QueryContext(ctx, `SELECT `+itemColumns+itemFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list published items: %w", err)
	}
	return collectItems(rows)
}

// archiveColumns are what the archive's cards show of an item (itemRow):
// not its body, lists of sectors, regions, States and norms, references or
// dates, which the archive read and decoded for every card (issue 20).
const archiveColumns = `i.id, i.kind, i.title, i.summary, i.tlp, i.techniques, COALESCE(o.name, '')`

// archiveItems is PublishedItems with only the fields of archiveColumns
// filled in.
func (s *Service) archiveItems(ctx context.Context, u *auth.User, f ItemFilter) ([]*Item, error) {
	where, args := publishedWhere(u, f)
	rows, err := s.DB.QueryContext(ctx, `SELECT `+archiveColumns+itemFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list published items: %w", err)
	}
	defer rows.Close()
	var out []*Item
	for rows.Next() {
		var it Item
		var tech string
		if err := rows.Scan(&it.ID, &it.Kind, &it.Title, &it.Summary, &it.TLP, &tech, &it.OrgName); err != nil {
			return nil, err
		}
		it.Techniques = decodeList(tech)
		out = append(out, &it)
	}
	return out, rows.Err()
}

// publishedWhere is the WHERE, ORDER BY and LIMIT clauses of
// PublishedItems, with their arguments.
func publishedWhere(u *auth.User, f ItemFilter) (string, []any) {
	aud, args := audienceFilter(u)
	where := []string{"i.status = 'approved'", aud, `EXISTS (SELECT 1 FROM bulletin_issue_items ii JOIN bulletin_issues s ON s.id = ii.issue_id
		WHERE ii.item_id = i.id AND s.status = 'published'` + quarterCond(f.Quarter, &args) + sinceCond(f.UpdatedSince, &args) + `)`}
	if f.Kind != "" {
		where, args = append(where, "i.kind = ?"), append(args, f.Kind)
	}
	if f.Technique != "" {
		where, args = append(where, "i.techniques LIKE ?"), append(args, "%,"+strings.ToUpper(strings.TrimSpace(f.Technique))+"%")
	}
	if f.Sector != "" {
		where, args = append(where, "i.sectors LIKE ?"), append(args, "%,"+f.Sector+",%")
	}
	if f.Region != "" {
		where, args = append(where, "i.regions LIKE ?"), append(args, "%,"+f.Region+",%")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.ToLower(q) + "%"
		where, args = append(where, "(LOWER(i.title) LIKE ? OR LOWER(i.summary) LIKE ? OR LOWER(i.body) LIKE ?)"), append(args, like, like, like)
	}
	if f.After != "" {
		where, args = append(where, "i.id < ?"), append(args, f.After)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return ` WHERE ` + strings.Join(where, " AND ") + fmt.Sprintf(` ORDER BY i.id DESC LIMIT %d`, limit), args
}

func sinceCond(t time.Time, args *[]any) string {
	if t.IsZero() {
		return ""
	}
	*args = append(*args, t)
	return " AND s.published_at > ?"
}

func quarterCond(q string, args *[]any) string {
	if q == "" {
		return ""
	}
	y, n, err := ParseQuarter(q)
	if err != nil {
		return " AND 1 = 0"
	}
	*args = append(*args, y, n)
	return " AND s.year = ? AND s.quarter = ?"
}

func collectItems(rows *sql.Rows) ([]*Item, error) {
	defer rows.Close()
	var out []*Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// MyItems lists the items of u's organisation, newest first.
func (s *Service) MyItems(ctx context.Context, u *auth.User) ([]*Item, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+itemColumns+itemFrom+` WHERE i.contributor_id = ? OR (i.org_id = ? AND i.org_id <> '') ORDER BY i.id DESC LIMIT 500`, u.ID, u.OrgID)
	if err != nil {
		return nil, fmt.Errorf("my items: %w", err)
	}
	return collectItems(rows)
}

// ItemsByStatus lists items in a status for the secretariat, oldest first.
func (s *Service) ItemsByStatus(ctx context.Context, status string) ([]*Item, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+itemColumns+itemFrom+` WHERE i.status = ? ORDER BY i.updated_at, i.id LIMIT 1000`, status)
	if err != nil {
		return nil, fmt.Errorf("items %s: %w", status, err)
	}
	return collectItems(rows)
}

// Reviews is an item's review history.
type Review struct {
	Action  string    `json:"action"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// Reviews returns the review history of an item u may review.
func (s *Service) Reviews(ctx context.Context, itemID string) ([]Review, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT action, comment, at FROM bulletin_reviews WHERE item_id = ? ORDER BY at, id`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.Action, &r.Comment, &r.At); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// tlpOf parses a stored label.
func tlpOf(s string) stix.TLP { return stix.TLP(s) }

package bulletin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Service holds the bulletin's rules; HTML and JSON handlers, the TAXII
// server, the sending jobs and the demo generator all call it.
type Service struct {
	*platform.Services
	// SendWorkers is how many goroutines render and send an issue in
	// parallel (default 8).
	SendWorkers int
	// SendBatch is how many deliveries are claimed at a time (default 200).
	SendBatch int
	// SendSlice bounds how long one sending job runs before it hands over
	// to a continuation job, so it never outlives its job lease.
	SendSlice time.Duration

	mails *mailRenderer
}

const issueColumns = `id, slug, year, quarter, revision, title, foreword, section_order, status, COALESCE(supersedes_id, ''), created_at, updated_at, published_at`

func scanIssue(row interface{ Scan(...any) error }) (*Issue, error) {
	var is Issue
	var sections string
	var pub sql.NullTime
	if err := row.Scan(&is.ID, &is.Slug, &is.Year, &is.Quarter, &is.Revision, &is.Title, &is.Foreword, &sections, &is.Status,
		&is.SupersedesID, &is.CreatedAt, &is.UpdatedAt, &pub); err != nil {
		return nil, err
	}
	is.Sections, _ = parseSections(sections)
	is.CreatedAt, is.UpdatedAt = is.CreatedAt.UTC(), is.UpdatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		is.PublishedAt = &t
	}
	return &is, nil
}

func loadIssue(ctx context.Context, q db.Querier, key string) (*Issue, error) {
	is, err := scanIssue(q.QueryRowContext(ctx, `SELECT `+issueColumns+` FROM bulletin_issues WHERE id = ? OR slug = ?`, key, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load issue %s: %w", key, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT item_id FROM bulletin_issue_items WHERE issue_id = ? ORDER BY position`, is.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	is.ItemIDs = []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		is.ItemIDs = append(is.ItemIDs, s)
	}
	return is, rows.Err()
}

// IssueInput is what the editor writes.
type IssueInput struct {
	Quarter  string   `json:"quarter"`
	Title    string   `json:"title"`
	Foreword string   `json:"foreword"`
	Sections string   `json:"sections"`
	ItemIDs  []string `json:"item_ids"`
}

func checkIssueText(in *IssueInput) error {
	in.Title, in.Foreword = strings.TrimSpace(in.Title), strings.TrimSpace(in.Foreword)
	if utf8.RuneCountInString(in.Title) > 200 || !utf8.ValidString(in.Title) {
		return invalid("title", "is at most 200 characters")
	}
	if utf8.RuneCountInString(in.Foreword) > 20000 || !utf8.ValidString(in.Foreword) {
		return invalid("foreword", "is at most 20,000 characters")
	}
	return nil
}

// CreateIssue starts a draft issue for a quarter.
func (s *Service) CreateIssue(ctx context.Context, u *auth.User, in IssueInput) (*Issue, error) {
	if u == nil || u.Role != auth.RoleSecretariat {
		return nil, ErrForbidden
	}
	y, q, err := ParseQuarter(in.Quarter)
	if err != nil {
		return nil, err
	}
	if err := checkIssueText(&in); err != nil {
		return nil, err
	}
	sections, err := parseSections(in.Sections)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	is := &Issue{ID: id.New(), Slug: fmt.Sprintf("%d-q%d", y, q), Year: y, Quarter: q, Revision: 1, Title: in.Title, Foreword: in.Foreword,
		Sections: sections, Status: IssueDraft, CreatedAt: now, UpdatedAt: now, ItemIDs: []string{}}
	if is.Title == "" {
		is.Title = fmt.Sprintf("Threat-intelligence bulletin, %d Q%d", y, q)
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertIssue(ctx, tx, is); err != nil {
			return err
		}
		if len(in.ItemIDs) > 0 {
			if err := setIssueItems(ctx, tx, is, in.ItemIDs); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "bulletin.issue.create", "bulletin_issue", is.ID, nil, is)
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			return nil, invalid("quarter", "an issue for %d Q%d already exists; publish a correction instead", y, q)
		}
		return nil, err
	}
	return is, nil
}

func insertIssue(ctx context.Context, tx *db.Tx, is *Issue) error {
	var sup any
	if is.SupersedesID != "" {
		sup = is.SupersedesID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO bulletin_issues (id, slug, year, quarter, revision, title, foreword, section_order, status, supersedes_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, is.ID, is.Slug, is.Year, is.Quarter, is.Revision, is.Title, is.Foreword,
		sectionsString(is.Sections), is.Status, sup, is.CreatedAt, is.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert issue: %w", err)
	}
	return nil
}

// setIssueItems replaces the issue's items; each must be approved and never
// TLP:RED, since an issue is a shared channel.
func setIssueItems(ctx context.Context, tx *db.Tx, is *Issue, itemIDs []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM bulletin_issue_items WHERE issue_id = ?`, is.ID); err != nil {
		return err
	}
	is.ItemIDs = []string{}
	seen := map[string]bool{}
	for i, itemID := range itemIDs {
		if seen[itemID] {
			continue
		}
		seen[itemID] = true
		it, err := loadItem(ctx, tx, itemID)
		if errors.Is(err, ErrNotFound) {
			return invalid("item_ids", "item %q does not exist", itemID)
		}
		if err != nil {
			return err
		}
		if it.Status != StatusApproved {
			return invalid("item_ids", "item %q is %s; only approved items go into an issue", itemID, it.Status)
		}
		if it.TLP == "red" {
			return invalid("item_ids", "item %q is TLP:RED, which is never published on a shared channel", itemID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_issue_items (issue_id, item_id, position) VALUES (?, ?, ?)`, is.ID, itemID, i); err != nil {
			return fmt.Errorf("add item to issue: %w", err)
		}
		is.ItemIDs = append(is.ItemIDs, itemID)
	}
	return nil
}

// UpdateIssue changes a draft issue's text, section order and items.
func (s *Service) UpdateIssue(ctx context.Context, u *auth.User, issueID string, in IssueInput) (*Issue, error) {
	if u == nil || u.Role != auth.RoleSecretariat {
		return nil, ErrForbidden
	}
	if err := checkIssueText(&in); err != nil {
		return nil, err
	}
	sections, err := parseSections(in.Sections)
	if err != nil {
		return nil, err
	}
	// Every accepted field is applied or refused: the quarter names the
	// issue (its slug), so it may be repeated but not changed.
	qy, qq := 0, 0
	if in.Quarter != "" {
		if qy, qq, err = ParseQuarter(in.Quarter); err != nil {
			return nil, err
		}
	}
	var after *Issue
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := loadIssue(ctx, tx, issueID)
		if err != nil {
			return err
		}
		if before.Status != IssueDraft {
			return &StateError{Reason: "a published issue cannot change; publish a correction"}
		}
		if in.Quarter != "" && (qy != before.Year || qq != before.Quarter) {
			return invalid("quarter", "cannot change once the issue is started; start a new issue for another quarter")
		}
		a := *before
		if in.Title != "" {
			a.Title = in.Title
		}
		a.Foreword, a.Sections, a.UpdatedAt = in.Foreword, sections, time.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE bulletin_issues SET title = ?, foreword = ?, section_order = ?, updated_at = ? WHERE id = ? AND status = ?`,
			a.Title, a.Foreword, sectionsString(a.Sections), a.UpdatedAt, a.ID, IssueDraft); err != nil {
			return fmt.Errorf("update issue: %w", err)
		}
		if err := setIssueItems(ctx, tx, &a, in.ItemIDs); err != nil {
			return err
		}
		after = &a
		return audit.Record(ctx, tx, "bulletin.issue.update", "bulletin_issue", a.ID, before, a)
	})
	return after, err
}

// PublishIssue makes a draft issue public and immutable, and puts its
// objects in the TAXII collections. A correction supersedes its original.
func (s *Service) PublishIssue(ctx context.Context, u *auth.User, issueID string) (*Issue, error) {
	if u == nil || u.Role != auth.RoleSecretariat {
		return nil, ErrForbidden
	}
	var out *Issue
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		is, err := loadIssue(ctx, tx, issueID)
		if err != nil {
			return err
		}
		if is.Status != IssueDraft {
			return &StateError{Reason: "the issue is already published"}
		}
		if len(is.ItemIDs) == 0 {
			return invalid("item_ids", "an issue needs at least one approved item")
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		if _, err := tx.ExecContext(ctx, `UPDATE bulletin_issues SET status = ?, published_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			IssuePublished, now, now, is.ID, IssueDraft); err != nil {
			return fmt.Errorf("publish issue: %w", err)
		}
		is.Status, is.PublishedAt, is.UpdatedAt = IssuePublished, &now, now
		if err := s.addToTAXII(ctx, tx, is, now); err != nil {
			return err
		}
		out = is
		return audit.Record(ctx, tx, "bulletin.issue.publish", "bulletin_issue", is.ID, map[string]string{"status": IssueDraft}, map[string]any{"status": IssuePublished, "items": is.ItemIDs})
	})
	return out, err
}

// CorrectIssue starts a correction of a published issue: a new draft with
// the next revision number, the same items and text, linked to it.
func (s *Service) CorrectIssue(ctx context.Context, u *auth.User, issueID string) (*Issue, error) {
	if u == nil || u.Role != auth.RoleSecretariat {
		return nil, ErrForbidden
	}
	var out *Issue
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		orig, err := loadIssue(ctx, tx, issueID)
		if err != nil {
			return err
		}
		if orig.Status != IssuePublished {
			return &StateError{Reason: "only a published issue is corrected; edit the draft instead"}
		}
		var maxRev int
		if err := tx.QueryRowContext(ctx, `SELECT MAX(revision) FROM bulletin_issues WHERE year = ? AND quarter = ?`, orig.Year, orig.Quarter).Scan(&maxRev); err != nil {
			return err
		}
		if maxRev > orig.Revision {
			return &StateError{Reason: "this issue already has a later revision"}
		}
		now := time.Now().UTC()
		is := *orig
		is.ID, is.Revision, is.Status, is.SupersedesID, is.CreatedAt, is.UpdatedAt, is.PublishedAt = id.New(), orig.Revision+1, IssueDraft, orig.ID, now, now, nil
		is.Slug = fmt.Sprintf("%d-q%d-r%d", is.Year, is.Quarter, is.Revision)
		if err := insertIssue(ctx, tx, &is); err != nil {
			return err
		}
		for i, itemID := range orig.ItemIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_issue_items (issue_id, item_id, position) VALUES (?, ?, ?)`, is.ID, itemID, i); err != nil {
				return err
			}
		}
		out = &is
		return audit.Record(ctx, tx, "bulletin.issue.correct", "bulletin_issue", is.ID, map[string]string{"supersedes": orig.ID}, is)
	})
	return out, err
}

// IssueFor returns an issue as u may see it: drafts only to the
// secretariat.
func (s *Service) IssueFor(ctx context.Context, u *auth.User, key string) (*Issue, error) {
	is, err := loadIssue(ctx, s.DB, key)
	if err != nil {
		return nil, err
	}
	if is.Status != IssuePublished && (u == nil || u.Role != auth.RoleSecretariat) {
		return nil, ErrNotFound
	}
	return is, nil
}

// Issues lists issues, newest first: published ones, and drafts too when
// drafts is set (the editor's list).
func (s *Service) Issues(ctx context.Context, drafts bool) ([]*Issue, error) {
	where := ` WHERE status = 'published'`
	if drafts {
		where = ""
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+issueColumns+` FROM bulletin_issues`+where+` ORDER BY year DESC, quarter DESC, revision DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	defer rows.Close()
	var out []*Issue
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, is)
	}
	return out, rows.Err()
}

// issueLink is a published issue as the archive lists it.
type issueLink struct {
	Slug, Title string
	Year        int
	Quarter     int
	Revision    int
	PublishedAt time.Time
}

// issueLinks lists the published issues as Issues(ctx, false) does, with
// only what the archive shows of them (not their foreword, sections and
// four timestamps).
func (s *Service) issueLinks(ctx context.Context) ([]issueLink, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT slug, year, quarter, revision, title, published_at FROM bulletin_issues
		WHERE status = 'published' ORDER BY year DESC, quarter DESC, revision DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	defer rows.Close()
	var out []issueLink
	for rows.Next() {
		var l issueLink
		var pub sql.NullTime
		if err := rows.Scan(&l.Slug, &l.Year, &l.Quarter, &l.Revision, &l.Title, &pub); err != nil {
			return nil, err
		}
		if pub.Valid {
			l.PublishedAt = pub.Time
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Section is one kind's items in an issue.
type Section struct {
	Kind  Kind
	Items []*Item
}

// IssueContent is an issue with the items one audience may see, grouped
// into its sections in order.
type IssueContent struct {
	Issue      *Issue
	Sections   []Section
	Superseded *Issue // a later published revision, if any
}

// Content groups the issue's items that u may see (or, for the list email,
// the TLP:CLEAR items only: pass nil).
func (s *Service) Content(ctx context.Context, u *auth.User, is *Issue) (*IssueContent, error) {
	byKind := map[Kind][]*Item{}
	for _, itemID := range is.ItemIDs {
		it, err := loadItem(ctx, s.DB, itemID)
		if err != nil {
			return nil, err
		}
		if !CanSee(u, it) {
			continue
		}
		it.Links = s.visibleLinks(ctx, u, it.Links)
		byKind[it.Kind] = append(byKind[it.Kind], it)
	}
	c := &IssueContent{Issue: is}
	for _, k := range is.Sections {
		if len(byKind[k]) > 0 {
			c.Sections = append(c.Sections, Section{Kind: k, Items: byKind[k]})
		}
	}
	var laterID string
	err := s.DB.QueryRowContext(ctx, `SELECT id FROM bulletin_issues WHERE supersedes_id = ? AND status = 'published'`, is.ID).Scan(&laterID)
	if err == nil {
		c.Superseded, _ = loadIssue(ctx, s.DB, laterID)
	}
	return c, nil
}

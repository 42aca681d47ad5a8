package contacts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Service holds the rules of the directory, the rounds and the requests.
// HTML and JSON handlers call the same methods.
type Service struct {
	Svc *platform.Services
	DB  *db.DB
	// Now is the clock; tests move it.
	Now func() time.Time
	// coverage and rounds are what the public pages read of every State
	// and every round, kept until something is written (audit.Kept).
	coverage audit.Kept[map[string]Coverage]
	rounds   audit.Kept[keptRounds]
}

// NewService returns the service over the platform's services.
func NewService(ps *platform.Services) *Service {
	return &Service{Svc: ps, DB: ps.DB, Now: now}
}

// SeesDetails reports whether u may see contact details: State users and
// the secretariat, nobody else.
func SeesDetails(u *auth.User) bool {
	return u != nil && (u.Role == auth.RoleSecretariat || u.Role.IsState())
}

func knownState(iso3 string) (states.State, error) {
	s, ok := states.ByISO3(strings.ToUpper(iso3))
	if !ok || len(iso3) != 3 {
		return s, ErrNotFound
	}
	return s, nil
}

const entryCols = `id, state_iso3, kind, status, COALESCE(replaces, ''), name, function, organisation, email, phone, languages, hours, time_zone, secure_notes, drafted_at, confirmed_at, ended_at`

func scanEntry(row interface{ Scan(...any) error }) (Contact, error) {
	var c Contact
	var langs string
	err := row.Scan(&c.ID, &c.StateISO3, &c.Kind, &c.Status, &c.Replaces, &c.Name, &c.Function, &c.Organisation, &c.Email, &c.Phone, &langs, &c.Hours, &c.TimeZone, &c.SecureNotes, &c.DraftedAt, &c.ConfirmedAt, &c.EndedAt)
	c.Languages = []string{}
	if langs != "" {
		c.Languages = strings.Split(langs, ",")
	}
	return c, err
}

func (s *Service) entries(ctx context.Context, q db.Querier, where string, args ...any) ([]Contact, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM contacts_entries WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		c, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) entry(ctx context.Context, q db.Querier, entryID string) (Contact, error) {
	c, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryCols+` FROM contacts_entries WHERE id = ?`, entryID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// Directory is a State's contacts as the caller may see them.
type Directory struct {
	State  string    `json:"state"`
	Active []Contact `json:"active"`
	// Drafts are the State's own unconfirmed changes: shown to its own users only.
	Drafts []Contact `json:"drafts"`
	// History is every earlier version, dated.
	History []Contact `json:"history"`
}

// StateDirectory returns a State's contacts for a State user or the
// secretariat; anyone else gets ErrNotFound, as if there were none.
func (s *Service) StateDirectory(ctx context.Context, iso3 string) (Directory, error) {
	u := auth.UserFrom(ctx)
	st, err := knownState(iso3)
	if err != nil || !SeesDetails(u) {
		return Directory{}, ErrNotFound
	}
	d := Directory{State: st.ISO3, Drafts: []Contact{}, History: []Contact{}}
	if d.Active, err = s.entries(ctx, s.DB, `state_iso3 = ? AND status = ? ORDER BY kind, confirmed_at`, st.ISO3, StatusActive); err != nil {
		return d, err
	}
	if u.ActsFor(st.ISO3) {
		if d.Drafts, err = s.entries(ctx, s.DB, `state_iso3 = ? AND status = ? ORDER BY drafted_at`, st.ISO3, StatusDraft); err != nil {
			return d, err
		}
	}
	d.History, err = s.entries(ctx, s.DB, `state_iso3 = ? AND status IN (?, ?) ORDER BY ended_at DESC`, st.ISO3, StatusReplaced, StatusRetired)
	return d, err
}

// auditView is what the audit log keeps of a contact: what changed and
// when, not the person's details.
type auditView struct {
	State   string `json:"state"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Replace string `json:"replaces,omitempty"`
}

func viewOf(c Contact) auditView {
	return auditView{State: c.StateISO3, Kind: c.Kind, Status: c.Status, Replace: c.Replaces}
}

// Draft saves a new contact or a change to an active one as a draft of the
// caller's own State. An approver's draft is confirmed at once.
func (s *Service) Draft(ctx context.Context, iso3 string, in ContactInput) (Contact, error) {
	u := auth.UserFrom(ctx)
	st, err := knownState(iso3)
	if err != nil {
		return Contact{}, err
	}
	if !u.ActsFor(st.ISO3) {
		return Contact{}, ErrNotFound
	}
	if err := in.validate(); err != nil {
		return Contact{}, err
	}
	at := s.Now()
	c := Contact{ID: id.New(), StateISO3: st.ISO3, Kind: in.Kind, Status: StatusDraft, Replaces: in.Replaces, Name: in.Name, Function: in.Function,
		Organisation: in.Organisation, Email: in.Email, Phone: in.Phone, Languages: in.Languages, Hours: in.Hours, TimeZone: in.TimeZone, SecureNotes: in.SecureNotes, DraftedAt: at}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if in.Replaces != "" {
			old, err := s.entry(ctx, tx, in.Replaces)
			if errors.Is(err, ErrNotFound) || err == nil && old.StateISO3 != st.ISO3 {
				return invalid("replaces", "is not a contact of this State")
			}
			if err != nil {
				return err
			}
			if old.Status != StatusActive {
				return conflict("replaces", "that contact is no longer current; edit the current one")
			}
		}
		var replaces any
		if c.Replaces != "" {
			replaces = c.Replaces
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_entries (id, state_iso3, kind, status, replaces, name, function, organisation, email, phone, languages, hours, time_zone, secure_notes, drafted_by, drafted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.StateISO3, c.Kind, c.Status, replaces, c.Name, c.Function, c.Organisation, c.Email, c.Phone,
			strings.Join(c.Languages, ","), c.Hours, c.TimeZone, c.SecureNotes, u.ID, at); err != nil {
			return fmt.Errorf("insert contact: %w", err)
		}
		if err := audit.Record(ctx, tx, "contact.draft", "contact", c.ID, nil, viewOf(c)); err != nil {
			return err
		}
		if u.Role == auth.RoleStateApprover {
			return s.confirmTx(ctx, tx, u, &c, at)
		}
		return s.notifyApprovers(ctx, tx, st.ISO3, c)
	})
	return c, err
}

// Confirm makes a draft of the approver's own State the current contact,
// replacing the one it changes.
func (s *Service) Confirm(ctx context.Context, entryID string) (Contact, error) {
	u := auth.UserFrom(ctx)
	var c Contact
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = s.entry(ctx, tx, entryID); err != nil {
			return err
		}
		if !u.ActsFor(c.StateISO3) {
			return ErrNotFound
		}
		if u.Role != auth.RoleStateApprover {
			return ErrForbidden
		}
		if c.Status != StatusDraft {
			return conflict("status", "only a draft can be confirmed; this contact is "+c.Status)
		}
		return s.confirmTx(ctx, tx, u, &c, s.Now())
	})
	return c, err
}

func (s *Service) confirmTx(ctx context.Context, tx *db.Tx, u *auth.User, c *Contact, at time.Time) error {
	before := viewOf(*c)
	if c.Replaces != "" {
		res, err := tx.ExecContext(ctx, `UPDATE contacts_entries SET status = ?, ended_at = ? WHERE id = ? AND status = ?`, StatusReplaced, at, c.Replaces, StatusActive)
		if err != nil {
			return fmt.Errorf("replace contact: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return conflict("replaces", "the contact this draft changes is no longer current")
		}
		if err := audit.Record(ctx, tx, "contact.replace", "contact", c.Replaces, map[string]string{"status": StatusActive}, map[string]string{"status": StatusReplaced, "by": c.ID}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE contacts_entries SET status = ?, confirmed_by = ?, confirmed_at = ? WHERE id = ?`, StatusActive, u.ID, at, c.ID); err != nil {
		return fmt.Errorf("confirm contact: %w", err)
	}
	c.Status, c.ConfirmedAt = StatusActive, &at
	if err := audit.Record(ctx, tx, "contact.confirm", "contact", c.ID, before, viewOf(*c)); err != nil {
		return err
	}
	if err := s.syncCoverage(ctx, tx, c.StateISO3, at); err != nil {
		return err
	}
	return s.tellSecretariat(ctx, tx, c.StateISO3, "confirmed", *c, at)
}

// Discard drops a draft of the caller's own State.
func (s *Service) Discard(ctx context.Context, entryID string) (Contact, error) {
	u := auth.UserFrom(ctx)
	var c Contact
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = s.entry(ctx, tx, entryID); err != nil {
			return err
		}
		if !u.ActsFor(c.StateISO3) {
			return ErrNotFound
		}
		if c.Status != StatusDraft {
			return conflict("status", "only a draft can be discarded; this contact is "+c.Status)
		}
		at := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE contacts_entries SET status = ?, ended_at = ? WHERE id = ?`, StatusDiscarded, at, c.ID); err != nil {
			return err
		}
		before := viewOf(c)
		c.Status, c.EndedAt = StatusDiscarded, &at
		return audit.Record(ctx, tx, "contact.discard", "contact", c.ID, before, viewOf(c))
	})
	return c, err
}

// Retire ends an active contact of the approver's own State.
func (s *Service) Retire(ctx context.Context, entryID string) (Contact, error) {
	u := auth.UserFrom(ctx)
	var c Contact
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = s.entry(ctx, tx, entryID); err != nil {
			return err
		}
		if !u.ActsFor(c.StateISO3) {
			return ErrNotFound
		}
		if u.Role != auth.RoleStateApprover {
			return ErrForbidden
		}
		if c.Status != StatusActive {
			return conflict("status", "only a current contact can be retired; this contact is "+c.Status)
		}
		at := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE contacts_entries SET status = ?, ended_at = ? WHERE id = ?`, StatusRetired, at, c.ID); err != nil {
			return err
		}
		before := viewOf(c)
		c.Status, c.EndedAt = StatusRetired, &at
		if err := audit.Record(ctx, tx, "contact.retire", "contact", c.ID, before, viewOf(c)); err != nil {
			return err
		}
		if err := s.syncCoverage(ctx, tx, c.StateISO3, at); err != nil {
			return err
		}
		return s.tellSecretariat(ctx, tx, c.StateISO3, "retired", c, at)
	})
	return c, err
}

// syncCoverage keeps contacts_coverage: a kind gains a "since" when its
// first active contact is confirmed and loses it when the last is retired.
func (s *Service) syncCoverage(ctx context.Context, tx *db.Tx, iso3 string, at time.Time) error {
	for _, kind := range Kinds {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts_entries WHERE state_iso3 = ? AND kind = ? AND status = ?`, iso3, kind, StatusActive).Scan(&n); err != nil {
			return err
		}
		var err error
		if n == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM contacts_coverage WHERE state_iso3 = ? AND kind = ?`, iso3, kind)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO contacts_coverage (state_iso3, kind, since) VALUES (?, ?, ?) ON CONFLICT (state_iso3, kind) DO NOTHING`, iso3, kind, at)
		}
		if err != nil {
			return fmt.Errorf("coverage: %w", err)
		}
	}
	return nil
}

// accounts returns the address and language of enabled accounts with the
// role (and State, when given).
func accounts(ctx context.Context, q db.Querier, role auth.Role, iso3 string) ([]platform.Recipient, error) {
	if iso3 != "" {
		return platform.Accounts(ctx, q, `role = ? AND state_iso3 = ?`, string(role), iso3)
	}
	return platform.Accounts(ctx, q, `role = ?`, string(role))
}

// contactLang is the language to write to a point of contact in: the
// first of its languages (stored comma-separated) the interface has, else
// English.
func contactLang(langs string) string {
	for _, l := range strings.Split(langs, ",") {
		if l = strings.TrimSpace(l); web.KnownLanguage(l) {
			return l
		}
	}
	return "en"
}

// stateName is a State's name in lang.
func stateName(iso3, lang string) string {
	if st, ok := states.ByISO3(iso3); ok {
		return st.Name(lang)
	}
	return iso3
}

// mailTime is a moment in running text: the long date in lang, the time in
// UTC.
func mailTime(lang string, at time.Time) string {
	return web.LongDate(lang, at) + " " + at.UTC().Format("15:04") + " UTC"
}

// tellSecretariat tells the secretariat that a State's contacts changed
// (what is "confirmed" or "retired"). The message names the State, the
// kind and the date, not the person.
func (s *Service) tellSecretariat(ctx context.Context, tx *db.Tx, iso3, what string, c Contact, at time.Time) error {
	to, err := accounts(ctx, tx, auth.RoleSecretariat, "")
	if err != nil {
		return err
	}
	return s.Svc.QueueLetter(ctx, tx, to, func(lang string, t platform.Tr) (string, string) {
		name, kind := stateName(iso3, lang), t("contacts.kind."+c.Kind)
		return t("contacts.mail."+what+"_subject", name, kind),
			t("contacts.mail."+what+"_text", name, kind, mailTime(lang, at)) + "\n\n" + t("contacts.mail.directory") + "\n" + s.Svc.Link("/contacts/states/"+iso3) + "\n"
	})
}

// notifyApprovers tells a State's approvers that a draft waits for them.
func (s *Service) notifyApprovers(ctx context.Context, tx *db.Tx, iso3 string, c Contact) error {
	to, err := accounts(ctx, tx, auth.RoleStateApprover, iso3)
	if err != nil {
		return err
	}
	return s.Svc.QueueLetter(ctx, tx, to, func(lang string, t platform.Tr) (string, string) {
		return t("contacts.mail.draft_subject"), t("contacts.mail.draft_text", t("contacts.kind."+c.Kind)) + "\n" + s.Svc.Link("/contacts/states/"+iso3) + "\n"
	})
}

// Coverage is whether a State has nominated contacts of each kind, and
// since when: the public part of the directory.
type Coverage struct {
	State      string     `json:"state"`
	Name       string     `json:"name"`
	Diplomatic *time.Time `json:"diplomatic_since"`
	Technical  *time.Time `json:"technical_since"`
}

// Nominated is the number of kinds nominated (0, 1 or 2).
func (c Coverage) Nominated() int {
	n := 0
	if c.Diplomatic != nil {
		n++
	}
	if c.Technical != nil {
		n++
	}
	return n
}

// CoverageAll returns every State's coverage, in the order of states.All.
func (s *Service) CoverageAll(ctx context.Context, lang string) ([]Coverage, error) {
	by, err := s.coverage.Get(ctx, s.DB, s.readCoverage)
	if err != nil {
		return nil, err
	}
	all := states.All()
	out := make([]Coverage, 0, len(all))
	for _, st := range all {
		c, ok := by[st.ISO3]
		if !ok {
			c = Coverage{State: st.ISO3}
		}
		c.Name = st.Name(lang)
		out = append(out, c)
	}
	return out, nil
}

// readCoverage reads contacts_coverage: the States with a contact of a
// kind, since when.
func (s *Service) readCoverage(ctx context.Context) (map[string]Coverage, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT state_iso3, kind, since FROM contacts_coverage`)
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	defer rows.Close()
	by := map[string]Coverage{}
	for rows.Next() {
		var iso, kind string
		var since time.Time
		if err := rows.Scan(&iso, &kind, &since); err != nil {
			return nil, err
		}
		c := by[iso]
		c.State = iso
		since = since.UTC()
		if kind == KindDiplomatic {
			c.Diplomatic = &since
		} else {
			c.Technical = &since
		}
		by[iso] = c
	}
	return by, rows.Err()
}

// StateCoverage returns one State's coverage.
func (s *Service) StateCoverage(ctx context.Context, iso3, lang string) (Coverage, error) {
	st, err := knownState(iso3)
	if err != nil {
		return Coverage{}, err
	}
	c := Coverage{State: st.ISO3, Name: st.Name(lang)}
	rows, err := s.DB.QueryContext(ctx, `SELECT kind, since FROM contacts_coverage WHERE state_iso3 = ?`, st.ISO3)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var since time.Time
		if err := rows.Scan(&kind, &since); err != nil {
			return c, err
		}
		since = since.UTC()
		if kind == KindDiplomatic {
			c.Diplomatic = &since
		} else {
			c.Technical = &since
		}
	}
	return c, rows.Err()
}

// Package participation is how non-State stakeholders and States take part
// in the bodies of the framework: bodies and their sessions, the registry of
// organisations, accreditation under each body's modalities (with the
// States' objections and votes), statements and written inputs, and public
// consultations. docs/modules/participation.md describes the model.
package participation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Service holds the participation rules. HTML and JSON handlers call the
// same methods, so each rule is written once.
type Service struct {
	Svc *platform.Services
	DB  *db.DB
	// DataDir is where uploaded files are stored (outside the web root).
	DataDir string
	// MaxUpload bounds an uploaded PDF, in bytes.
	MaxUpload int64
	// comparisons are BodyComparison's answers by body id.
	comparisons audit.KeptBy[string, comparison]
}

// NewService returns the service over the platform's services.
func NewService(svc *platform.Services) *Service {
	return &Service{Svc: svc, DB: svc.DB, DataDir: svc.DataDir, MaxUpload: DefaultMaxUpload}
}

// DefaultMaxUpload is the largest PDF accepted: 10 MiB.
const DefaultMaxUpload = 10 << 20

// Errors the handlers map to statuses.
var (
	// ErrNotFound: no such thing, or not one the caller may know of.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller may see it but not do this.
	ErrForbidden = errors.New("forbidden")
)

// invalid is a 422 naming the field.
func invalid(field, reason string) error { return api.Invalid(field, reason) }

// conflict is a 409 naming the field and the reason: the request is
// well-formed but the state of things refuses it (a second objection, a
// closed period). The reason is a format and its arguments, kept apart so
// that pages say it in the reader's language (api.Error's MessageKey; a
// date is an api.Day or api.Moment).
func conflict(field, format string, args ...any) error {
	return &api.Error{Status: 409, Code: "refused", Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// refusedBecause is conflict with a reason chosen from a table, which has
// no arguments.
func refusedBecause(field, reason string) error {
	return &api.Error{Status: 409, Code: "refused", Field: field, Message: reason, Format: reason}
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)

// now is the application's time (platform.Services.Clock), which tests and demos
// may move on.
func (s *Service) now() time.Time { return s.Svc.Now() }

// Body is a body in which States meet (the OEWG, the Global Mechanism, an
// ad hoc committee), with its accreditation modalities.
type Body struct {
	ID            string   `json:"id"`
	Slug          string   `json:"slug"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Modality      Modality `json:"modality"`
	ObjectionDays int      `json:"objection_days"`
	VotingDays    int      `json:"voting_days"`
	Majority      Majority `json:"majority"`
	// Votes is how the body votes on objected applications: recorded (each
	// State's vote is published when voting closes) or secret (the tally
	// alone).
	Votes          string    `json:"votes"`
	NameObjectors  bool      `json:"name_objectors"`
	ReasonRequired bool      `json:"reason_required"`
	CreatedAt      time.Time `json:"created_at"`
}

// How a body's votes are published.
const (
	// VotesRecorded publishes each State's vote when voting closes.
	VotesRecorded = "recorded"
	// VotesSecret publishes the tally alone.
	VotesSecret = "secret"
)

// VoteRecords lists the ways a body's votes are published.
var VoteRecords = []string{VotesRecorded, VotesSecret}

// BodyInput creates or updates a body.
type BodyInput struct {
	Slug          string   `json:"slug"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Modality      Modality `json:"modality"`
	ObjectionDays int      `json:"objection_days"`
	VotingDays    int      `json:"voting_days"`
	Majority      Majority `json:"majority"`
	// Votes is recorded or secret; empty means secret, so that nothing is
	// published that the body did not decide to publish.
	Votes          string `json:"votes,omitempty"`
	NameObjectors  bool   `json:"name_objectors"`
	ReasonRequired bool   `json:"reason_required"`
}

func (in *BodyInput) validate() error {
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	if in.Majority == "" {
		in.Majority = MajoritySimple
	}
	if in.Votes == "" {
		in.Votes = VotesSecret
	}
	if in.ObjectionDays == 0 {
		in.ObjectionDays = 10
	}
	if in.VotingDays == 0 {
		in.VotingDays = 10
	}
	switch {
	case !slugRE.MatchString(in.Slug):
		return invalid("slug", "must be 2–80 lower-case letters, digits or hyphens")
	case in.Name == "" || len(in.Name) > 200:
		return invalid("name", "is required and at most 200 characters")
	case len(in.Description) > 5000:
		return invalid("description", "is at most 5000 characters")
	case !in.Modality.Valid():
		return invalid("modality", "must be one of ecosoc, non-objection-veto, non-objection-decision, open")
	case in.ObjectionDays < 1 || in.ObjectionDays > 60:
		return invalid("objection_days", "must be from 1 to 60 working days")
	case in.VotingDays < 1 || in.VotingDays > 60:
		return invalid("voting_days", "must be from 1 to 60 working days")
	case !in.Majority.Valid():
		return invalid("majority", "must be simple or two-thirds")
	case !oneOf(in.Votes, VoteRecords):
		return invalid("votes", "must be recorded (each State's vote is published when voting closes) or secret (the tally alone)")
	}
	return nil
}

const bodyCols = `id, slug, name, description, modality, objection_days, voting_days, majority, votes, name_objectors, reason_required, created_at`

func scanBody(row interface{ Scan(...any) error }) (Body, error) {
	var b Body
	err := row.Scan(&b.ID, &b.Slug, &b.Name, &b.Description, &b.Modality, &b.ObjectionDays, &b.VotingDays, &b.Majority, &b.Votes, &b.NameObjectors, &b.ReasonRequired, &b.CreatedAt)
	return b, err
}

// CreateBody adds a body (secretariat).
func (s *Service) CreateBody(ctx context.Context, in BodyInput) (Body, error) {
	var b Body
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		b, err = s.createBodyTx(ctx, tx, in)
		return err
	})
	return b, err
}

func (s *Service) createBodyTx(ctx context.Context, tx *db.Tx, in BodyInput) (Body, error) {
	if err := in.validate(); err != nil {
		return Body{}, err
	}
	b := Body{ID: id.New(), Slug: in.Slug, Name: in.Name, Description: in.Description, Modality: in.Modality, ObjectionDays: in.ObjectionDays,
		VotingDays: in.VotingDays, Majority: in.Majority, Votes: in.Votes, NameObjectors: in.NameObjectors, ReasonRequired: in.ReasonRequired, CreatedAt: s.now()}
	_, err := tx.ExecContext(ctx, `INSERT INTO participation_bodies (`+bodyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.Slug, b.Name, b.Description, b.Modality, b.ObjectionDays, b.VotingDays, b.Majority, b.Votes, b.NameObjectors, b.ReasonRequired, b.CreatedAt)
	if db.IsUniqueViolation(err) {
		return b, invalid("slug", "is already used by another body")
	}
	if err != nil {
		return b, fmt.Errorf("insert body: %w", err)
	}
	return b, audit.Record(ctx, tx, "body.create", "body", b.ID, nil, b)
}

// UpdateBody changes a body's name and modalities (secretariat). Applications
// already submitted keep the modality they were made under.
func (s *Service) UpdateBody(ctx context.Context, slug string, in BodyInput) (Body, error) {
	in.Slug = slug
	if err := in.validate(); err != nil {
		return Body{}, err
	}
	var after Body
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := scanBody(tx.QueryRowContext(ctx, `SELECT `+bodyCols+` FROM participation_bodies WHERE slug = ?`, slug))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		after = before
		after.Name, after.Description, after.Modality, after.ObjectionDays, after.VotingDays = in.Name, in.Description, in.Modality, in.ObjectionDays, in.VotingDays
		after.Majority, after.Votes, after.NameObjectors, after.ReasonRequired = in.Majority, in.Votes, in.NameObjectors, in.ReasonRequired
		if _, err := tx.ExecContext(ctx, `UPDATE participation_bodies SET name = ?, description = ?, modality = ?, objection_days = ?, voting_days = ?, majority = ?, votes = ?, name_objectors = ?, reason_required = ? WHERE id = ?`,
			after.Name, after.Description, after.Modality, after.ObjectionDays, after.VotingDays, after.Majority, after.Votes, after.NameObjectors, after.ReasonRequired, after.ID); err != nil {
			return fmt.Errorf("update body: %w", err)
		}
		return audit.Record(ctx, tx, "body.update", "body", after.ID, before, after)
	})
	return after, err
}

// Bodies lists every body by name.
func (s *Service) Bodies(ctx context.Context) ([]Body, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+bodyCols+` FROM participation_bodies ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list bodies: %w", err)
	}
	defer rows.Close()
	var out []Body
	for rows.Next() {
		b, err := scanBody(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BodyBySlug returns one body.
func (s *Service) BodyBySlug(ctx context.Context, slug string) (Body, error) {
	b, err := scanBody(s.DB.QueryRowContext(ctx, `SELECT `+bodyCols+` FROM participation_bodies WHERE slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	return b, err
}

func (s *Service) bodyByID(ctx context.Context, q db.Querier, bodyID string) (Body, error) {
	b, err := scanBody(q.QueryRowContext(ctx, `SELECT `+bodyCols+` FROM participation_bodies WHERE id = ?`, bodyID))
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	return b, err
}

// Session kinds and formats.
var (
	SessionKinds   = []string{"substantive", "intersessional", "informal-dialogue", "organizational"}
	SessionFormats = []string{"in-person", "hybrid", "online"}
)

// Session is one meeting of a body.
type Session struct {
	ID        string    `json:"id"`
	BodyID    string    `json:"body_id"`
	BodySlug  string    `json:"body"`
	BodyName  string    `json:"body_name"`
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	ApplyBy   time.Time `json:"apply_by"`
	Place     string    `json:"place"`
	Format    string    `json:"format"`
	Programme string    `json:"programme"`
	Outcomes  string    `json:"outcomes"`
	Documents string    `json:"documents"`
}

// SessionInput creates or updates a session. Dates are YYYY-MM-DD (UTC).
type SessionInput struct {
	Slug      string `json:"slug"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
	ApplyBy   string `json:"apply_by"`
	Place     string `json:"place"`
	Format    string `json:"format"`
	Programme string `json:"programme"`
	Outcomes  string `json:"outcomes"`
	Documents string `json:"documents"`
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return t, invalid(field, "must be a date as YYYY-MM-DD")
	}
	return t.UTC(), nil
}

func (in *SessionInput) parse() (Session, error) {
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Title = strings.TrimSpace(in.Title)
	var ss Session
	switch {
	case !slugRE.MatchString(in.Slug):
		return ss, invalid("slug", "must be 2–80 lower-case letters, digits or hyphens")
	case in.Title == "" || len(in.Title) > 200:
		return ss, invalid("title", "is required and at most 200 characters")
	case !oneOf(in.Kind, SessionKinds):
		return ss, api.Invalidf("kind", "must be one of %s", strings.Join(SessionKinds, ", "))
	case !oneOf(in.Format, SessionFormats):
		return ss, api.Invalidf("format", "must be one of %s", strings.Join(SessionFormats, ", "))
	case len(in.Place) > 200:
		return ss, invalid("place", "is at most 200 characters")
	case len(in.Programme) > 20000 || len(in.Outcomes) > 20000 || len(in.Documents) > 20000:
		return ss, invalid("programme", "programme, outcomes and documents are at most 20000 characters each")
	}
	start, err := parseDay("starts_on", in.StartsOn)
	if err != nil {
		return ss, err
	}
	end, err := parseDay("ends_on", in.EndsOn)
	if err != nil {
		return ss, err
	}
	applyBy, err := parseDay("apply_by", in.ApplyBy)
	if err != nil {
		return ss, err
	}
	if end.Before(start) {
		return ss, invalid("ends_on", "must not be before starts_on")
	}
	if applyBy.After(start) {
		return ss, invalid("apply_by", "must not be after starts_on")
	}
	// Applications are accepted until the end of the apply_by day.
	return Session{Slug: in.Slug, Title: in.Title, Kind: in.Kind, StartsAt: start, EndsAt: end, ApplyBy: applyBy.Add(24*time.Hour - time.Second),
		Place: strings.TrimSpace(in.Place), Format: in.Format, Programme: in.Programme, Outcomes: in.Outcomes, Documents: in.Documents}, nil
}

const sessionCols = `s.id, s.body_id, b.slug, b.name, s.slug, s.title, s.kind, s.starts_at, s.ends_at, s.apply_by, s.place, s.format, s.programme, s.outcomes, s.documents`
const sessionFrom = ` FROM participation_sessions s JOIN participation_bodies b ON b.id = s.body_id`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var x Session
	err := row.Scan(&x.ID, &x.BodyID, &x.BodySlug, &x.BodyName, &x.Slug, &x.Title, &x.Kind, &x.StartsAt, &x.EndsAt, &x.ApplyBy, &x.Place, &x.Format, &x.Programme, &x.Outcomes, &x.Documents)
	return x, err
}

// CreateSession adds a session to a body (secretariat).
func (s *Service) CreateSession(ctx context.Context, bodySlug string, in SessionInput) (Session, error) {
	var out Session
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.createSessionTx(ctx, tx, bodySlug, in)
		return err
	})
	return out, err
}

func (s *Service) createSessionTx(ctx context.Context, tx *db.Tx, bodySlug string, in SessionInput) (Session, error) {
	x, err := in.parse()
	if err != nil {
		return x, err
	}
	b, err := scanBody(tx.QueryRowContext(ctx, `SELECT `+bodyCols+` FROM participation_bodies WHERE slug = ?`, bodySlug))
	if errors.Is(err, sql.ErrNoRows) {
		return x, ErrNotFound
	}
	if err != nil {
		return x, err
	}
	x.ID, x.BodyID, x.BodySlug, x.BodyName = id.New(), b.ID, b.Slug, b.Name
	_, err = tx.ExecContext(ctx, `INSERT INTO participation_sessions (id, body_id, slug, title, kind, starts_at, ends_at, apply_by, place, format, programme, outcomes, documents, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.ID, x.BodyID, x.Slug, x.Title, x.Kind, x.StartsAt, x.EndsAt, x.ApplyBy, x.Place, x.Format, x.Programme, x.Outcomes, x.Documents, s.now())
	if db.IsUniqueViolation(err) {
		return x, invalid("slug", "is already used by another session")
	}
	if err != nil {
		return x, fmt.Errorf("insert session: %w", err)
	}
	return x, audit.Record(ctx, tx, "session.create", "session", x.ID, nil, x)
}

// UpdateSession replaces a session's details, programme and outcomes
// (secretariat).
func (s *Service) UpdateSession(ctx context.Context, slug string, in SessionInput) (Session, error) {
	in.Slug = slug
	x, err := in.parse()
	if err != nil {
		return x, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.slug = ?`, slug))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		x.ID, x.BodyID, x.BodySlug, x.BodyName = before.ID, before.BodyID, before.BodySlug, before.BodyName
		if _, err := tx.ExecContext(ctx, `UPDATE participation_sessions SET title = ?, kind = ?, starts_at = ?, ends_at = ?, apply_by = ?, place = ?, format = ?, programme = ?, outcomes = ?, documents = ? WHERE id = ?`,
			x.Title, x.Kind, x.StartsAt, x.EndsAt, x.ApplyBy, x.Place, x.Format, x.Programme, x.Outcomes, x.Documents, x.ID); err != nil {
			return fmt.Errorf("update session: %w", err)
		}
		return audit.Record(ctx, tx, "session.update", "session", x.ID, before, x)
	})
	return x, err
}

// SessionBySlug returns one session.
func (s *Service) SessionBySlug(ctx context.Context, slug string) (Session, error) {
	x, err := scanSession(s.DB.QueryRowContext(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return x, ErrNotFound
	}
	return x, err
}

// Sessions lists sessions, of one body when bodyID is set, by start date.
func (s *Service) Sessions(ctx context.Context, bodyID string) ([]Session, error) {
	q, args := `SELECT `+sessionCols+sessionFrom, []any{}
	if bodyID != "" {
		q += ` WHERE s.body_id = ?`
		args = append(args, bodyID)
	}
	return s.querySessions(ctx, q+` ORDER BY s.starts_at, s.slug`, args...)
}

// UpcomingSessions lists the sessions that have not ended by at.
func (s *Service) UpcomingSessions(ctx context.Context, at time.Time) ([]Session, error) {
	return s.querySessions(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.ends_at >= ? ORDER BY s.starts_at, s.slug`, at.UTC().Truncate(24*time.Hour))
}

func (s *Service) querySessions(ctx context.Context, q string, args ...any) ([]Session, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Organisation types and ECOSOC consultative statuses.
var (
	OrgTypes       = []string{"business", "ngo", "academia", "technical-community", "other"}
	ECOSOCStatuses = []string{"none", "general", "special", "roster"}
)

// Organisation is a stakeholder organisation's public profile.
type Organisation struct {
	ID          string    `json:"id"`
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	ECOSOC      string    `json:"ecosoc_status"`
	HQ          string    `json:"headquarters"`
	Website     string    `json:"website"`
	Description string    `json:"description"`
	Members     int       `json:"membership_size"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// InConsultativeStatus reports whether the organisation holds any ECOSOC
// consultative status.
func (o Organisation) InConsultativeStatus() bool { return o.ECOSOC != "" && o.ECOSOC != "none" }

// ProfileInput edits an organisation's profile.
type ProfileInput struct {
	Type        string `json:"type"`
	ECOSOC      string `json:"ecosoc_status"`
	HQ          string `json:"headquarters"`
	Website     string `json:"website"`
	Description string `json:"description"`
	Members     int    `json:"membership_size"`
}

func (in *ProfileInput) validate() error {
	in.HQ = strings.ToUpper(strings.TrimSpace(in.HQ))
	in.Website = strings.TrimSpace(in.Website)
	if in.ECOSOC == "" {
		in.ECOSOC = "none"
	}
	switch {
	case !oneOf(in.Type, OrgTypes):
		return api.Invalidf("type", "must be one of %s", strings.Join(OrgTypes, ", "))
	case !oneOf(in.ECOSOC, ECOSOCStatuses):
		return api.Invalidf("ecosoc_status", "must be one of %s", strings.Join(ECOSOCStatuses, ", "))
	case in.HQ != "" && !states.Known(in.HQ):
		return invalid("headquarters", "must be the ISO 3166-1 alpha-3 code of a State")
	case len(in.Description) > 5000:
		return invalid("description", "is at most 5000 characters")
	case in.Members < 0 || in.Members > 1_000_000_000:
		return invalid("membership_size", "must be a number from 0 to 1000000000")
	}
	if in.Website != "" {
		u, err := url.Parse(in.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.Website) > 500 {
			return invalid("website", "must be an http or https address")
		}
	}
	return nil
}

const orgCols = `o.id, o.slug, o.name, COALESCE(p.org_type, o.kind), COALESCE(p.ecosoc, 'none'), COALESCE(p.hq_iso3, ''), COALESCE(p.website, ''), COALESCE(p.description, ''), COALESCE(p.members, 0), o.created_at, p.updated_at`
const orgFrom = ` FROM organisations o LEFT JOIN participation_profiles p ON p.org_id = o.id`

func scanOrg(row interface{ Scan(...any) error }) (Organisation, error) {
	var o Organisation
	var updated sql.NullTime
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Type, &o.ECOSOC, &o.HQ, &o.Website, &o.Description, &o.Members, &o.UpdatedAt, &updated)
	if updated.Valid {
		o.UpdatedAt = updated.Time.UTC()
	}
	return o, err
}

// OrganisationBySlug returns one organisation's profile.
func (s *Service) OrganisationBySlug(ctx context.Context, slug string) (Organisation, error) {
	o, err := scanOrg(s.DB.QueryRowContext(ctx, `SELECT `+orgCols+orgFrom+` WHERE o.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	return o, err
}

func (s *Service) orgByID(ctx context.Context, q db.Querier, orgID string) (Organisation, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+orgFrom+` WHERE o.id = ?`, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	return o, err
}

// OrgFilter narrows the registry.
type OrgFilter struct {
	Query  string
	Type   string
	ECOSOC string
	HQ     string
	After  string // slug of the last item of the previous page
	Limit  int
	// UpdatedSince keeps the organisations registered or whose profile
	// changed after it.
	UpdatedSince time.Time
}

// UpdateProfile edits an organisation's profile. Only the organisation's
// own users may (and the secretariat); the change is audited.
func (s *Service) UpdateProfile(ctx context.Context, slug string, in ProfileInput) (Organisation, error) {
	u := auth.UserFrom(ctx)
	var after Organisation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgCols+orgFrom+` WHERE o.slug = ?`, slug))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !(u.Has(auth.RoleSecretariat) || u.Has(auth.RoleStakeholder) && u.OrgID == before.ID) {
			return ErrForbidden
		}
		after, err = s.saveProfileTx(ctx, tx, before, in)
		return err
	})
	return after, err
}

func (s *Service) saveProfileTx(ctx context.Context, tx *db.Tx, before Organisation, in ProfileInput) (Organisation, error) {
	if err := in.validate(); err != nil {
		return before, err
	}
	after := before
	after.Type, after.ECOSOC, after.HQ, after.Website, after.Description, after.Members, after.UpdatedAt = in.Type, in.ECOSOC, in.HQ, in.Website, in.Description, in.Members, s.now()
	res, err := tx.ExecContext(ctx, `UPDATE participation_profiles SET org_type = ?, ecosoc = ?, hq_iso3 = ?, website = ?, description = ?, members = ?, updated_at = ? WHERE org_id = ?`,
		after.Type, after.ECOSOC, after.HQ, after.Website, after.Description, after.Members, after.UpdatedAt, after.ID)
	if err != nil {
		return after, fmt.Errorf("update profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO participation_profiles (org_id, org_type, ecosoc, hq_iso3, website, description, members, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			after.ID, after.Type, after.ECOSOC, after.HQ, after.Website, after.Description, after.Members, after.UpdatedAt); err != nil {
			return after, fmt.Errorf("insert profile: %w", err)
		}
	}
	return after, audit.Record(ctx, tx, "organisation.profile", "organisation", after.ID, before, after)
}

// ContactPeople lists the names of an organisation's users (its contact
// people). Their e-mail addresses are not published.
func (s *Service) ContactPeople(ctx context.Context, orgID string) ([]string, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT name FROM users WHERE org_id = ? AND disabled = ? ORDER BY name`, orgID, false)
	if err != nil {
		return nil, fmt.Errorf("contact people: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

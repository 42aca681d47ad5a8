package capacity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones even where the system has none

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/clock"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Event kinds and audiences.
var (
	EventKinds     = []string{"workshop", "briefing", "training", "side-event"}
	EventAudiences = []string{"public", "states", "invited"}
)

// Event is a workshop, briefing, training or side event.
type Event struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Kind         string    `json:"kind"`
	OrganiserKey string    `json:"organiser_key"`
	Organiser    string    `json:"organiser"`
	Audience     string    `json:"audience"`
	Place        string    `json:"place"`
	OnlineURL    string    `json:"online_url,omitempty"`
	TZ           string    `json:"time_zone"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Languages    []string  `json:"languages"`
	Norms        []string  `json:"norms"`
	Agenda       string    `json:"agenda"`
	Speakers     string    `json:"speakers"`
	ProjectID    string    `json:"project_id,omitempty"`
	Capacity     int       `json:"capacity"`
	Status       string    `json:"status"`
	Confirmed    int       `json:"confirmed"`
	Waiting      int       `json:"waiting"`
	// Documents are read for one event (its page, its API answer, its
	// .ics), not in lists.
	Documents []EventDocument `json:"documents,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Local is a time shown in the event's own time zone.
func (e Event) Local(t time.Time) string {
	loc, err := clock.Location(e.TZ)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// EventInput is what an organiser writes. Times are local to TZ, as
// YYYY-MM-DDTHH:MM.
type EventInput struct {
	Title     string   `json:"title"`
	Kind      string   `json:"kind"`
	Audience  string   `json:"audience"`
	Place     string   `json:"place"`
	OnlineURL string   `json:"online_url"`
	TZ        string   `json:"time_zone"`
	Starts    string   `json:"starts"`
	Ends      string   `json:"ends"`
	Languages []string `json:"languages"`
	Norms     []string `json:"norms"`
	Agenda    string   `json:"agenda"`
	Speakers  string   `json:"speakers" text:"multiline"`
	ProjectID string   `json:"project_id"`
	Capacity  int      `json:"capacity"`
}

// Registration is one person's place at an event.
type Registration struct {
	ID        string    `json:"id"`
	EventID   string    `json:"event_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	Status    string    `json:"status"` // confirmed | waiting | cancelled
	CreatedAt time.Time `json:"created_at"`
}

// RegisterInput is a registration; signed-in people's name and address
// come from their account.
type RegisterInput struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// CheckTimeZone validates an IANA time zone name ("Europe/Paris", "UTC").
func CheckTimeZone(tz string) (*time.Location, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" || tz == "Local" || strings.ContainsAny(tz, " \\") || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") || len(tz) > 64 {
		return nil, invalid("time_zone", "must be an IANA time zone such as Europe/Paris or UTC")
	}
	loc, err := clock.Location(tz)
	if err != nil {
		return nil, invalid("time_zone", "%q is not an IANA time zone (e.g. America/New_York)", tz)
	}
	return loc, nil
}

const eventCols = `e.id, e.title, e.kind, e.organiser_key, e.organiser_name, e.audience, e.place, e.online_url, e.tz, e.starts_at, e.ends_at, e.languages, e.norms,
	e.agenda, e.speakers, e.project_id, e.capacity, e.status, e.created_at, e.updated_at,
	(SELECT COUNT(*) FROM capacity_registrations r WHERE r.event_id = e.id AND r.status = 'confirmed'),
	(SELECT COUNT(*) FROM capacity_registrations r WHERE r.event_id = e.id AND r.status = 'waiting')`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var langs, norms string
	err := row.Scan(&e.ID, &e.Title, &e.Kind, &e.OrganiserKey, &e.Organiser, &e.Audience, &e.Place, &e.OnlineURL, &e.TZ, &e.StartsAt, &e.EndsAt, &langs, &norms,
		&e.Agenda, &e.Speakers, &e.ProjectID, &e.Capacity, &e.Status, &e.CreatedAt, &e.UpdatedAt, &e.Confirmed, &e.Waiting)
	e.Languages, e.Norms = splitList(langs), splitList(norms)
	e.StartsAt, e.EndsAt, e.CreatedAt, e.UpdatedAt = e.StartsAt.UTC(), e.EndsAt.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// organiserOf is the organiser key and name of the acting user's side.
func (s *Service) organiserOf(ctx context.Context, u *auth.User) (string, string, error) {
	switch {
	case u.Has(auth.RoleSecretariat):
		return "secretariat", "Secretariat", nil
	case u != nil && u.Role.IsState():
		return "state-" + strings.ToLower(u.StateISO3), stateName(u.StateISO3, "en"), nil
	case u != nil && u.OrgID != "":
		var slug, name string
		if err := s.P.DB.QueryRowContext(ctx, `SELECT slug, name FROM organisations WHERE id = ?`, u.OrgID).Scan(&slug, &name); err != nil {
			return "", "", err
		}
		return "org-" + slug, name, nil
	}
	return "", "", ErrForbidden
}

// organises reports whether the viewer acts for the event's organiser.
func (s *Service) organises(ctx context.Context, e Event) bool {
	u := auth.UserFrom(ctx)
	if u == nil {
		return false
	}
	key, _, err := s.organiserOf(ctx, u)
	return err == nil && key == e.OrganiserKey
}

// canSeeEvent: public events to everyone; events for States to State staff
// and the secretariat; invited ones to their organiser and the secretariat
// (and to whoever registered).
func (s *Service) canSeeEvent(ctx context.Context, e Event) bool {
	u := auth.UserFrom(ctx)
	switch {
	case e.Audience == "public":
		return true
	case u.Has(auth.RoleSecretariat) || s.organises(ctx, e):
		return true
	case e.Audience == "states":
		return u != nil && u.Role.IsState()
	}
	if u != nil {
		var n int
		_ = s.P.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM capacity_registrations WHERE event_id = ? AND user_id = ? AND status <> 'cancelled'`, e.ID, u.ID).Scan(&n)
		return n > 0
	}
	return false
}

func (s *Service) validateEvent(ctx context.Context, in EventInput, e *Event) error {
	var err error
	if e.Title, err = checkLine("title", in.Title, 3, 200); err != nil {
		return err
	}
	if e.Kind = strings.TrimSpace(in.Kind); !contains(EventKinds, e.Kind) {
		return invalid("kind", "must be workshop, briefing, training or side-event")
	}
	if e.Audience = strings.TrimSpace(in.Audience); !contains(EventAudiences, e.Audience) {
		return invalid("audience", "must be public, states or invited")
	}
	if e.Place, err = checkLine("place", in.Place, 0, 200); err != nil {
		return err
	}
	if e.OnlineURL, err = checkLine("online_url", in.OnlineURL, 0, 500); err != nil {
		return err
	}
	if e.OnlineURL != "" && !strings.HasPrefix(e.OnlineURL, "https://") {
		return invalid("online_url", "must be an https:// address")
	}
	if e.Place == "" && e.OnlineURL == "" {
		return invalid("place", "give a place, an online link, or both")
	}
	loc, err := CheckTimeZone(in.TZ)
	if err != nil {
		return err
	}
	e.TZ = loc.String()
	parse := func(field, v string) (time.Time, error) {
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), loc)
		if err != nil {
			return t, invalid(field, "must be a local date and time YYYY-MM-DDTHH:MM")
		}
		return t.UTC(), nil
	}
	if e.StartsAt, err = parse("starts", in.Starts); err != nil {
		return err
	}
	if e.EndsAt, err = parse("ends", in.Ends); err != nil {
		return err
	}
	if !e.EndsAt.After(e.StartsAt) {
		return invalid("ends", "must be after the start")
	}
	if e.EndsAt.Sub(e.StartsAt) > 14*24*time.Hour {
		return invalid("ends", "an event lasts at most 14 days")
	}
	if e.Languages, err = fromList("languages", in.Languages, Languages); err != nil {
		return err
	}
	if e.Norms, err = s.checkNorms(ctx, in.Norms); err != nil {
		return err
	}
	if e.Agenda, err = checkText("agenda", in.Agenda, 0, 20000); err != nil {
		return err
	}
	if e.Speakers, err = checkText("speakers", in.Speakers, 0, 4000); err != nil {
		return err
	}
	if in.Capacity < 1 || in.Capacity > 100000 {
		return invalid("capacity", "must be from 1 to 100000 places")
	}
	e.Capacity = in.Capacity
	e.ProjectID = strings.TrimSpace(in.ProjectID)
	if e.ProjectID != "" {
		if _, err := s.loadProject(ctx, s.P.DB, e.ProjectID); err != nil {
			return invalid("project_id", "no such project")
		}
	}
	return nil
}

// CreateEvent schedules an event organised by the acting user's side.
func (s *Service) CreateEvent(ctx context.Context, in EventInput) (Event, error) {
	u := auth.UserFrom(ctx)
	key, name, err := s.organiserOf(ctx, u)
	if err != nil {
		return Event{}, err
	}
	e := Event{ID: id.New(), OrganiserKey: key, Organiser: name, Status: "scheduled"}
	if err := s.validateEvent(ctx, in, &e); err != nil {
		return e, err
	}
	now := s.now()
	e.CreatedAt, e.UpdatedAt = now, now
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_events (id, title, kind, organiser_key, organiser_name, audience, place, online_url, tz, starts_at, ends_at,
			languages, norms, agenda, speakers, project_id, capacity, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Title, e.Kind, e.OrganiserKey, e.Organiser, e.Audience, e.Place, e.OnlineURL, e.TZ, e.StartsAt, e.EndsAt, joinList(e.Languages), joinList(e.Norms),
			e.Agenda, e.Speakers, e.ProjectID, e.Capacity, e.Status, u.ID, now, now); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		if err := s.indexEvent(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.event.create", "capacity_event", e.ID, nil, map[string]any{"title": e.Title, "organiser": e.OrganiserKey, "starts_at": e.StartsAt})
	})
	return e, err
}

func (s *Service) indexEvent(ctx context.Context, tx *db.Tx, e Event) error {
	if e.Audience != "public" || e.Status != "scheduled" {
		return search.Remove(ctx, tx, SearchEvent, e.ID)
	}
	return search.Index(ctx, tx, search.Document{Kind: SearchEvent, Ref: e.ID, Lang: "en", Title: e.Title, Body: e.Organiser + "\n" + e.Place + "\n" + e.Agenda + "\n" + e.Speakers,
		URL: "/capacity/events/" + e.ID, Norms: e.Norms, Type: e.Kind, Status: e.Status, Year: e.StartsAt.Year()})
}

func (s *Service) loadEvent(ctx context.Context, q querier, eventID string) (Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventCols+` FROM capacity_events e WHERE e.id = ?`, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	return e, err
}

// EventByID reads an event the acting user may see.
func (s *Service) EventByID(ctx context.Context, eventID string) (Event, error) {
	e, err := s.loadEvent(ctx, s.P.DB, eventID)
	if err != nil {
		return e, err
	}
	if !s.canSeeEvent(ctx, e) {
		return Event{}, ErrNotFound
	}
	e.Documents, err = s.eventDocuments(ctx, e.ID)
	return e, err
}

// EventFilter narrows a list of events.
type EventFilter struct {
	From, To  time.Time
	Organiser string
	Public    bool // only public events (feeds)
	Limit     int
}

// Events lists the events the acting user may see, by start.
func (s *Service) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	return s.events(ctx, f, eventCols, scanEvent)
}

// eventBriefCols are the columns the lists of events show (scanEventBrief).
const eventBriefCols = `e.id, e.title, e.kind, e.organiser_key, e.organiser_name, e.audience, e.place, e.online_url, e.tz, e.starts_at, e.ends_at, e.capacity, e.status,
	(SELECT COUNT(*) FROM capacity_registrations r WHERE r.event_id = e.id AND r.status = 'confirmed')`

// scanEventBrief reads an event's eventBriefCols, leaving its other fields
// empty.
func scanEventBrief(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	err := row.Scan(&e.ID, &e.Title, &e.Kind, &e.OrganiserKey, &e.Organiser, &e.Audience, &e.Place, &e.OnlineURL, &e.TZ, &e.StartsAt, &e.EndsAt, &e.Capacity, &e.Status, &e.Confirmed)
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	return e, err
}

// eventBriefs are Events with only what the pages' lists show
// (eventBriefCols): no agenda, speakers, lists or times of writing.
func (s *Service) eventBriefs(ctx context.Context, f EventFilter) ([]Event, error) {
	return s.events(ctx, f, eventBriefCols, scanEventBrief)
}

func (s *Service) events(ctx context.Context, f EventFilter, cols string, scan func(interface{ Scan(...any) error }) (Event, error)) ([]Event, error) {
	conds := []string{"1 = 1"}
	var args []any
	if !f.From.IsZero() {
		conds = append(conds, "e.ends_at >= ?")
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		conds = append(conds, "e.starts_at < ?")
		args = append(args, f.To.UTC())
	}
	if f.Organiser != "" {
		conds = append(conds, "e.organiser_key = ?")
		args = append(args, f.Organiser)
	}
	if f.Public || auth.UserFrom(ctx) == nil { // the public events are all one may see signed out (canSeeEvent)
		conds = append(conds, "e.audience = 'public'")
	}
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 500
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+cols+` FROM capacity_events e WHERE `+strings.Join(conds, " AND ")+` ORDER BY e.starts_at, e.id LIMIT `+fmt.Sprint(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	var all []Event
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Event{}
	for _, e := range all {
		if f.Public || s.canSeeEvent(ctx, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Register takes a place at an event: confirmed while places remain, on the
// waiting list after. A confirmation (or waiting-list) e-mail carries the
// link that cancels the registration.
func (s *Service) Register(ctx context.Context, eventID string, in RegisterInput) (Registration, error) {
	u := auth.UserFrom(ctx)
	var reg Registration
	if u != nil {
		in.Name, in.Email = u.Name, u.Email
	}
	name, err := checkLine("name", in.Name, 1, 200)
	if err != nil {
		return reg, err
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Email))
	if err != nil || addr.Name != "" || len(addr.Address) > 254 || strings.ContainsAny(addr.Address, "\r\n") {
		return reg, invalid("email", "must be an e-mail address")
	}
	email := strings.ToLower(addr.Address)
	e, err := s.EventByID(ctx, eventID)
	if err != nil {
		return reg, err
	}
	if e.Audience == "invited" && !s.organises(ctx, e) && !u.Has(auth.RoleSecretariat) {
		return reg, conflict("registration to this event is by invitation of its organiser")
	}
	uid := ""
	if u != nil {
		uid = u.ID
	}
	return s.register(ctx, e, name, email, uid, nil)
}

// checkEmail validates one e-mail address (field names the field).
func checkEmail(field, v string) (string, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(v))
	if err != nil || addr.Name != "" || len(addr.Address) > 254 || strings.ContainsAny(addr.Address, "\r\n") {
		return "", invalid(field, "must be an e-mail address")
	}
	return strings.ToLower(addr.Address), nil
}

// register takes the place (confirmed or waiting) and e-mails the link that
// cancels it; after, when given, runs in the same transaction.
func (s *Service) register(ctx context.Context, e Event, name, email, uid string, after func(tx *db.Tx, reg Registration) error) (Registration, error) {
	var reg Registration
	if e.Status != "scheduled" {
		return reg, conflict("the event was cancelled")
	}
	if !e.EndsAt.After(s.now()) {
		return reg, conflict("the event is over")
	}
	token := id.Secret(24)
	page := web.LangOf(ctx)
	lang := registrantLang("", page, e)
	if u := auth.UserFrom(ctx); uid != "" && u != nil && u.ID == uid {
		lang = registrantLang(u.Lang, page, e)
	}
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		// Serialise registrations for the event (a row lock on PostgreSQL;
		// SQLite's write transactions are serial already).
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_events SET updated_at = updated_at WHERE id = ?`, e.ID); err != nil {
			return err
		}
		var confirmed int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM capacity_registrations WHERE event_id = ? AND status = 'confirmed'`, e.ID).Scan(&confirmed); err != nil {
			return err
		}
		reg = Registration{ID: id.New(), EventID: e.ID, Name: name, Email: email, Status: "confirmed", CreatedAt: s.now()}
		if confirmed >= e.Capacity {
			reg.Status = "waiting"
		}
		var existing string
		err := tx.QueryRowContext(ctx, `SELECT status FROM capacity_registrations WHERE event_id = ? AND email = ?`, e.ID, email).Scan(&existing)
		switch {
		case err == nil && existing != "cancelled":
			return conflict("this address is already registered (%s)", existing)
		case err == nil:
			if _, err := tx.ExecContext(ctx, `UPDATE capacity_registrations SET name = ?, user_id = ?, status = ?, token_hash = ?, reminded = ?, lang = ?, created_at = ?, updated_at = ? WHERE event_id = ? AND email = ?`,
				name, uid, reg.Status, id.Hash(token), false, page, reg.CreatedAt, reg.CreatedAt, e.ID, email); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT id FROM capacity_registrations WHERE event_id = ? AND email = ?`, e.ID, email).Scan(&reg.ID); err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_registrations (id, event_id, email, name, user_id, status, token_hash, reminded, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				reg.ID, e.ID, email, name, uid, reg.Status, id.Hash(token), false, page, reg.CreatedAt, reg.CreatedAt); err != nil {
				if db.IsUniqueViolation(err) {
					return conflict("this address is already registered")
				}
				return err
			}
		default:
			return err
		}
		cancel := s.P.Link("/capacity/events/" + e.ID + "/cancel?r=" + reg.ID + "&token=" + token)
		status, ics := reg.Status, s.P.Link("/capacity/events/"+e.ID+"/event.ics")
		if err := s.P.QueueLetter(ctx, tx, []recipient{{Email: email, Lang: lang}}, func(lang string, t tr) (string, string) {
			if status == "confirmed" {
				return t("capacity.mail.registered.subject", e.Title), t("capacity.mail.registered.body", e.Title, eventWhen(e, lang, t), eventWhere(e), ics+"?lang="+lang, cancel)
			}
			return t("capacity.mail.waiting.subject", e.Title), t("capacity.mail.waiting.body", e.Title, cancel)
		}); err != nil {
			return err
		}
		if after != nil {
			if err := after(tx, reg); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "capacity.registration."+reg.Status, "capacity_event", e.ID, nil, map[string]string{"registration": reg.ID})
	})
	return reg, err
}

// CancelRegistration cancels a registration with the secret of its e-mail
// link; the first on the waiting list then gets the place, and is told.
func (s *Service) CancelRegistration(ctx context.Context, eventID, regID, token string) error {
	return s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_events SET updated_at = updated_at WHERE id = ?`, eventID); err != nil {
			return err
		}
		var hash, status string
		err := tx.QueryRowContext(ctx, `SELECT token_hash, status FROM capacity_registrations WHERE id = ? AND event_id = ?`, regID, eventID).Scan(&hash, &status)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (token == "" || id.Hash(token) != hash) {
			return invalid("token", "this cancellation link is not valid")
		}
		if err != nil {
			return err
		}
		if status == "cancelled" {
			return conflict("the registration was already cancelled")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_registrations SET status = 'cancelled', updated_at = ? WHERE id = ?`, now, regID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "capacity.registration.cancelled", "capacity_event", eventID, map[string]string{"status": status}, map[string]string{"registration": regID}); err != nil {
			return err
		}
		if status != "confirmed" {
			return nil
		}
		e, err := s.loadEvent(ctx, tx, eventID)
		if err != nil {
			return err
		}
		var nextID string
		var next registrant
		err = tx.QueryRowContext(ctx, `SELECT r.id, r.email, r.lang, COALESCE(u.lang, '') FROM capacity_registrations r LEFT JOIN users u ON u.id = r.user_id
			WHERE r.event_id = ? AND r.status = 'waiting' ORDER BY r.created_at, r.id LIMIT 1`, eventID).Scan(&nextID, &next.email, &next.lang, &next.account)
		if errors.Is(err, sql.ErrNoRows) || e.Status != "scheduled" {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_registrations SET status = 'confirmed', updated_at = ? WHERE id = ?`, now, nextID); err != nil {
			return err
		}
		ics := s.P.Link("/capacity/events/" + e.ID + "/event.ics")
		if err := s.P.QueueLetter(ctx, tx, []recipient{next.of(e)}, func(lang string, t tr) (string, string) {
			return t("capacity.mail.registered.subject", e.Title), t("capacity.mail.promoted.body", e.Title, eventWhen(e, lang, t), eventWhere(e), ics+"?lang="+lang)
		}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.registration.promoted", "capacity_event", eventID, map[string]string{"status": "waiting"}, map[string]string{"registration": nextID})
	})
}

// CancelEvent cancels an event (its organiser or the secretariat) and tells
// everyone registered.
func (s *Service) CancelEvent(ctx context.Context, eventID string) (Event, error) {
	var out Event
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		e, err := s.loadEvent(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if !s.organises(ctx, e) && !auth.UserFrom(ctx).Has(auth.RoleSecretariat) {
			if s.canSeeEvent(ctx, e) {
				return ErrForbidden
			}
			return ErrNotFound
		}
		if e.Status == "cancelled" {
			return conflict("the event was already cancelled")
		}
		e.Status, e.UpdatedAt = "cancelled", s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_events SET status = ?, updated_at = ? WHERE id = ?`, e.Status, e.UpdatedAt, e.ID); err != nil {
			return err
		}
		to, err := registrants(ctx, tx, e, `r.event_id = ? AND r.status <> 'cancelled'`, e.ID)
		if err != nil {
			return err
		}
		if err := s.P.QueueLetter(ctx, tx, to, func(lang string, t tr) (string, string) {
			return t("capacity.mail.cancelled.subject", e.Title), t("capacity.mail.cancelled.body", e.Title, t("capacity.ekind."+e.Kind), eventWhen(e, lang, t))
		}); err != nil {
			return err
		}
		if err := s.indexEvent(ctx, tx, e); err != nil {
			return err
		}
		out = e
		return audit.Record(ctx, tx, "capacity.event.cancel", "capacity_event", e.ID, map[string]string{"status": "scheduled"}, map[string]string{"status": "cancelled"})
	})
	return out, err
}

// Registrations lists an event's registrations (its organiser and the
// secretariat).
func (s *Service) Registrations(ctx context.Context, e Event) ([]Registration, error) {
	if !s.organises(ctx, e) && !auth.UserFrom(ctx).Has(auth.RoleSecretariat) {
		return nil, nil
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT id, event_id, name, email, status, created_at FROM capacity_registrations WHERE event_id = ? ORDER BY created_at, id`, e.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		var r Registration
		if err := rows.Scan(&r.ID, &r.EventID, &r.Name, &r.Email, &r.Status, &r.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RemindEvents e-mails the confirmed registrants of events starting within
// the next 24 hours of at, once.
func (s *Service) RemindEvents(ctx context.Context, at time.Time) (int, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT r.id, r.email, r.lang, COALESCE(u.lang, ''), e.id FROM capacity_registrations r JOIN capacity_events e ON e.id = r.event_id
		LEFT JOIN users u ON u.id = r.user_id
		WHERE r.status = 'confirmed' AND r.reminded = ? AND e.status = 'scheduled' AND e.starts_at > ? AND e.starts_at <= ? LIMIT 1000`, false, at.UTC(), at.UTC().Add(24*time.Hour))
	if err != nil {
		return 0, err
	}
	type rem struct {
		id, event string
		to        registrant
	}
	var list []rem
	for rows.Next() {
		var x rem
		if err := rows.Scan(&x.id, &x.to.email, &x.to.lang, &x.to.account, &x.event); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, x)
	}
	rows.Close()
	n := 0
	for _, x := range list {
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE capacity_registrations SET reminded = ? WHERE id = ? AND reminded = ?`, true, x.id, false)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			e, err := s.loadEvent(ctx, tx, x.event)
			if err != nil {
				return err
			}
			n++
			link := s.P.Link("/capacity/events/" + e.ID)
			return s.P.QueueLetter(ctx, tx, []recipient{x.to.of(e)}, func(lang string, t tr) (string, string) {
				return t("capacity.mail.reminder.subject", e.Title), t("capacity.mail.reminder.body", e.Title, eventWhen(e, lang, t), eventWhere(e), link)
			})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

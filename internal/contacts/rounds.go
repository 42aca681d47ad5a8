package contacts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/states"
)

// JobPing sends one contact's communication-check e-mail (first or
// reminder) through the platform's mailer, recording a bounce when the
// relay refuses the address for good.
const JobPing = "contacts.ping"

// Outcomes of a ping, and of a State in a round.
const (
	OutcomeInTime   = "in_time"
	OutcomeLate     = "late"
	OutcomeNoAnswer = "no_answer"
	OutcomeBounced  = "bounced"
	OutcomePending  = "pending"
)

// Outcomes lists the outcomes in display order.
var Outcomes = []string{OutcomeInTime, OutcomeLate, OutcomeNoAnswer, OutcomeBounced, OutcomePending}

// RoundInput starts a round.
type RoundInput struct {
	Title string `json:"title"`
	// States limits the round to these States (ISO3); empty means every State with contacts.
	States []string `json:"states,omitempty" doc:"ISO3 codes; empty for every State with contacts"`
	// Hours is the time contacts have to acknowledge, from now.
	Hours int `json:"hours" doc:"hours to acknowledge, 1 to 720 (e.g. 48)"`
	// Rate paces the e-mails: at most this many a minute (0: no limit).
	Rate int `json:"rate_per_minute,omitempty" doc:"at most this many e-mails a minute, 1 to 6000; 0 or absent: as fast as the relay takes them"`
}

// MaxRoundRate is the highest pace a round can be given, e-mails a minute.
const MaxRoundRate = 6000

// paced returns when the i-th e-mail (from 0) of a round at rate a minute
// goes, from start: at once without a rate.
func paced(start time.Time, i, rate int) time.Time {
	if rate <= 0 {
		return start
	}
	return start.Add(time.Duration(i) * time.Minute / time.Duration(rate))
}

// RoundSummary is a round with its public aggregate figures. The counts by
// outcome are of States (a State's result is its best contact's) and appear
// once the deadline has passed (Closed).
type RoundSummary struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	StartedAt time.Time `json:"started_at"`
	Deadline  time.Time `json:"deadline"`
	Closed    bool      `json:"closed"`
	States    int       `json:"states"`
	Contacts  int       `json:"contacts"`
	// ByOutcome counts States by result (in_time, late, no_answer, bounced, pending).
	ByOutcome map[string]int `json:"states_by_outcome"`
	// InTimeShare is the share of States that acknowledged in time, 0–1.
	InTimeShare float64 `json:"in_time_share"`
	// MedianMinutes is the median time the States took to acknowledge, in minutes.
	MedianMinutes *float64 `json:"median_minutes_to_acknowledge"`
}

// StateResult is a State's result in one round: its best contact's.
type StateResult struct {
	RoundID      string    `json:"round"`
	Title        string    `json:"title"`
	Deadline     time.Time `json:"deadline"`
	State        string    `json:"state"`
	Name         string    `json:"name"`
	Outcome      string    `json:"outcome"`
	Minutes      *float64  `json:"minutes_to_acknowledge"`
	Contacts     int       `json:"contacts"`
	Acknowledged int       `json:"contacts_acknowledged"`
}

// RoundResults is a round's public page: the aggregates and each State's
// result, never a contact's.
type RoundResults struct {
	Round  RoundSummary  `json:"round"`
	States []StateResult `json:"states"`
}

// Ping is one contact's part in a round, for the secretariat (every one)
// and State users (their own State's).
type Ping struct {
	ID           string     `json:"id"`
	RoundID      string     `json:"round"`
	State        string     `json:"state"`
	Kind         string     `json:"kind"`
	ContactID    string     `json:"contact"`
	ContactName  string     `json:"contact_name"`
	ContactEmail string     `json:"contact_email"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	AckedAt      *time.Time `json:"acknowledged_at,omitempty"`
	AckedVia     string     `json:"acknowledged_via,omitempty"`
	BouncedAt    *time.Time `json:"bounced_at,omitempty"`
	BounceReason string     `json:"bounce_reason,omitempty"`
	Outcome      string     `json:"outcome"`
	Minutes      *float64   `json:"minutes_to_acknowledge"`
	// Yours is true when the check was sent to the caller's own address:
	// the only pings the caller may acknowledge in the platform.
	Yours bool `json:"yours"`
}

type round struct {
	ID, Title, Scope       string
	StartedAt, Deadline    time.Time
	RemindAt               time.Time
	RemindedAt             *time.Time
	Contacts, StatesNumber int
}

const roundCols = `id, title, scope, started_at, deadline, remind_at, reminded_at, contacts, states`

func scanRound(row interface{ Scan(...any) error }) (round, error) {
	var r round
	err := row.Scan(&r.ID, &r.Title, &r.Scope, &r.StartedAt, &r.Deadline, &r.RemindAt, &r.RemindedAt, &r.Contacts, &r.StatesNumber)
	r.StartedAt, r.Deadline, r.RemindAt = r.StartedAt.UTC(), r.Deadline.UTC(), r.RemindAt.UTC()
	return r, err
}

func (s *Service) round(ctx context.Context, q db.Querier, roundID string) (round, error) {
	r, err := scanRound(q.QueryRowContext(ctx, `SELECT `+roundCols+` FROM contacts_rounds WHERE id = ?`, roundID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// StartRound starts a communication check (secretariat): every active
// contact of the States gets an e-mail with its own acknowledgement link.
func (s *Service) StartRound(ctx context.Context, in RoundInput) (RoundSummary, error) {
	u := auth.UserFrom(ctx)
	if u == nil || u.Role != auth.RoleSecretariat {
		return RoundSummary{}, ErrForbidden
	}
	var err error
	if in.Title, err = singleLine("title", in.Title, 200, true); err != nil {
		return RoundSummary{}, err
	}
	if in.Hours < 1 || in.Hours > 720 {
		return RoundSummary{}, invalid("hours", "must be from 1 to 720 hours")
	}
	if in.Rate < 0 || in.Rate > MaxRoundRate {
		return RoundSummary{}, api.InvalidN("rate_per_minute", MaxRoundRate, "must be from 1 to %d e-mails a minute, or 0 for no limit", MaxRoundRate)
	}
	scope := "all"
	var list []string
	if len(in.States) > 0 {
		seen := map[string]bool{}
		for _, c := range in.States {
			c = strings.ToUpper(strings.TrimSpace(c))
			if c == "" || seen[c] {
				continue
			}
			if _, ok := states.ByISO3(c); !ok || len(c) != 3 {
				return RoundSummary{}, api.Invalidf("states", "unknown State code %q", c)
			}
			seen[c] = true
			list = append(list, c)
		}
		if len(list) == 0 {
			return RoundSummary{}, invalid("states", "list at least one State, or none for all")
		}
		sort.Strings(list)
		scope = strings.Join(list, ",")
	}
	at := s.Now()
	r := round{ID: id.New(), Title: in.Title, Scope: scope, StartedAt: at, Deadline: at.Add(time.Duration(in.Hours) * time.Hour)}
	r.RemindAt = r.Deadline.Add(-time.Duration(in.Hours) * time.Hour / 4)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		where, args := `status = ?`, []any{StatusActive}
		if list != nil {
			where += ` AND state_iso3 IN (` + db.Placeholders(len(list)) + `)`
			for _, c := range list {
				args = append(args, c)
			}
		}
		targets, err := s.entries(ctx, tx, where+` ORDER BY state_iso3, kind, id`, args...)
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			return invalid("states", "no State in the round has a confirmed point of contact")
		}
		seen := map[string]bool{}
		for _, c := range targets {
			seen[c.StateISO3] = true
		}
		r.Contacts, r.StatesNumber = len(targets), len(seen)
		// At the pace asked, the last e-mail must go before the reminder.
		if in.Rate > 0 && paced(r.StartedAt, len(targets)-1, in.Rate).After(r.RemindAt) {
			return api.InvalidN("rate_per_minute", len(targets), "at %d a minute the %d e-mails would still be going at the reminder, a quarter of the time before the deadline: raise the rate or give more hours", in.Rate, len(targets))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_rounds (`+roundCols+`, started_by, rate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Title, r.Scope, r.StartedAt, r.Deadline, r.RemindAt, nil, r.Contacts, r.StatesNumber, u.ID, in.Rate); err != nil {
			return fmt.Errorf("insert round: %w", err)
		}
		// The job queue's clock, not the application's (which tests and
		// the demo move), sets when each e-mail goes.
		queued := time.Now().UTC()
		for i, c := range targets {
			pid := id.New()
			if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_pings (id, round_id, entry_id, state_iso3, kind) VALUES (?, ?, ?, ?, ?)`, pid, r.ID, c.ID, c.StateISO3, c.Kind); err != nil {
				return fmt.Errorf("insert ping: %w", err)
			}
			if _, err := jobs.Enqueue(ctx, tx, JobPing, pingJob{Ping: pid}, jobs.Options{UniqueKey: "contacts.ping:" + pid, MaxAttempts: 6, RunAt: paced(queued, i, in.Rate)}); err != nil {
				return err
			}
		}
		if err := s.refreshResults(ctx, tx, r.ID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "round.start", "contacts_round", r.ID, nil, map[string]any{"title": r.Title, "scope": r.Scope, "deadline": r.Deadline, "contacts": r.Contacts, "states": r.StatesNumber, "rate_per_minute": in.Rate})
	})
	if err != nil {
		return RoundSummary{}, err
	}
	return s.RoundSummary(ctx, r.ID)
}

type pingJob struct {
	Ping     string `json:"ping"`
	Reminder bool   `json:"reminder,omitempty"`
}

// roundKey returns the secret that signs acknowledgement links, made once
// and shared by every instance through the settings table.
func (s *Service) roundKey(ctx context.Context, q db.Querier) ([]byte, error) {
	const name = "contacts.round_key"
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		v = id.Secret(32)
		if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, name, v); err != nil {
			return nil, fmt.Errorf("round key: %w", err)
		}
		err = q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, name).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("round key: %w", err)
	}
	return []byte(v), nil
}

func tokenMAC(key []byte, pingID string, expires int64) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "contacts-ack:%s:%d", pingID, expires)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:24])
}

// AckToken is a ping's acknowledgement token: the ping, its expiry (the
// round's deadline) and an HMAC of both. It names no person or State.
func AckToken(key []byte, pingID string, expires time.Time) string {
	e := expires.Unix()
	return pingID + "." + strconv.FormatInt(e, 10) + "." + tokenMAC(key, pingID, e)
}

// errNotYourCheck refuses a platform acknowledgement by a user of the
// State other than the contact the check was sent to.
var errNotYourCheck = &api.Error{Status: http.StatusForbidden, Code: "not_your_check", Field: "ping",
	Message: "only the contact this check was sent to can acknowledge it: sign in with that contact's address, or use the link in the e-mail"}

// Refusals of an acknowledgement link; each records nothing.
var (
	errTokenAltered = &api.Error{Status: http.StatusBadRequest, Code: "invalid_token", Field: "token", Message: "this acknowledgement link is not valid; use the link from the e-mail as it was sent"}
	errTokenExpired = &api.Error{Status: http.StatusGone, Code: "expired", Field: "token", Message: "this acknowledgement link has expired: the deadline has passed"}
	errTokenUsed    = &api.Error{Status: http.StatusGone, Code: "already_used", Field: "token", Message: "this acknowledgement link has already been used"}
)

// AcknowledgeLink records the acknowledgement a contact makes by following
// its e-mailed link: no sign-in. An altered, expired or used token is
// refused and records nothing.
func (s *Service) AcknowledgeLink(ctx context.Context, token string) error {
	parts := strings.Split(token, ".")
	if len(token) > 200 || len(parts) != 3 || !id.Valid(parts[0]) {
		return errTokenAltered
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return errTokenAltered
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		key, err := s.roundKey(ctx, tx)
		if err != nil {
			return err
		}
		if !hmac.Equal([]byte(parts[2]), []byte(tokenMAC(key, parts[0], exp))) {
			return errTokenAltered
		}
		var deadline time.Time
		var acked *time.Time
		err = tx.QueryRowContext(ctx, `SELECT r.deadline, p.acked_at FROM contacts_pings p JOIN contacts_rounds r ON r.id = p.round_id WHERE p.id = ?`, parts[0]).Scan(&deadline, &acked)
		if errors.Is(err, sql.ErrNoRows) || err == nil && deadline.Unix() != exp {
			return errTokenAltered
		}
		if err != nil {
			return err
		}
		at := s.Now()
		switch {
		case acked != nil:
			return errTokenUsed
		case !at.Before(deadline):
			return errTokenExpired
		}
		return s.ackTx(ctx, tx, parts[0], "link", "", at)
	})
}

func (s *Service) ackTx(ctx context.Context, tx *db.Tx, pingID, via, by string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE contacts_pings SET acked_at = ?, acked_via = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL`, at, via, by, pingID)
	if err != nil {
		return fmt.Errorf("acknowledge: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errTokenUsed
	}
	if err := s.refreshPing(ctx, tx, pingID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "ping.acknowledge", "contacts_ping", pingID, nil, map[string]string{"via": via})
}

// AcknowledgeInPlatform records an acknowledgement by the contact the
// check was sent to, signed in (a State user whose address is the
// contact's), before or after the deadline (then it is late). A check
// tests that one contact is reachable, so no colleague acknowledges it for
// them: another user of the State is refused (403), anyone else gets 404.
func (s *Service) AcknowledgeInPlatform(ctx context.Context, pingID string) (Ping, error) {
	u := auth.UserFrom(ctx)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var state, email string
		var acked *time.Time
		err := tx.QueryRowContext(ctx, `SELECT p.state_iso3, e.email, p.acked_at FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id WHERE p.id = ?`, pingID).Scan(&state, &email, &acked)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !u.ActsFor(state) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !strings.EqualFold(email, u.Email) {
			return errNotYourCheck
		}
		if acked != nil {
			return conflict("ping", "this check has already been acknowledged")
		}
		return s.ackTx(ctx, tx, pingID, "platform", u.ID, s.Now())
	})
	if err != nil {
		return Ping{}, err
	}
	list, err := s.pings(ctx, `p.id = ?`, pingID)
	if err != nil || len(list) == 0 {
		return Ping{}, err
	}
	return list[0], nil
}

// sendPing is the JobPing handler.
// pingText is a round's check e-mail in lang (the first one, or the
// reminder): its subject and its text.
func (s *Service) pingText(lang string, reminder bool, deadline time.Time, link, round string) (string, string) {
	t := s.Svc.T(lang)
	by := mailTime(lang, deadline)
	subject, intro := t("contacts.mail.ping_subject", by), t("contacts.mail.ping_intro")
	if reminder {
		subject, intro = t("contacts.mail.ping_reminder_subject", by), t("contacts.mail.ping_reminder_intro")
	}
	return subject, intro + "\n\n" + t("contacts.mail.ping_ack", by) + "\n\n" + link + "\n\n" + t("contacts.mail.ping_platform") + " " + s.Svc.Link("/contacts/rounds") +
		"\n\n" + t("contacts.mail.ping_round") + " " + round + "\n"
}

func (s *Service) sendPing(ctx context.Context, payload json.RawMessage) error {
	var j pingJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(err)
	}
	var email, langs, title, state string
	var deadline time.Time
	var acked, bounced *time.Time
	err := s.DB.QueryRowContext(ctx, `SELECT e.email, e.languages, r.title, r.deadline, p.state_iso3, p.acked_at, p.bounced_at FROM contacts_pings p
		JOIN contacts_entries e ON e.id = p.entry_id JOIN contacts_rounds r ON r.id = p.round_id WHERE p.id = ?`, j.Ping).Scan(&email, &langs, &title, &deadline, &state, &acked, &bounced)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	at := s.Now()
	if acked != nil || bounced != nil || !at.Before(deadline) {
		return nil
	}
	key, err := s.roundKey(ctx, s.DB)
	if err != nil {
		return err
	}
	link := s.Svc.Link("/contacts/ack?t=" + AckToken(key, j.Ping, deadline))
	// Written in the contact's first language the interface has; the
	// English follows when that is another language, so a contact whose
	// listed language is not the one they read still understands it.
	lang := contactLang(langs)
	subject, text := s.pingText(lang, j.Reminder, deadline, link, title)
	if lang != "en" {
		_, en := s.pingText("en", j.Reminder, deadline, link, title)
		text += "\n---\n\n" + en
	}
	domain := "cybernorms.invalid"
	if _, d, ok := strings.Cut(s.Svc.MailFrom, "@"); ok {
		domain = strings.TrimSuffix(d, ">")
	}
	kind := "first"
	if j.Reminder {
		kind = "reminder"
	}
	m := mail.Message{From: s.Svc.MailFrom, To: email, Subject: subject, Text: text, MessageID: "<" + j.Ping + "." + kind + "@" + domain + ">"}
	if err := m.Validate(); err != nil {
		return s.recordBounce(ctx, j.Ping, err.Error())
	}
	if err := s.Svc.Mailer.Send(ctx, m); err != nil {
		if mail.IsPermanent(err) {
			return s.recordBounce(ctx, j.Ping, err.Error())
		}
		return err
	}
	if !j.Reminder {
		_, err = s.DB.ExecContext(ctx, `UPDATE contacts_pings SET sent_at = ? WHERE id = ? AND sent_at IS NULL`, at, j.Ping)
	}
	return err
}

func (s *Service) recordBounce(ctx context.Context, pingID, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: "mailer", Label: "mail relay", Via: "job"})
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE contacts_pings SET bounced_at = ?, bounce_reason = ? WHERE id = ? AND acked_at IS NULL AND bounced_at IS NULL`, s.Now(), reason, pingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := s.refreshPing(ctx, tx, pingID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "ping.bounce", "contacts_ping", pingID, nil, map[string]string{"reason": reason})
	})
}

// BouncesInput lists addresses whose check e-mail came back.
type BouncesInput struct {
	Addresses []string `json:"addresses"`
	Reason    string   `json:"reason,omitempty"`
}

// BouncesResult says how many pings were marked.
type BouncesResult struct {
	Marked  int      `json:"marked"`
	Unknown []string `json:"unknown"`
}

// RecordBounces marks the round's pings to these addresses as bounced
// (secretariat), from the bounce messages the relay sent back later.
func (s *Service) RecordBounces(ctx context.Context, roundID string, in BouncesInput) (BouncesResult, error) {
	out := BouncesResult{Unknown: []string{}}
	reason, err := singleLine("reason", in.Reason, 500, false)
	if err != nil {
		return out, err
	}
	if reason == "" {
		reason = "bounce reported by the secretariat"
	}
	if len(in.Addresses) == 0 || len(in.Addresses) > 5000 {
		return out, invalid("addresses", "list from 1 to 5000 addresses")
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.round(ctx, tx, roundID); err != nil {
			return err
		}
		at := s.Now()
		for _, a := range in.Addresses {
			a = strings.ToLower(strings.TrimSpace(a))
			if a == "" {
				continue
			}
			if !ValidEmail(a) {
				return api.Invalidf("addresses", "not an e-mail address: %q", a)
			}
			res, err := tx.ExecContext(ctx, `UPDATE contacts_pings SET bounced_at = ?, bounce_reason = ? WHERE round_id = ? AND acked_at IS NULL AND bounced_at IS NULL
				AND entry_id IN (SELECT id FROM contacts_entries WHERE email = ?)`, at, reason, roundID, a)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			if n == 0 {
				out.Unknown = append(out.Unknown, a)
			}
			out.Marked += int(n)
		}
		if err := s.refreshResults(ctx, tx, roundID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "round.bounces", "contacts_round", roundID, nil, map[string]int{"marked": out.Marked})
	})
	return out, err
}

// Tick sends the reminders that are due: each round once, a quarter of its
// time before the deadline, to contacts that have neither acknowledged nor
// bounced; then the request deadlines (requests.go).
func (s *Service) Tick(ctx context.Context, at time.Time) error {
	ctx = audit.WithActor(ctx, audit.Actor{ID: "clock", Label: "contacts reminders", Via: "job"})
	rows, err := s.DB.QueryContext(ctx, `SELECT id FROM contacts_rounds WHERE reminded_at IS NULL AND remind_at <= ? AND deadline > ?`, at, at)
	if err != nil {
		return err
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		due = append(due, id)
	}
	rows.Close()
	for _, rid := range due {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE contacts_rounds SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL`, at, rid)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			var rate int
			if err := tx.QueryRowContext(ctx, `SELECT rate FROM contacts_rounds WHERE id = ?`, rid).Scan(&rate); err != nil {
				return err
			}
			prow, err := tx.QueryContext(ctx, `SELECT id FROM contacts_pings WHERE round_id = ? AND acked_at IS NULL AND bounced_at IS NULL ORDER BY id`, rid)
			if err != nil {
				return err
			}
			var ids []string
			for prow.Next() {
				var p string
				if err := prow.Scan(&p); err != nil {
					prow.Close()
					return err
				}
				ids = append(ids, p)
			}
			prow.Close()
			queued := time.Now().UTC()
			for i, p := range ids {
				if _, err := jobs.Enqueue(ctx, tx, JobPing, pingJob{Ping: p, Reminder: true}, jobs.Options{UniqueKey: "contacts.remind:" + p, MaxAttempts: 4, RunAt: paced(queued, i, rate)}); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, "round.remind", "contacts_round", rid, nil, map[string]int{"reminders": len(ids)})
		})
		if err != nil {
			return err
		}
	}
	return s.tickRequests(ctx, at)
}

func minutesBetween(a time.Time, b *time.Time) *float64 {
	if b == nil {
		return nil
	}
	m := float64(b.Sub(a).Round(time.Minute) / time.Minute)
	return &m
}

func outcomeOf(acked, bounced *time.Time, deadline, at time.Time) string {
	switch {
	case acked != nil && !acked.After(deadline):
		return OutcomeInTime
	case acked != nil:
		return OutcomeLate
	case bounced != nil:
		return OutcomeBounced
	case at.Before(deadline):
		return OutcomePending
	}
	return OutcomeNoAnswer
}

// rank orders outcomes from best to worst for a State's result.
var rank = map[string]int{OutcomeInTime: 0, OutcomeLate: 1, OutcomePending: 2, OutcomeNoAnswer: 3, OutcomeBounced: 4}

// pings lists pings with their contacts (for the secretariat and State
// users; the handlers choose the rows).
func (s *Service) pings(ctx context.Context, where string, args ...any) ([]Ping, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT p.id, p.round_id, p.state_iso3, p.kind, e.id, e.name, e.email, p.sent_at, p.acked_at, p.acked_via, p.bounced_at, p.bounce_reason, r.started_at, r.deadline
		FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id JOIN contacts_rounds r ON r.id = p.round_id WHERE `+where+` ORDER BY p.state_iso3, p.kind, e.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("pings: %w", err)
	}
	defer rows.Close()
	at := s.Now()
	u := auth.UserFrom(ctx)
	out := []Ping{}
	for rows.Next() {
		var p Ping
		var started, deadline time.Time
		if err := rows.Scan(&p.ID, &p.RoundID, &p.State, &p.Kind, &p.ContactID, &p.ContactName, &p.ContactEmail, &p.SentAt, &p.AckedAt, &p.AckedVia, &p.BouncedAt, &p.BounceReason, &started, &deadline); err != nil {
			return nil, err
		}
		p.Outcome = outcomeOf(p.AckedAt, p.BouncedAt, deadline, at)
		p.Minutes = minutesBetween(started, p.AckedAt)
		p.Yours = u != nil && u.ActsFor(p.State) && strings.EqualFold(p.ContactEmail, u.Email)
		out = append(out, p)
	}
	return out, rows.Err()
}

// RoundPings lists a round's pings: all of them for the secretariat, the
// caller's own State's for a State user.
func (s *Service) RoundPings(ctx context.Context, roundID string) ([]Ping, error) {
	u := auth.UserFrom(ctx)
	if _, err := s.round(ctx, s.DB, roundID); err != nil {
		return nil, err
	}
	switch {
	case u != nil && u.Role == auth.RoleSecretariat:
		return s.pings(ctx, `p.round_id = ?`, roundID)
	case u != nil && u.Role.IsState():
		return s.pings(ctx, `p.round_id = ? AND p.state_iso3 = ?`, roundID, u.StateISO3)
	}
	return nil, ErrNotFound
}

// refreshPing recomputes the result of the State of a ping in its round.
func (s *Service) refreshPing(ctx context.Context, q db.Querier, pingID string) error {
	var roundID, state string
	if err := q.QueryRowContext(ctx, `SELECT round_id, state_iso3 FROM contacts_pings WHERE id = ?`, pingID).Scan(&roundID, &state); err != nil {
		return fmt.Errorf("refresh ping: %w", err)
	}
	return s.refreshResults(ctx, q, roundID, state)
}

// refreshResults recomputes contacts_round_states for one State of a
// round, or every State when state is "", from the pings alone (no contact
// detail is read). A State's result is its best contact's, as it stands
// once the deadline has passed.
func (s *Service) refreshResults(ctx context.Context, q db.Querier, roundID, state string) error {
	r, err := s.round(ctx, q, roundID)
	if err != nil {
		return err
	}
	where, args := `round_id = ?`, []any{roundID}
	if state != "" {
		where += ` AND state_iso3 = ?`
		args = append(args, state)
	}
	rows, err := q.QueryContext(ctx, `SELECT state_iso3, acked_at, bounced_at FROM contacts_pings WHERE `+where+` ORDER BY state_iso3`, args...)
	if err != nil {
		return fmt.Errorf("refresh results: %w", err)
	}
	var list []StateResult
	var cur *StateResult
	for rows.Next() {
		var st string
		var acked, bounced *time.Time
		if err := rows.Scan(&st, &acked, &bounced); err != nil {
			rows.Close()
			return err
		}
		if cur == nil || cur.State != st {
			list = append(list, StateResult{State: st, Outcome: OutcomeBounced})
			cur = &list[len(list)-1]
		}
		cur.Contacts++
		o := outcomeOf(acked, bounced, r.Deadline, r.Deadline)
		if acked != nil {
			cur.Acknowledged++
			if m := minutesBetween(r.StartedAt, acked); cur.Minutes == nil || *m < *cur.Minutes {
				cur.Minutes = m
			}
		}
		if rank[o] < rank[cur.Outcome] {
			cur.Outcome = o
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM contacts_round_states WHERE `+where, args...); err != nil {
		return err
	}
	for _, x := range list {
		var mins any
		if x.Minutes != nil {
			mins = int64(*x.Minutes)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO contacts_round_states (round_id, state_iso3, outcome, minutes, contacts, acknowledged) VALUES (?, ?, ?, ?, ?, ?)`,
			roundID, x.State, x.Outcome, mins, x.Contacts, x.Acknowledged); err != nil {
			return fmt.Errorf("refresh results: %w", err)
		}
	}
	return nil
}

// stateResults reads each State's result in the rounds the where clause
// selects (on contacts_round_states s and contacts_rounds r).
func (s *Service) stateResults(ctx context.Context, lang, where string, args ...any) ([]StateResult, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT r.id, r.title, r.deadline, s.state_iso3, s.outcome, s.minutes, s.contacts, s.acknowledged
		FROM contacts_round_states s JOIN contacts_rounds r ON r.id = s.round_id WHERE `+where+` ORDER BY r.started_at DESC, r.id, s.state_iso3`, args...)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer rows.Close()
	out := []StateResult{}
	names := map[string]string{}
	for rows.Next() {
		var x StateResult
		var mins *int64
		if err := rows.Scan(&x.RoundID, &x.Title, &x.Deadline, &x.State, &x.Outcome, &mins, &x.Contacts, &x.Acknowledged); err != nil {
			return nil, err
		}
		x.Deadline = x.Deadline.UTC()
		if mins != nil {
			m := float64(*mins)
			x.Minutes = &m
		}
		n, ok := names[x.State]
		if !ok {
			st, _ := states.ByISO3(x.State)
			n = st.Name(lang)
			names[x.State] = n
		}
		x.Name = n
		out = append(out, x)
	}
	return out, rows.Err()
}

func summaryOf(r round, results []StateResult, at time.Time) RoundSummary {
	sum := RoundSummary{ID: r.ID, Title: r.Title, StartedAt: r.StartedAt, Deadline: r.Deadline, Closed: !at.Before(r.Deadline), States: r.StatesNumber, Contacts: r.Contacts, ByOutcome: map[string]int{}}
	if !sum.Closed {
		return sum
	}
	for _, o := range Outcomes {
		sum.ByOutcome[o] = 0
	}
	var mins []float64
	for _, x := range results {
		sum.ByOutcome[x.Outcome]++
		if x.Minutes != nil {
			mins = append(mins, *x.Minutes)
		}
	}
	if len(results) > 0 {
		sum.InTimeShare = float64(sum.ByOutcome[OutcomeInTime]) / float64(len(results))
	}
	if len(mins) > 0 {
		sort.Float64s(mins)
		m := mins[len(mins)/2]
		if len(mins)%2 == 0 {
			m = (mins[len(mins)/2-1] + mins[len(mins)/2]) / 2
		}
		sum.MedianMinutes = &m
	}
	return sum
}

// RoundSummary returns one round's public summary.
func (s *Service) RoundSummary(ctx context.Context, roundID string) (RoundSummary, error) {
	res, err := s.RoundResults(ctx, roundID, "en")
	return res.Round, err
}

// RoundResults returns a round's public results: aggregates and each
// State's result once the deadline has passed; before it, the round
// without results.
func (s *Service) RoundResults(ctx context.Context, roundID, lang string) (RoundResults, error) {
	r, err := s.round(ctx, s.DB, roundID)
	if err != nil {
		return RoundResults{}, err
	}
	at := s.Now()
	out := RoundResults{States: []StateResult{}}
	if !at.Before(r.Deadline) {
		if out.States, err = s.stateResults(ctx, lang, `s.round_id = ?`, roundID); err != nil {
			return out, err
		}
	}
	out.Round = summaryOf(r, out.States, at)
	return out, nil
}

// Rounds lists every round, newest first, with its public figures.
func (s *Service) Rounds(ctx context.Context) ([]RoundSummary, error) {
	return s.latestRounds(ctx, -1)
}

// latestRounds summarises the n newest rounds, every round for n < 0.
func (s *Service) latestRounds(ctx context.Context, n int) ([]RoundSummary, error) {
	k, err := s.rounds.Get(ctx, s.DB, s.readRounds)
	if err != nil {
		return nil, err
	}
	list := k.list
	if n >= 0 && len(list) > n {
		list = list[:n]
	}
	at := s.Now()
	out := make([]RoundSummary, 0, len(list))
	for _, r := range list {
		if !at.Before(r.Deadline) {
			out = append(out, k.closed[r.ID])
			continue
		}
		out = append(out, summaryOf(r, k.results[r.ID], at))
	}
	return out, nil
}

// keptRounds are every round, newest first, with each State's result:
// what the summaries are made of. Whether a round has closed is not kept
// but decided at each request; closed is each round's summary once its
// deadline has passed (summaryOf counts the results of a closed round
// only, the same whenever it is asked), shared by every request that gets
// it: callers must not change it.
type keptRounds struct {
	list    []round
	results map[string][]StateResult
	closed  map[string]RoundSummary
}

// readRounds reads what Rounds summarises: only each result's outcome and
// minutes.
func (s *Service) readRounds(ctx context.Context) (keptRounds, error) {
	k := keptRounds{results: map[string][]StateResult{}}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+roundCols+` FROM contacts_rounds ORDER BY started_at DESC`)
	if err != nil {
		return k, err
	}
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			rows.Close()
			return k, err
		}
		k.list = append(k.list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return k, err
	}
	rrows, err := s.DB.QueryContext(ctx, `SELECT round_id, outcome, minutes FROM contacts_round_states`)
	if err != nil {
		return k, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var rid string
		var x StateResult
		var mins *int64
		if err := rrows.Scan(&rid, &x.Outcome, &mins); err != nil {
			return k, err
		}
		if mins != nil {
			m := float64(*mins)
			x.Minutes = &m
		}
		k.results[rid] = append(k.results[rid], x)
	}
	if err := rrows.Err(); err != nil {
		return k, err
	}
	k.closed = make(map[string]RoundSummary, len(k.list))
	for _, r := range k.list {
		k.closed[r.ID] = summaryOf(r, k.results[r.ID], r.Deadline)
	}
	return k, nil
}

// StateHistory is a State's result in every closed round, newest first.
func (s *Service) StateHistory(ctx context.Context, iso3, lang string) ([]StateResult, error) {
	st, err := knownState(iso3)
	if err != nil {
		return nil, err
	}
	return s.stateResults(ctx, lang, `s.state_iso3 = ? AND r.deadline <= ?`, st.ISO3, s.Now())
}

// backfillResults computes contacts_round_states for rounds started before
// it existed (migration 0902), once, at start.
func (s *Service) backfillResults(ctx context.Context) error {
	rows, err := s.DB.QueryContext(ctx, `SELECT id FROM contacts_rounds r WHERE NOT EXISTS (SELECT 1 FROM contacts_round_states s WHERE s.round_id = r.id)`)
	if err != nil {
		return fmt.Errorf("backfill round results: %w", err)
	}
	var ids []string
	for rows.Next() {
		var rid string
		if err := rows.Scan(&rid); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, rid)
	}
	rows.Close()
	for _, rid := range ids {
		if err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			if err := s.refreshResults(ctx, tx, rid, ""); err != nil {
				return err
			}
			return audit.RecordEvent(ctx, tx, "round.results", "contacts_round", rid, nil)
		}); err != nil {
			return err
		}
	}
	return nil
}

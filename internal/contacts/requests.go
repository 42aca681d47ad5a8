package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
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

// Urgencies of a request, most urgent first.
var Urgencies = []string{"critical", "high", "routine"}

// TLP 2.0 markings.
var TLPs = []string{"TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"}

// Asks are what a request may ask for.
var Asks = []string{"information", "technical-assistance", "mitigation", "investigation", "stop-activity"}

// Sectors of critical infrastructure.
var Sectors = []string{"energy", "health", "finance", "transport", "water", "telecommunications", "government", "emergency-services", "food", "manufacturing", "elections", "other"}

// Norms are the eleven norms of the 2015 GGE report, by letter.
var Norms = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}

// Request statuses.
const (
	ReqSent         = "sent"
	ReqAcknowledged = "acknowledged"
	ReqAnswered     = "answered"
	ReqClosed       = "closed"
	ReqWithdrawn    = "withdrawn"
)

// RequestStatuses lists the lifecycle.
var RequestStatuses = []string{ReqSent, ReqAcknowledged, ReqAnswered, ReqClosed, ReqWithdrawn}

// Answers and feedback.
var (
	AnswerKinds   = []string{"help", "unable"}
	FeedbackKinds = []string{"helpful", "partly", "not"}
)

// RequestContent is what the template asks; it is sealed at rest and
// shown only to the two States' contacts and approvers.
type RequestContent struct {
	Incident   string   `json:"incident" text:"multiline" doc:"what happened"`
	OccurredOn string   `json:"occurred_on" doc:"when it happened or began, YYYY-MM-DD"`
	Sector     string   `json:"sector" doc:"critical-infrastructure sector"`
	Asked      []string `json:"asked" doc:"information, technical-assistance, mitigation, investigation, stop-activity"`
	Details    string   `json:"details,omitempty" doc:"what exactly is asked"`
	Norms      []string `json:"norms,omitempty" doc:"the norms concerned, by letter (a–k)"`
}

// RequestInput sends a request.
type RequestInput struct {
	To      string `json:"to" doc:"ISO3 code of the State asked"`
	Urgency string `json:"urgency" doc:"critical, high or routine"`
	TLP     string `json:"tlp" doc:"TLP 2.0 marking, e.g. TLP:AMBER"`
	RequestContent
}

// Request is a request for assistance. Content and the texts are present
// only for the two States' contacts and approvers (or the secretariat when
// both States shared the request); Metadata is what the secretariat sees.
type Request struct {
	ID          string          `json:"id"`
	From        string          `json:"from"`
	To          string          `json:"to"`
	FromName    string          `json:"from_name"`
	ToName      string          `json:"to_name"`
	Urgency     string          `json:"urgency"`
	TLP         string          `json:"tlp"`
	Status      string          `json:"status"`
	Answer      string          `json:"answer,omitempty"`
	Feedback    string          `json:"feedback,omitempty"`
	SentAt      time.Time       `json:"sent_at"`
	AckDue      time.Time       `json:"acknowledge_by"`
	AnswerDue   time.Time       `json:"answer_by"`
	AckedAt     *time.Time      `json:"acknowledged_at,omitempty"`
	AnsweredAt  *time.Time      `json:"answered_at,omitempty"`
	ClosedAt    *time.Time      `json:"closed_at,omitempty"`
	WithdrawnAt *time.Time      `json:"withdrawn_at,omitempty"`
	ShareFrom   bool            `json:"shared_by_requester"`
	ShareTo     bool            `json:"shared_by_recipient"`
	PublishFrom bool            `json:"publish_by_requester"`
	PublishTo   bool            `json:"publish_by_recipient"`
	Content     *RequestContent `json:"content,omitempty"`
	AnswerText  string          `json:"answer_text,omitempty"`
	FeedbackTxt string          `json:"feedback_text,omitempty"`
	WithdrawTxt string          `json:"withdraw_reason,omitempty"`
	Messages    []Message       `json:"messages,omitempty"`
	Files       []File          `json:"files,omitempty"`
	// Party is true when the reader is one of the two States' contacts or approvers.
	Party bool `json:"party"`

	content, answerBody, feedbackBody, withdrawBody []byte
}

// Message is a message between the two States on a request.
type Message struct {
	ID     string    `json:"id"`
	From   string    `json:"from"`
	At     time.Time `json:"at"`
	Body   string    `json:"body"`
	Author string    `json:"-"`
}

// File is a file attached to a request.
type File struct {
	ID        string    `json:"id"`
	From      string    `json:"from"`
	At        time.Time `json:"at"`
	Size      int       `json:"size"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
}

// Deadline is the time a State has to acknowledge and to answer a request
// of an urgency (set by the secretariat).
type Deadline struct {
	Urgency     string `json:"urgency"`
	AckHours    int    `json:"acknowledge_hours"`
	AnswerHours int    `json:"answer_hours"`
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (c *RequestContent) validate() error {
	var err error
	if c.Incident, err = multiLine("incident", c.Incident, 20000, true); err != nil {
		return err
	}
	if c.OccurredOn, err = singleLine("occurred_on", c.OccurredOn, 10, true); err != nil {
		return err
	}
	if _, perr := time.Parse("2006-01-02", c.OccurredOn); perr != nil {
		return invalid("occurred_on", "must be a date as YYYY-MM-DD")
	}
	if !oneOf(c.Sector, Sectors) {
		return invalid("sector", "must be one of "+strings.Join(Sectors, ", "))
	}
	if len(c.Asked) == 0 {
		return invalid("asked", "say what is asked: one or more of "+strings.Join(Asks, ", "))
	}
	for _, a := range c.Asked {
		if !oneOf(a, Asks) {
			return invalid("asked", "must be among "+strings.Join(Asks, ", "))
		}
	}
	if c.Details, err = multiLine("details", c.Details, 20000, false); err != nil {
		return err
	}
	for _, n := range c.Norms {
		if !oneOf(n, Norms) {
			return invalid("norms", "must be norm letters from a to k")
		}
	}
	if c.Norms == nil {
		c.Norms = []string{}
	}
	return nil
}

// canAct reports whether u may read and act on iso3's requests: an
// approver of the State, or a user whose address is one of the State's
// current points of contact.
func (s *Service) canAct(ctx context.Context, q db.Querier, u *auth.User, iso3 string) (bool, error) {
	if !u.ActsFor(iso3) {
		return false, nil
	}
	if u.Role == auth.RoleStateApprover {
		return true, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts_entries WHERE state_iso3 = ? AND status = ? AND email = ?`, iso3, StatusActive, strings.ToLower(u.Email)).Scan(&n)
	return n > 0, err
}

func reqScope(id string) string       { return "contacts:request:" + id }
func reqAAD(id, column string) []byte { return []byte("contacts_requests:" + id + ":" + column) }
func (s *Service) seal(ctx context.Context, q db.Querier, reqID, aad string, v []byte) ([]byte, error) {
	return s.Svc.Seal.Seal(ctx, q, reqScope(reqID), v, []byte(aad))
}
func (s *Service) open(ctx context.Context, q db.Querier, reqID, aad string, v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, nil
	}
	return s.Svc.Seal.Open(ctx, q, reqScope(reqID), v, []byte(aad))
}

// Deadlines returns the deadlines by urgency.
func (s *Service) Deadlines(ctx context.Context) ([]Deadline, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT urgency, ack_hours, answer_hours FROM contacts_deadlines`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	by := map[string]Deadline{}
	for rows.Next() {
		var d Deadline
		if err := rows.Scan(&d.Urgency, &d.AckHours, &d.AnswerHours); err != nil {
			return nil, err
		}
		by[d.Urgency] = d
	}
	out := []Deadline{}
	for _, u := range Urgencies {
		out = append(out, by[u])
	}
	return out, rows.Err()
}

// SetDeadlines changes the deadlines (secretariat). They apply to requests
// sent afterwards.
func (s *Service) SetDeadlines(ctx context.Context, list []Deadline) ([]Deadline, error) {
	u := auth.UserFrom(ctx)
	if u == nil || u.Role != auth.RoleSecretariat {
		return nil, ErrForbidden
	}
	if len(list) == 0 {
		return nil, invalid("deadlines", "give at least one urgency")
	}
	for _, d := range list {
		switch {
		case !oneOf(d.Urgency, Urgencies):
			return nil, invalid("urgency", "must be critical, high or routine")
		case d.AckHours < 1 || d.AckHours > 720:
			return nil, invalid("acknowledge_hours", "must be from 1 to 720")
		case d.AnswerHours < d.AckHours || d.AnswerHours > 2160:
			return nil, invalid("answer_hours", "must be at least the time to acknowledge and at most 2160")
		}
	}
	before, err := s.Deadlines(ctx)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, d := range list {
			if _, err := tx.ExecContext(ctx, `UPDATE contacts_deadlines SET ack_hours = ?, answer_hours = ? WHERE urgency = ?`, d.AckHours, d.AnswerHours, d.Urgency); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "deadlines.set", "contacts_deadlines", "requests", before, list)
	})
	if err != nil {
		return nil, err
	}
	return s.Deadlines(ctx)
}

// SendRequest sends a request for assistance from the caller's State.
func (s *Service) SendRequest(ctx context.Context, in RequestInput) (Request, error) {
	u := auth.UserFrom(ctx)
	if u == nil || !u.Role.IsState() {
		return Request{}, ErrForbidden
	}
	from := strings.ToUpper(u.StateISO3)
	in.To = strings.ToUpper(strings.TrimSpace(in.To))
	if _, ok := states.ByISO3(in.To); !ok || len(in.To) != 3 {
		return Request{}, invalid("to", "is not a known State (ISO3 code)")
	}
	if in.To == from {
		return Request{}, invalid("to", "a State cannot ask itself")
	}
	if !oneOf(in.Urgency, Urgencies) {
		return Request{}, invalid("urgency", "must be critical, high or routine")
	}
	if !oneOf(in.TLP, TLPs) {
		return Request{}, invalid("tlp", "must be a TLP 2.0 marking: "+strings.Join(TLPs, ", "))
	}
	if err := in.RequestContent.validate(); err != nil {
		return Request{}, err
	}
	at := s.Now()
	r := Request{ID: id.New(), From: from, To: in.To, Urgency: in.Urgency, TLP: in.TLP, Status: ReqSent, SentAt: at}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := s.canAct(ctx, tx, u, from)
		if err != nil {
			return err
		}
		if !ok {
			return conflict("from", "only your State's points of contact and approvers send requests; your address is not one of its current contacts")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts_entries WHERE state_iso3 = ? AND status = ?`, in.To, StatusActive).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return invalid("to", "this State has no point of contact, so it cannot receive requests through the platform")
		}
		var d Deadline
		if err := tx.QueryRowContext(ctx, `SELECT ack_hours, answer_hours FROM contacts_deadlines WHERE urgency = ?`, in.Urgency).Scan(&d.AckHours, &d.AnswerHours); err != nil {
			return fmt.Errorf("deadline: %w", err)
		}
		r.AckDue, r.AnswerDue = at.Add(time.Duration(d.AckHours)*time.Hour), at.Add(time.Duration(d.AnswerHours)*time.Hour)
		plain, _ := json.Marshal(in.RequestContent)
		sealed, err := s.seal(ctx, tx, r.ID, "contacts_requests:"+r.ID+":content", plain)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_requests (id, from_state, to_state, urgency, tlp, status, content, sent_by, sent_at, ack_due, answer_due)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.From, r.To, r.Urgency, r.TLP, r.Status, sealed, u.ID, at, r.AckDue, r.AnswerDue); err != nil {
			return fmt.Errorf("insert request: %w", err)
		}
		if err := audit.Record(ctx, tx, "request.send", "contacts_request", r.ID, nil, metaView(r)); err != nil {
			return err
		}
		return s.tellParty(ctx, tx, r.To, r, "received", func(lang string, t platform.Tr) string {
			return t("contacts.mail.received", t("contacts.urgency."+r.Urgency), mailTime(lang, r.AckDue))
		})
	})
	if err != nil {
		return Request{}, err
	}
	return s.Request(ctx, r.ID)
}

// metaView is what the audit log keeps of a request: its metadata.
func metaView(r Request) map[string]any {
	return map[string]any{"from": r.From, "to": r.To, "urgency": r.Urgency, "tlp": r.TLP, "status": r.Status, "answer": r.Answer, "feedback": r.Feedback}
}

// partyAddresses are the addresses told of a step: the State's current
// contacts, each in the first of its languages the interface has, and its
// approvers in their accounts' languages; one message per address.
func (s *Service) partyAddresses(ctx context.Context, q db.Querier, iso3 string) ([]platform.Recipient, error) {
	seen := map[string]bool{}
	var out []platform.Recipient
	rows, err := q.QueryContext(ctx, `SELECT email, languages FROM contacts_entries WHERE state_iso3 = ? AND status = ? ORDER BY email`, iso3, StatusActive)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var e, langs string
		if err := rows.Scan(&e, &langs); err != nil {
			rows.Close()
			return nil, err
		}
		if !seen[strings.ToLower(e)] {
			seen[strings.ToLower(e)] = true
			out = append(out, platform.Recipient{Email: e, Lang: contactLang(langs)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	appr, err := accounts(ctx, q, auth.RoleStateApprover, iso3)
	if err != nil {
		return nil, err
	}
	for _, r := range appr {
		if !seen[strings.ToLower(r.Email)] {
			seen[strings.ToLower(r.Email)] = true
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out, nil
}

// tellParty e-mails a State's contacts and approvers that something
// happened on a request (event: received, acknowledged, answered, closed,
// withdrawn, message, reminder), each in its language; line writes what
// happened in a language. The message links to the request; it never
// carries the request's content.
func (s *Service) tellParty(ctx context.Context, tx db.Querier, iso3 string, r Request, event string, line func(lang string, t platform.Tr) string) error {
	to, err := s.partyAddresses(ctx, tx, iso3)
	if err != nil {
		return err
	}
	return s.Svc.QueueLetter(ctx, tx, to, func(lang string, t platform.Tr) (string, string) {
		return t("contacts.mail.request_subject", r.ID[len(r.ID)-6:], t("contacts.mail.event."+event)),
			line(lang, t) + "\n\n" + t("contacts.mail.request_footer") + "\n" + s.Svc.Link("/contacts/requests/"+r.ID) + "\n"
	})
}

const requestCols = `id, from_state, to_state, urgency, tlp, status, answer, feedback, sent_at, ack_due, answer_due, acked_at, answered_at, closed_at, withdrawn_at, share_from, share_to, publish_from, publish_to, content, answer_body, feedback_body, withdraw_body`

func scanRequest(row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	err := row.Scan(&r.ID, &r.From, &r.To, &r.Urgency, &r.TLP, &r.Status, &r.Answer, &r.Feedback, &r.SentAt, &r.AckDue, &r.AnswerDue, &r.AckedAt, &r.AnsweredAt, &r.ClosedAt, &r.WithdrawnAt,
		&r.ShareFrom, &r.ShareTo, &r.PublishFrom, &r.PublishTo, &r.content, &r.answerBody, &r.feedbackBody, &r.withdrawBody)
	r.SentAt, r.AckDue, r.AnswerDue = r.SentAt.UTC(), r.AckDue.UTC(), r.AnswerDue.UTC()
	if a, ok := states.ByISO3(r.From); ok {
		r.FromName = a.Name("en")
	}
	if b, ok := states.ByISO3(r.To); ok {
		r.ToName = b.Name("en")
	}
	return r, err
}

func (s *Service) loadRequest(ctx context.Context, q db.Querier, reqID string) (Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestCols+` FROM contacts_requests WHERE id = ?`, reqID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// access says what the caller may do with a request: party (one of the two
// States' contacts or approvers, and which side), or the secretariat
// (metadata, content when both States shared it). Anyone else: not found.
func (s *Service) access(ctx context.Context, q db.Querier, r Request) (side string, secretariat bool, err error) {
	u := auth.UserFrom(ctx)
	if u != nil && u.Role == auth.RoleSecretariat {
		return "", true, nil
	}
	for _, x := range []struct{ side, state string }{{"from", r.From}, {"to", r.To}} {
		ok, err := s.canAct(ctx, q, u, x.state)
		if err != nil {
			return "", false, err
		}
		if ok {
			return x.side, false, nil
		}
	}
	return "", false, ErrNotFound
}

// Request returns one request as the caller may see it.
func (s *Service) Request(ctx context.Context, reqID string) (Request, error) {
	r, err := s.loadRequest(ctx, s.DB, reqID)
	if err != nil {
		return r, err
	}
	side, secretariat, err := s.access(ctx, s.DB, r)
	if err != nil {
		return Request{}, err
	}
	r.Party = side != ""
	if r.Party || secretariat && r.ShareFrom && r.ShareTo {
		if err := s.reveal(ctx, &r); err != nil {
			return Request{}, err
		}
	}
	return r, nil
}

// reveal opens the request's sealed content, messages and file names.
func (s *Service) reveal(ctx context.Context, r *Request) error {
	plain, err := s.open(ctx, s.DB, r.ID, "contacts_requests:"+r.ID+":content", r.content)
	if err != nil {
		return fmt.Errorf("open request %s: %w", r.ID, err)
	}
	var c RequestContent
	if err := json.Unmarshal(plain, &c); err != nil {
		return err
	}
	r.Content = &c
	for _, x := range []struct {
		col string
		src []byte
		dst *string
	}{{"answer", r.answerBody, &r.AnswerText}, {"feedback", r.feedbackBody, &r.FeedbackTxt}, {"withdraw", r.withdrawBody, &r.WithdrawTxt}} {
		b, err := s.open(ctx, s.DB, r.ID, "contacts_requests:"+r.ID+":"+x.col, x.src)
		if err != nil {
			return err
		}
		*x.dst = string(b)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, from_state, author_id, at, body FROM contacts_request_messages WHERE request_id = ? ORDER BY at, id`, r.ID)
	if err != nil {
		return err
	}
	type sealedMsg struct {
		m    Message
		body []byte
	}
	var msgs []sealedMsg
	for rows.Next() {
		var x sealedMsg
		if err := rows.Scan(&x.m.ID, &x.m.From, &x.m.Author, &x.m.At, &x.body); err != nil {
			rows.Close()
			return err
		}
		msgs = append(msgs, x)
	}
	rows.Close()
	r.Messages = []Message{}
	for _, x := range msgs {
		b, err := s.open(ctx, s.DB, r.ID, "contacts_request_messages:"+x.m.ID, x.body)
		if err != nil {
			return err
		}
		x.m.Body, x.m.At = string(b), x.m.At.UTC()
		r.Messages = append(r.Messages, x.m)
	}
	frows, err := s.DB.QueryContext(ctx, `SELECT id, from_state, at, size, meta FROM contacts_request_files WHERE request_id = ? ORDER BY at, id`, r.ID)
	if err != nil {
		return err
	}
	type sealedFile struct {
		f    File
		meta []byte
	}
	var files []sealedFile
	for frows.Next() {
		var x sealedFile
		if err := frows.Scan(&x.f.ID, &x.f.From, &x.f.At, &x.f.Size, &x.meta); err != nil {
			frows.Close()
			return err
		}
		files = append(files, x)
	}
	frows.Close()
	r.Files = []File{}
	for _, x := range files {
		b, err := s.open(ctx, s.DB, r.ID, "contacts_request_files:"+x.f.ID+":meta", x.meta)
		if err != nil {
			return err
		}
		var meta struct{ Name, Type string }
		_ = json.Unmarshal(b, &meta)
		x.f.Name, x.f.MediaType, x.f.At = meta.Name, meta.Type, x.f.At.UTC()
		r.Files = append(r.Files, x.f)
	}
	return nil
}

// Requests lists the requests the caller may see, newest first: a party's
// own State's (sent and received), or every one's metadata for the
// secretariat. Anyone else gets an empty list.
func (s *Service) Requests(ctx context.Context) ([]Request, error) {
	u := auth.UserFrom(ctx)
	out := []Request{}
	var rows *sql.Rows
	var err error
	switch {
	case u != nil && u.Role == auth.RoleSecretariat:
		rows, err = s.DB.QueryContext(ctx, `SELECT `+requestCols+` FROM contacts_requests ORDER BY sent_at DESC, id LIMIT 1000`)
	case u != nil && u.Role.IsState():
		ok, cerr := s.canAct(ctx, s.DB, u, u.StateISO3)
		if cerr != nil || !ok {
			return out, cerr
		}
		rows, err = s.DB.QueryContext(ctx, `SELECT `+requestCols+` FROM contacts_requests WHERE from_state = ? OR to_state = ? ORDER BY sent_at DESC, id LIMIT 1000`, u.StateISO3, u.StateISO3)
	default:
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		r.Party = u.Role.IsState()
		out = append(out, r)
	}
	return out, rows.Err()
}

// step changes a request in one transaction after checking the caller's
// side and the request's status.
func (s *Service) step(ctx context.Context, reqID, side string, allowed []string, fn func(tx *db.Tx, r *Request, at time.Time) error) (Request, error) {
	var out Request
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.loadRequest(ctx, tx, reqID)
		if err != nil {
			return err
		}
		got, secretariat, err := s.access(ctx, tx, r)
		if err != nil {
			return err
		}
		if secretariat {
			return ErrForbidden
		}
		if got != side {
			who := map[string]string{"from": "the requesting State", "to": "the State asked"}[side]
			return conflict("status", "only "+who+" may do this")
		}
		if !oneOf(r.Status, allowed) {
			if r.Status == ReqClosed || r.Status == ReqWithdrawn {
				return conflict("status", "the request is "+r.Status+" and can no longer change")
			}
			return conflict("status", "not possible while the request is "+r.Status)
		}
		before := metaView(r)
		if err := fn(tx, &r, s.Now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts_requests SET status = ?, answer = ?, feedback = ?, acked_at = ?, answered_at = ?, closed_at = ?, withdrawn_at = ?,
			share_from = ?, share_to = ?, publish_from = ?, publish_to = ?, answer_body = ?, feedback_body = ?, withdraw_body = ? WHERE id = ?`,
			r.Status, r.Answer, r.Feedback, r.AckedAt, r.AnsweredAt, r.ClosedAt, r.WithdrawnAt, r.ShareFrom, r.ShareTo, r.PublishFrom, r.PublishTo,
			nilIfEmpty(r.answerBody), nilIfEmpty(r.feedbackBody), nilIfEmpty(r.withdrawBody), r.ID); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		out = r
		return audit.Record(ctx, tx, "request."+r.Status, "contacts_request", r.ID, before, metaView(r))
	})
	if err != nil {
		return Request{}, err
	}
	return s.Request(ctx, out.ID)
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Acknowledge records that the State asked has received the request.
func (s *Service) Acknowledge(ctx context.Context, reqID string) (Request, error) {
	return s.step(ctx, reqID, "to", []string{ReqSent}, func(tx *db.Tx, r *Request, at time.Time) error {
		r.Status, r.AckedAt = ReqAcknowledged, &at
		return s.tellParty(ctx, tx, r.From, *r, "acknowledged", func(lang string, t platform.Tr) string {
			return t("contacts.mail.acknowledged", stateName(r.To, lang))
		})
	})
}

// AnswerInput answers a request.
type AnswerInput struct {
	Answer string `json:"answer" doc:"help, or unable (unable to help)"`
	Text   string `json:"text,omitempty" doc:"the answer; for unable, the reason (optional)"`
}

// Answer answers a request: help (with the answer), or "unable to help"
// with an optional reason. An unacknowledged request is acknowledged by
// the answer.
func (s *Service) Answer(ctx context.Context, reqID string, in AnswerInput) (Request, error) {
	if !oneOf(in.Answer, AnswerKinds) {
		return Request{}, invalid("answer", "must be help or unable")
	}
	text, err := multiLine("text", in.Text, 20000, in.Answer == "help")
	if err != nil {
		return Request{}, err
	}
	return s.step(ctx, reqID, "to", []string{ReqSent, ReqAcknowledged}, func(tx *db.Tx, r *Request, at time.Time) error {
		if r.AckedAt == nil {
			r.AckedAt = &at
		}
		r.Status, r.Answer, r.AnsweredAt = ReqAnswered, in.Answer, &at
		if text != "" {
			b, err := s.seal(ctx, tx, r.ID, "contacts_requests:"+r.ID+":answer", []byte(text))
			if err != nil {
				return err
			}
			r.answerBody = b
		}
		return s.tellParty(ctx, tx, r.From, *r, "answered", func(lang string, t platform.Tr) string {
			if in.Answer == "unable" {
				return t("contacts.mail.answered_unable", stateName(r.To, lang))
			}
			return t("contacts.mail.answered", stateName(r.To, lang))
		})
	})
}

// CloseInput closes a request with the requester's feedback.
type CloseInput struct {
	Feedback string `json:"feedback" doc:"helpful, partly or not"`
	Comment  string `json:"comment,omitempty"`
}

// Close closes an answered request with feedback (the requester).
func (s *Service) Close(ctx context.Context, reqID string, in CloseInput) (Request, error) {
	if !oneOf(in.Feedback, FeedbackKinds) {
		return Request{}, invalid("feedback", "must be helpful, partly or not")
	}
	text, err := multiLine("comment", in.Comment, 20000, false)
	if err != nil {
		return Request{}, err
	}
	return s.step(ctx, reqID, "from", []string{ReqAnswered}, func(tx *db.Tx, r *Request, at time.Time) error {
		r.Status, r.Feedback, r.ClosedAt = ReqClosed, in.Feedback, &at
		if text != "" {
			b, err := s.seal(ctx, tx, r.ID, "contacts_requests:"+r.ID+":feedback", []byte(text))
			if err != nil {
				return err
			}
			r.feedbackBody = b
		}
		return s.tellParty(ctx, tx, r.To, *r, "closed", func(lang string, t platform.Tr) string {
			return t("contacts.mail.closed", stateName(r.From, lang))
		})
	})
}

// WithdrawInput withdraws a request.
type WithdrawInput struct {
	Reason string `json:"reason,omitempty"`
}

// Withdraw withdraws a request before it is closed (the requester).
func (s *Service) Withdraw(ctx context.Context, reqID string, in WithdrawInput) (Request, error) {
	text, err := multiLine("reason", in.Reason, 20000, false)
	if err != nil {
		return Request{}, err
	}
	return s.step(ctx, reqID, "from", []string{ReqSent, ReqAcknowledged, ReqAnswered}, func(tx *db.Tx, r *Request, at time.Time) error {
		r.Status, r.WithdrawnAt = ReqWithdrawn, &at
		if text != "" {
			b, err := s.seal(ctx, tx, r.ID, "contacts_requests:"+r.ID+":withdraw", []byte(text))
			if err != nil {
				return err
			}
			r.withdrawBody = b
		}
		return s.tellParty(ctx, tx, r.To, *r, "withdrawn", func(lang string, t platform.Tr) string {
			return t("contacts.mail.withdrawn", stateName(r.From, lang))
		})
	})
}

// ConsentInput sets the caller's State's consent to share the request's
// content with the secretariat and to publish it with both States named.
type ConsentInput struct {
	Share   bool `json:"share_with_secretariat"`
	Publish bool `json:"publish"`
}

// Consent records one side's consent; each counts only with the other's.
func (s *Service) Consent(ctx context.Context, reqID string, in ConsentInput) (Request, error) {
	var side string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.loadRequest(ctx, tx, reqID)
		if err != nil {
			return err
		}
		var secretariat bool
		if side, secretariat, err = s.access(ctx, tx, r); err != nil {
			return err
		}
		if secretariat {
			return ErrForbidden
		}
		col := map[string]string{"from": "share_from = ?, publish_from = ?", "to": "share_to = ?, publish_to = ?"}[side]
		if _, err := tx.ExecContext(ctx, `UPDATE contacts_requests SET `+col+` WHERE id = ?`, in.Share, in.Publish, r.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "request.consent", "contacts_request", r.ID, nil, map[string]any{"side": side, "share": in.Share, "publish": in.Publish})
	})
	if err != nil {
		return Request{}, err
	}
	return s.Request(ctx, reqID)
}

// MessageInput posts a message, optionally with a file.
type MessageInput struct {
	Body string `json:"body,omitempty"`
	// File is optional: name, media type and content (base64 in JSON).
	FileName string `json:"file_name,omitempty"`
	FileType string `json:"file_type,omitempty"`
	File     []byte `json:"file,omitempty"`
}

// MaxFile bounds an attachment: 5 MiB.
const MaxFile = 5 << 20

// PostMessage adds a message and/or a file to an open request (either
// State), sealed, and tells the other State.
func (s *Service) PostMessage(ctx context.Context, reqID string, in MessageInput) (Request, error) {
	u := auth.UserFrom(ctx)
	body, err := multiLine("body", in.Body, 20000, false)
	if err != nil {
		return Request{}, err
	}
	name, err := singleLine("file_name", in.FileName, 200, len(in.File) > 0)
	if err != nil {
		return Request{}, err
	}
	if len(in.File) > MaxFile {
		return Request{}, api.Invalidf("file", "is larger than %d bytes", MaxFile)
	}
	ftype, err := singleLine("file_type", in.FileType, 100, false)
	if err != nil {
		return Request{}, err
	}
	if ftype == "" {
		ftype = "application/octet-stream"
	}
	if body == "" && len(in.File) == 0 {
		return Request{}, invalid("body", "write a message or attach a file")
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.loadRequest(ctx, tx, reqID)
		if err != nil {
			return err
		}
		side, secretariat, err := s.access(ctx, tx, r)
		if err != nil {
			return err
		}
		if secretariat {
			return ErrForbidden
		}
		if r.Status == ReqClosed || r.Status == ReqWithdrawn {
			return conflict("status", "the request is "+r.Status+" and can no longer change")
		}
		mine, other := r.From, r.To
		if side == "to" {
			mine, other = r.To, r.From
		}
		at := s.Now()
		if body != "" {
			mid := id.New()
			b, err := s.seal(ctx, tx, r.ID, "contacts_request_messages:"+mid, []byte(body))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_request_messages (id, request_id, from_state, author_id, at, body) VALUES (?, ?, ?, ?, ?, ?)`, mid, r.ID, mine, u.ID, at, b); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, "request.message", "contacts_request", r.ID, nil, map[string]string{"message": mid, "from": mine}); err != nil {
				return err
			}
		}
		if len(in.File) > 0 {
			fid := id.New()
			meta, _ := json.Marshal(map[string]string{"Name": name, "Type": ftype})
			m, err := s.seal(ctx, tx, r.ID, "contacts_request_files:"+fid+":meta", meta)
			if err != nil {
				return err
			}
			c, err := s.seal(ctx, tx, r.ID, "contacts_request_files:"+fid+":content", in.File)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_request_files (id, request_id, from_state, author_id, at, size, meta, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				fid, r.ID, mine, u.ID, at, len(in.File), m, c); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, "request.file", "contacts_request", r.ID, nil, map[string]any{"file": fid, "from": mine, "size": len(in.File)}); err != nil {
				return err
			}
		}
		return s.tellParty(ctx, tx, other, r, "message", func(lang string, t platform.Tr) string {
			return t("contacts.mail.message", stateName(mine, lang))
		})
	})
	if err != nil {
		return Request{}, err
	}
	return s.Request(ctx, reqID)
}

// FileContent returns an attachment for the two States (or the
// secretariat when both shared the request).
func (s *Service) FileContent(ctx context.Context, reqID, fileID string) (File, []byte, error) {
	r, err := s.Request(ctx, reqID)
	if err != nil {
		return File{}, nil, err
	}
	if r.Content == nil {
		return File{}, nil, ErrNotFound
	}
	for _, f := range r.Files {
		if f.ID != fileID {
			continue
		}
		var sealed []byte
		if err := s.DB.QueryRowContext(ctx, `SELECT content FROM contacts_request_files WHERE id = ? AND request_id = ?`, fileID, reqID).Scan(&sealed); err != nil {
			return f, nil, err
		}
		b, err := s.open(ctx, s.DB, reqID, "contacts_request_files:"+fileID+":content", sealed)
		return f, b, err
	}
	return File{}, nil, ErrNotFound
}

// tickRequests sends the reminders before a deadline (to the State asked)
// and tells the secretariat when one passes, once each.
func (s *Service) tickRequests(ctx context.Context, at time.Time) error {
	type due struct {
		r     Request
		phase string // ack or answer
		kind  string // remind or overdue
	}
	var list []due
	rows, err := s.DB.QueryContext(ctx, `SELECT `+requestCols+`, reminded, overdue FROM contacts_requests WHERE status IN (?, ?) AND (reminded < 3 OR overdue < 3)`, ReqSent, ReqAcknowledged)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r Request
		var reminded, overdue int
		dest := []any{&r.ID, &r.From, &r.To, &r.Urgency, &r.TLP, &r.Status, &r.Answer, &r.Feedback, &r.SentAt, &r.AckDue, &r.AnswerDue, &r.AckedAt, &r.AnsweredAt, &r.ClosedAt, &r.WithdrawnAt,
			&r.ShareFrom, &r.ShareTo, &r.PublishFrom, &r.PublishTo, &r.content, &r.answerBody, &r.feedbackBody, &r.withdrawBody, &reminded, &overdue}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		for _, p := range []struct {
			phase    string
			bit      int
			deadline time.Time
			open     bool
		}{{"ack", 1, r.AckDue, r.Status == ReqSent}, {"answer", 2, r.AnswerDue, true}} {
			if !p.open {
				continue
			}
			window := p.deadline.Sub(r.SentAt)
			if reminded&p.bit == 0 && !at.Before(p.deadline.Add(-window/4)) && at.Before(p.deadline) {
				list = append(list, due{r, p.phase, "remind"})
			}
			if overdue&p.bit == 0 && !at.Before(p.deadline) {
				list = append(list, due{r, p.phase, "overdue"})
			}
		}
	}
	rows.Close()
	for _, d := range list {
		bit := map[string]int{"ack": 1, "answer": 2}[d.phase]
		col := map[string]string{"remind": "reminded", "overdue": "overdue"}[d.kind]
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			var cur int
			if err := tx.QueryRowContext(ctx, `SELECT `+col+` FROM contacts_requests WHERE id = ?`, d.r.ID).Scan(&cur); err != nil {
				return err
			}
			if cur&bit != 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE contacts_requests SET `+col+` = ? WHERE id = ?`, cur|bit, d.r.ID); err != nil {
				return err
			}
			if a, ok := states.ByISO3(d.r.From); ok {
				d.r.FromName = a.Name("en")
			}
			if b, ok := states.ByISO3(d.r.To); ok {
				d.r.ToName = b.Name("en")
			}
			deadline := map[string]time.Time{"ack": d.r.AckDue, "answer": d.r.AnswerDue}[d.phase]
			if d.kind == "remind" {
				if err := s.tellParty(ctx, tx, d.r.To, d.r, "reminder", func(lang string, t platform.Tr) string {
					return t("contacts.mail.reminder_"+d.phase, mailTime(lang, deadline), stateName(d.r.From, lang))
				}); err != nil {
					return err
				}
			} else {
				to, err := accounts(ctx, tx, auth.RoleSecretariat, "")
				if err != nil {
					return err
				}
				err = s.Svc.QueueLetter(ctx, tx, to, func(lang string, t platform.Tr) (string, string) {
					return t("contacts.mail.overdue_" + d.phase + "_subject"),
						t("contacts.mail.overdue_"+d.phase+"_text", d.r.ID, stateName(d.r.From, lang), stateName(d.r.To, lang), t("contacts.urgency."+d.r.Urgency), mailTime(lang, deadline)) +
							"\n\n" + t("contacts.mail.metadata") + "\n" + s.Svc.Link("/contacts/requests/"+d.r.ID) + "\n"
				})
				if err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, "request."+d.kind, "contacts_request", d.r.ID, nil, map[string]string{"deadline": d.phase})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// RequestStats are the public statistics of requests: aggregates only.
type RequestStats struct {
	Total int `json:"total"`
	// ByYear counts requests by the year they were sent.
	ByYear map[string]int `json:"by_year"`
	// ByUrgency counts requests by urgency.
	ByUrgency map[string]int `json:"by_urgency"`
	// ByStatus counts requests by status.
	ByStatus map[string]int `json:"by_status"`
	// AckInTimeShare is the share of requests acknowledged within their deadline, 0–1.
	AckInTimeShare float64 `json:"acknowledged_in_time_share"`
	// AnsweredShare is the share answered (help or unable to help), 0–1.
	AnsweredShare float64 `json:"answered_share"`
	// UnableShare is the share of answers that were "unable to help", 0–1.
	UnableShare float64 `json:"unable_share_of_answers"`
	// MedianHoursToAck and MedianHoursToAnswer are medians over the requests that got there.
	MedianHoursToAck    *float64 `json:"median_hours_to_acknowledge"`
	MedianHoursToAnswer *float64 `json:"median_hours_to_answer"`
	// Published lists requests both States agreed to publish: States and dates, never content.
	Published []PublishedRequest `json:"published"`
}

// PublishedRequest is a request both States agreed to publish.
type PublishedRequest struct {
	ID      string    `json:"id"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Urgency string    `json:"urgency"`
	Status  string    `json:"status"`
	Answer  string    `json:"answer,omitempty"`
	SentAt  time.Time `json:"sent_at"`
}

func median(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	sort.Float64s(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	m = float64(int(m*10+0.5)) / 10
	return &m
}

// Stats computes the public statistics.
func (s *Service) Stats(ctx context.Context) (RequestStats, error) {
	st := RequestStats{ByYear: map[string]int{}, ByUrgency: map[string]int{}, ByStatus: map[string]int{}, Published: []PublishedRequest{}}
	for _, u := range Urgencies {
		st.ByUrgency[u] = 0
	}
	for _, x := range RequestStatuses {
		st.ByStatus[x] = 0
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, from_state, to_state, urgency, status, answer, sent_at, ack_due, acked_at, answered_at, publish_from, publish_to FROM contacts_requests ORDER BY sent_at DESC`)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	var ackH, ansH []float64
	ackInTime, answered, unable := 0, 0, 0
	for rows.Next() {
		var p PublishedRequest
		var ackDue time.Time
		var acked, ans *time.Time
		var pf, pt bool
		if err := rows.Scan(&p.ID, &p.From, &p.To, &p.Urgency, &p.Status, &p.Answer, &p.SentAt, &ackDue, &acked, &ans, &pf, &pt); err != nil {
			return st, err
		}
		st.Total++
		st.ByYear[fmt.Sprint(p.SentAt.UTC().Year())]++
		st.ByUrgency[p.Urgency]++
		st.ByStatus[p.Status]++
		if acked != nil {
			ackH = append(ackH, acked.Sub(p.SentAt).Hours())
			if !acked.After(ackDue) {
				ackInTime++
			}
		}
		if ans != nil {
			answered++
			ansH = append(ansH, ans.Sub(p.SentAt).Hours())
			if p.Answer == "unable" {
				unable++
			}
		}
		if pf && pt {
			p.SentAt = p.SentAt.UTC()
			st.Published = append(st.Published, p)
		}
	}
	if st.Total > 0 {
		st.AckInTimeShare = float64(ackInTime) / float64(st.Total)
		st.AnsweredShare = float64(answered) / float64(st.Total)
	}
	if answered > 0 {
		st.UnableShare = float64(unable) / float64(answered)
	}
	st.MedianHoursToAck, st.MedianHoursToAnswer = median(ackH), median(ansH)
	return st, rows.Err()
}

// AckInTimePct is AckInTimeShare in whole per cent, for pages (which
// write it with web.FormatNumber).
func (st RequestStats) AckInTimePct() int { return percent(st.AckInTimeShare) }

// AnsweredPct is AnsweredShare in whole per cent.
func (st RequestStats) AnsweredPct() int { return percent(st.AnsweredShare) }

// UnablePct is UnableShare in whole per cent.
func (st RequestStats) UnablePct() int { return percent(st.UnableShare) }

// percent is a share (0–1) in whole per cent.
func percent(share float64) int { return int(math.Round(100 * share)) }

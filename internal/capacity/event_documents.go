package capacity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/upload"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// EventDocument is a PDF attached to an event (an agenda, slides, a
// report), shown to whoever may see the event.
type EventDocument struct {
	ID         string    `json:"id"`
	Filename   string    `json:"filename"`
	Size       int       `json:"size"`
	SHA256     string    `json:"sha256"`
	URL        string    `json:"url"`
	UploadedAt time.Time `json:"uploaded_at"`
}

func documentURL(eventID, docID string) string {
	return "/capacity/events/" + eventID + "/documents/" + docID
}

// mayManage: the event's organiser and the secretariat.
func (s *Service) mayManage(ctx context.Context, e Event) bool {
	return s.organises(ctx, e) || auth.UserFrom(ctx).Has(auth.RoleSecretariat)
}

// manageTarget loads an event the acting user organises (or the
// secretariat): ErrForbidden when the user sees it but does not organise
// it, ErrNotFound when not even that.
func (s *Service) manageTarget(ctx context.Context, eventID string) (Event, error) {
	e, err := s.loadEvent(ctx, s.P.DB, eventID)
	if err != nil {
		return e, err
	}
	if !s.mayManage(ctx, e) {
		if s.canSeeEvent(ctx, e) {
			return Event{}, ErrForbidden
		}
		return Event{}, ErrNotFound
	}
	return e, nil
}

// AttachDocument stores a PDF for an event (its organiser or the
// secretariat), checked by content and size.
func (s *Service) AttachDocument(ctx context.Context, eventID string, f upload.File) (EventDocument, error) {
	e, err := s.manageTarget(ctx, eventID)
	if err != nil {
		return EventDocument{}, err
	}
	if err := upload.CheckPDF("document", f.Data, upload.MaxPDF); err != nil {
		return EventDocument{}, err
	}
	name := f.Name
	if name == "" {
		name = "document.pdf"
	}
	sum := sha256.Sum256(f.Data)
	d := EventDocument{ID: id.New(), Filename: name, Size: len(f.Data), SHA256: hex.EncodeToString(sum[:]), UploadedAt: s.now()}
	d.URL = documentURL(e.ID, d.ID)
	u := auth.UserFrom(ctx)
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM capacity_event_documents WHERE event_id = ?`, e.ID).Scan(&n); err != nil {
			return err
		}
		if n >= 20 {
			return conflict("an event holds at most 20 documents")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_event_documents (id, event_id, filename, size, sha256, content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, e.ID, d.Filename, d.Size, d.SHA256, f.Data, u.ID, d.UploadedAt); err != nil {
			return fmt.Errorf("insert event document: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_events SET updated_at = ? WHERE id = ?`, d.UploadedAt, e.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.event.document", "capacity_event", e.ID, nil, map[string]any{"document": d.ID, "sha256": d.SHA256, "size": d.Size})
	})
	return d, err
}

// eventDocuments lists an event's documents (without their content).
func (s *Service) eventDocuments(ctx context.Context, eventID string) ([]EventDocument, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT id, filename, size, sha256, uploaded_at FROM capacity_event_documents WHERE event_id = ? ORDER BY uploaded_at, id`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []EventDocument{}
	for rows.Next() {
		var d EventDocument
		if err := rows.Scan(&d.ID, &d.Filename, &d.Size, &d.SHA256, &d.UploadedAt); err != nil {
			return nil, err
		}
		d.UploadedAt, d.URL = d.UploadedAt.UTC(), documentURL(eventID, d.ID)
		out = append(out, d)
	}
	return out, rows.Err()
}

// EventDocumentFile reads a document of an event the acting user may see.
func (s *Service) EventDocumentFile(ctx context.Context, eventID, docID string) (EventDocument, []byte, error) {
	if _, err := s.EventByID(ctx, eventID); err != nil {
		return EventDocument{}, nil, err
	}
	var d EventDocument
	var body []byte
	err := s.P.DB.QueryRowContext(ctx, `SELECT id, filename, size, sha256, uploaded_at, content FROM capacity_event_documents WHERE id = ? AND event_id = ?`, docID, eventID).
		Scan(&d.ID, &d.Filename, &d.Size, &d.SHA256, &d.UploadedAt, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil, ErrNotFound
	}
	return d, body, err
}

// InviteInput is an organiser's invitations: addresses, one message.
type InviteInput struct {
	Emails  []string `json:"emails"`
	Message string   `json:"message" text:"multiline"`
}

// InviteResult says who was invited now and who had been already.
type InviteResult struct {
	Invited []string `json:"invited"`
	Already []string `json:"already"`
}

// Invitation is one address invited to an event.
type Invitation struct {
	Email        string     `json:"email"`
	InvitedAt    time.Time  `json:"invited_at"`
	RegisteredAt *time.Time `json:"registered_at,omitempty"`
}

// InviteToEvent e-mails invitations (its organiser or the secretariat),
// through the platform's mail queue: the event, its calendar file and a
// link whose secret lets the address register, also to an event by
// invitation. An address is invited once.
func (s *Service) InviteToEvent(ctx context.Context, eventID string, in InviteInput) (InviteResult, error) {
	res := InviteResult{Invited: []string{}, Already: []string{}}
	e, err := s.manageTarget(ctx, eventID)
	if err != nil {
		return res, err
	}
	if e.Status != "scheduled" || !e.EndsAt.After(s.now()) {
		return res, conflict("invitations are sent for a scheduled event that is not over")
	}
	msg, err := checkText("message", in.Message, 0, 4000)
	if err != nil {
		return res, err
	}
	var emails []string
	for _, v := range in.Emails {
		if strings.TrimSpace(v) == "" {
			continue
		}
		a, err := checkEmail("emails", v)
		if err != nil {
			return res, invalid("emails", "%q is not an e-mail address", strings.TrimSpace(v))
		}
		if !contains(emails, a) {
			emails = append(emails, a)
		}
	}
	if len(emails) == 0 {
		return res, invalid("emails", "give at least one e-mail address")
	}
	if len(emails) > 200 {
		return res, invalid("emails", "at most 200 addresses at a time")
	}
	u := auth.UserFrom(ctx)
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, a := range emails {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM capacity_event_invitations WHERE event_id = ? AND email = ?`, e.ID, a).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				res.Already = append(res.Already, a)
				continue
			}
			token := id.Secret(24)
			if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_event_invitations (id, event_id, email, token_hash, invited_by, invited_at) VALUES (?, ?, ?, ?, ?, ?)`,
				id.New(), e.ID, a, id.Hash(token), u.ID, s.now()); err != nil {
				return fmt.Errorf("insert invitation: %w", err)
			}
			link := s.P.Link("/capacity/events/" + e.ID + "/invitation?token=" + token)
			ics := s.P.Link("/capacity/events/" + e.ID + "/invitation.ics?token=" + token)
			// The invited address is written to in its account's language,
			// else in the event's first.
			lang, err := accountLang(ctx, tx, a)
			if err != nil {
				return err
			}
			if !web.KnownLanguage(lang) {
				lang = eventLang(e)
			}
			t := s.P.T(lang)
			if err := s.P.QueueMail(ctx, tx, cnmail.Message{To: a, Subject: t("capacity.mail.event_invite.subject", e.Title),
				Text:    t("capacity.mail.event_invite.body", organiserName(e, lang, t), e.Title, t("capacity.ekind."+e.Kind), eventWhen(e, lang, t), eventWhere(e), msg, link, ics+"&lang="+lang),
				Secrets: []string{token}}); err != nil {
				return err
			}
			res.Invited = append(res.Invited, a)
		}
		if len(res.Invited) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, "capacity.event.invite", "capacity_event", e.ID, nil, map[string]int{"invited": len(res.Invited), "already": len(res.Already)})
	})
	return res, err
}

// Invitations lists an event's invitations (its organiser and the
// secretariat; nil for anyone else).
func (s *Service) Invitations(ctx context.Context, e Event) ([]Invitation, error) {
	if !s.mayManage(ctx, e) {
		return nil, nil
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT email, invited_at, registered_at FROM capacity_event_invitations WHERE event_id = ? ORDER BY invited_at, email`, e.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Invitation{}
	for rows.Next() {
		var in Invitation
		var reg sql.NullTime
		if err := rows.Scan(&in.Email, &in.InvitedAt, &reg); err != nil {
			return nil, err
		}
		in.InvitedAt = in.InvitedAt.UTC()
		if reg.Valid {
			t := reg.Time.UTC()
			in.RegisteredAt = &t
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// invitation finds the invitation a link's secret opens.
func (s *Service) invitation(ctx context.Context, eventID, token string) (Event, string, error) {
	var email string
	if token == "" || len(token) > 100 {
		return Event{}, "", invalid("token", "this invitation link is not valid")
	}
	err := s.P.DB.QueryRowContext(ctx, `SELECT email FROM capacity_event_invitations WHERE event_id = ? AND token_hash = ?`, eventID, id.Hash(token)).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, "", invalid("token", "this invitation link is not valid")
	}
	if err != nil {
		return Event{}, "", err
	}
	e, err := s.loadEvent(ctx, s.P.DB, eventID)
	return e, email, err
}

// InvitationEvent shows the event an invitation link opens, to anyone who
// holds the link, with the invited address.
func (s *Service) InvitationEvent(ctx context.Context, eventID, token string) (Event, string, error) {
	return s.invitation(ctx, eventID, token)
}

// RegisterByInvitation registers the invited address under name, whatever
// the event's audience: the organiser invited it.
func (s *Service) RegisterByInvitation(ctx context.Context, eventID, token, name string) (Registration, error) {
	name, err := checkLine("name", name, 1, 200)
	if err != nil {
		return Registration{}, err
	}
	e, email, err := s.invitation(ctx, eventID, token)
	if err != nil {
		return Registration{}, err
	}
	uid := ""
	if u := auth.UserFrom(ctx); u != nil && strings.EqualFold(u.Email, email) {
		uid = u.ID
	}
	return s.register(ctx, e, name, email, uid, func(tx *db.Tx, reg Registration) error {
		_, err := tx.ExecContext(ctx, `UPDATE capacity_event_invitations SET registered_at = ? WHERE event_id = ? AND email = ?`, reg.CreatedAt, e.ID, email)
		return err
	})
}

package capacity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Meeting is a "Friends of [State]" coordination around a need, as in the
// GFCE Clearing House: optional, convened by the secretariat or by the
// requesting State, with the offerers and States it asks. Its date, place,
// participants and notes are the participants' (and the secretariat's)
// alone. Nothing is decided there: the requesting State chooses its
// implementers by inviting offers on its need.
type Meeting struct {
	ID           string        `json:"id"`
	NeedID       string        `json:"need_id"`
	NeedTitle    string        `json:"need_title"`
	State        string        `json:"state"`
	StateName    string        `json:"state_name"`
	ConvenedBy   string        `json:"convened_by"` // secretariat | state
	MeetsOn      string        `json:"meets_on"`
	Place        string        `json:"place"`
	Notes        string        `json:"notes"`
	Participants []Participant `json:"participants"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	// CanEdit is set for the convening side (the secretariat and the
	// requesting State), who keep the notes.
	CanEdit bool `json:"-"`
}

// Participant is a State or an organisation asked to a meeting (the
// requesting State always takes part and is not listed).
type Participant struct {
	Kind    string `json:"kind"` // state | organisation
	State   string `json:"state,omitempty"`
	OrgID   string `json:"-"`
	OfferID string `json:"offer_id,omitempty"`
	Name    string `json:"name"`
}

// MeetingInput convenes a meeting: a date, a place or link, the offers
// whose providers are asked (published offers) and other States asked
// (ISO 3166-1 alpha-3 codes, such as donors without an offer).
type MeetingInput struct {
	MeetsOn string   `json:"meets_on"`
	Place   string   `json:"place"`
	Offers  []string `json:"offers"`
	States  []string `json:"states"`
	Notes   string   `json:"notes" text:"multiline"`
}

// NotesInput replaces a meeting's notes.
type NotesInput struct {
	Notes string `json:"notes" text:"multiline"`
}

// meetingVisible is the condition on capacity_meetings g for the viewer:
// the secretariat, the requesting State's staff and the participants.
func (v viewer) meetingVisible() (string, []any) {
	switch {
	case v.secretariat():
		return `1 = 1`, nil
	case v.state() != "":
		return `(g.need_id IN (SELECT id FROM capacity_needs WHERE state_iso3 = ?) OR g.id IN (SELECT meeting_id FROM capacity_meeting_participants WHERE state_iso3 = ?))`,
			[]any{v.state(), v.state()}
	case v.u != nil && v.u.Role == auth.RoleStakeholder && v.u.OrgID != "":
		return `g.id IN (SELECT meeting_id FROM capacity_meeting_participants WHERE org_id = ?)`, []any{v.u.OrgID}
	}
	return `1 = 0`, nil
}

// Convene records a "Friends of" meeting for a published need. The
// secretariat or the requesting State's staff convene it; each participant
// is e-mailed.
func (s *Service) Convene(ctx context.Context, needID string, in MeetingInput) (Meeting, error) {
	v := s.viewer(ctx)
	var g Meeting
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.loadNeed(ctx, tx, needID)
		if err != nil {
			return err
		}
		owner := v.ownsNeed(n)
		switch {
		case n.Status == NeedDraft && !owner:
			return ErrNotFound
		case !owner && !v.secretariat():
			if _, err := s.Need(ctx, needID); err != nil {
				return err
			}
			return ErrForbidden
		case n.Status != NeedPublished:
			return conflict("a meeting is convened for a published need (this one is %s)", n.Status)
		}
		g = Meeting{ID: id.New(), NeedID: n.ID, NeedTitle: n.Title, State: n.State, StateName: stateName(n.State, "en"), ConvenedBy: "state", CanEdit: true}
		if v.secretariat() {
			g.ConvenedBy = "secretariat"
		}
		if g.MeetsOn, err = checkDate("meets_on", in.MeetsOn); err != nil {
			return err
		}
		if g.MeetsOn == "" {
			return invalid("meets_on", "is required")
		}
		if g.Place, err = checkLine("place", in.Place, 0, 300); err != nil {
			return err
		}
		if g.Notes, err = checkText("notes", in.Notes, 0, 20000); err != nil {
			return err
		}
		if g.Participants, err = s.participants(ctx, tx, n, in); err != nil {
			return err
		}
		now := s.now()
		g.CreatedAt, g.UpdatedAt = now, now
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_meetings (id, need_id, convened_by, meets_on, place, notes, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.NeedID, g.ConvenedBy, g.MeetsOn, g.Place, g.Notes, v.u.ID, now, now); err != nil {
			return fmt.Errorf("insert meeting: %w", err)
		}
		link := s.P.Link("/capacity/meetings/" + g.ID)
		invite := func(lang string, t tr) (string, string) {
			name := stateName(n.State, lang)
			return t("capacity.mail.meeting.subject", name, n.Title),
				t("capacity.mail.meeting.body", name, n.Title, web.LongDate(lang, g.MeetsOn), g.Place, link)
		}
		for _, p := range g.Participants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_meeting_participants (meeting_id, kind, state_iso3, org_id, offer_id, name) VALUES (?, ?, ?, ?, ?, ?)`,
				g.ID, p.Kind, p.State, p.OrgID, p.OfferID, p.Name); err != nil {
				return fmt.Errorf("insert participant: %w", err)
			}
			if p.Kind == "state" {
				err = s.mailState(ctx, tx, p.State, invite)
			} else {
				err = s.mailOrg(ctx, tx, p.OrgID, invite)
			}
			if err != nil {
				return err
			}
		}
		if g.ConvenedBy == "secretariat" {
			if err := s.mailState(ctx, tx, n.State, invite); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "capacity.meeting.convene", "capacity_meeting", g.ID, nil, map[string]any{"need": n.ID, "meets_on": g.MeetsOn, "participants": len(g.Participants)})
	})
	return g, err
}

// participants resolves the offers and States asked to a meeting.
func (s *Service) participants(ctx context.Context, tx *db.Tx, n Need, in MeetingInput) ([]Participant, error) {
	out := []Participant{}
	seen := map[string]bool{}
	add := func(p Participant) {
		key := p.Kind + ":" + p.State + ":" + p.OrgID
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, oid := range in.Offers {
		oid = strings.TrimSpace(oid)
		if oid == "" {
			continue
		}
		o, err := s.loadOffer(ctx, tx, oid)
		if errors.Is(err, ErrNotFound) || err == nil && o.Status != OfferPublished {
			return nil, invalid("offers", "%q is not a published offer", oid)
		}
		if err != nil {
			return nil, err
		}
		if o.ProviderKind == "state" {
			if o.State == n.State {
				return nil, invalid("offers", "the requesting State takes part anyway: choose other offers")
			}
			add(Participant{Kind: "state", State: o.State, OfferID: o.ID, Name: stateName(o.State, "en")})
		} else {
			add(Participant{Kind: "organisation", OrgID: o.OrgID, OfferID: o.ID, Name: o.Provider})
		}
	}
	for _, iso := range in.States {
		iso = strings.ToUpper(strings.TrimSpace(iso))
		if iso == "" {
			continue
		}
		if regionOf(iso) == "" {
			return nil, invalid("states", "%q is not a known ISO 3166-1 alpha-3 code", iso)
		}
		if iso == n.State {
			return nil, invalid("states", "the requesting State takes part anyway")
		}
		add(Participant{Kind: "state", State: iso, Name: stateName(iso, "en")})
	}
	if len(out) == 0 {
		return nil, invalid("offers", "ask at least one offerer or State")
	}
	if len(out) > 50 {
		return nil, invalid("offers", "at most 50 participants")
	}
	return out, nil
}

const meetingCols = `g.id, g.need_id, g.convened_by, g.meets_on, g.place, g.notes, g.created_at, g.updated_at, n.title, n.state_iso3`

func (s *Service) scanMeetings(ctx context.Context, q querier, cond string, args ...any) ([]Meeting, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+meetingCols+` FROM capacity_meetings g JOIN capacity_needs n ON n.id = g.need_id WHERE `+cond+` ORDER BY g.meets_on DESC, g.id`, args...)
	if err != nil {
		return nil, err
	}
	out := []Meeting{}
	for rows.Next() {
		var g Meeting
		if err := rows.Scan(&g.ID, &g.NeedID, &g.ConvenedBy, &g.MeetsOn, &g.Place, &g.Notes, &g.CreatedAt, &g.UpdatedAt, &g.NeedTitle, &g.State); err != nil {
			rows.Close()
			return nil, err
		}
		g.CreatedAt, g.UpdatedAt, g.StateName = g.CreatedAt.UTC(), g.UpdatedAt.UTC(), stateName(g.State, "en")
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	v := s.viewer(ctx)
	for i := range out {
		out[i].CanEdit = v.secretariat() || v.u.ActsFor(out[i].State)
		prows, err := q.QueryContext(ctx, `SELECT kind, state_iso3, org_id, offer_id, name FROM capacity_meeting_participants WHERE meeting_id = ? ORDER BY name`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Participants = []Participant{}
		for prows.Next() {
			var p Participant
			if err := prows.Scan(&p.Kind, &p.State, &p.OrgID, &p.OfferID, &p.Name); err != nil {
				prows.Close()
				return nil, err
			}
			out[i].Participants = append(out[i].Participants, p)
		}
		prows.Close()
		if err := prows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MeetingsForNeed lists a need's meetings the acting user may see.
func (s *Service) MeetingsForNeed(ctx context.Context, needID string) ([]Meeting, error) {
	if _, err := s.Need(ctx, needID); err != nil {
		return nil, err
	}
	cond, args := s.viewer(ctx).meetingVisible()
	return s.scanMeetings(ctx, s.P.DB, `g.need_id = ? AND `+cond, append([]any{needID}, args...)...)
}

// MeetingByID reads a meeting the acting user takes part in (or convened,
// or the secretariat); ErrNotFound otherwise.
func (s *Service) MeetingByID(ctx context.Context, meetingID string) (Meeting, error) {
	cond, args := s.viewer(ctx).meetingVisible()
	list, err := s.scanMeetings(ctx, s.P.DB, `g.id = ? AND `+cond, append([]any{meetingID}, args...)...)
	if err != nil {
		return Meeting{}, err
	}
	if len(list) == 0 {
		return Meeting{}, ErrNotFound
	}
	return list[0], nil
}

// UpdateNotes replaces a meeting's notes (the secretariat or the requesting
// State; participants read them).
func (s *Service) UpdateNotes(ctx context.Context, meetingID string, in NotesInput) (Meeting, error) {
	g, err := s.MeetingByID(ctx, meetingID)
	if err != nil {
		return g, err
	}
	if !g.CanEdit {
		return Meeting{}, ErrForbidden
	}
	notes, err := checkText("notes", in.Notes, 0, 20000)
	if err != nil {
		return g, err
	}
	before := len(g.Notes)
	g.Notes, g.UpdatedAt = notes, s.now()
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_meetings SET notes = ?, updated_at = ? WHERE id = ?`, g.Notes, g.UpdatedAt, g.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.meeting.notes", "capacity_meeting", g.ID, map[string]int{"notes_chars": before}, map[string]int{"notes_chars": len(g.Notes)})
	})
	return g, err
}

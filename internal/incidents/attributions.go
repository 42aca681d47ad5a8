package incidents

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
)

func stateName(code string) string {
	if st, ok := states.ByISO3(code); ok {
		return st.Name("en")
	}
	return code
}

const attributionCols = `a.id, a.incident_id, i.name, i.start_date, a.status, a.made_on, a.attributor_kind, a.attributor_states, a.attributor_name, a.basis,
	a.named_state, a.named_actor, a.norms, a.topics, a.law, a.evidence, a.statement_url, a.response, a.response_on, a.response_url, a.author_id,
	a.created_at, a.updated_at, a.published_at`

const attributionFrom = ` FROM incident_attributions a JOIN incidents i ON i.id = a.incident_id`

func scanAttribution(row interface{ Scan(...any) error }) (*Attribution, error) {
	var a Attribution
	var start, st, norms, topics, law, ev string
	var pub sql.NullTime
	if err := row.Scan(&a.ID, &a.IncidentID, &a.IncidentName, &start, &a.Status, &a.Date, &a.AttributorKind, &st, &a.AttributorName, &a.Basis,
		&a.NamedState, &a.NamedActor, &norms, &topics, &law, &ev, &a.StatementURL, &a.Response, &a.ResponseDate, &a.ResponseURL, &a.AuthorID,
		&a.CreatedAt, &a.UpdatedAt, &pub); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(law), &a.Law), json.Unmarshal([]byte(ev), &a.Evidence)); err != nil {
		return nil, err
	}
	a.AttributorState, a.Norms, a.Topics = decodeList(st), decodeList(norms), decodeList(topics)
	a.DaysAfter = daysBetween(start, a.Date)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.Signed = []string{}
	if pub.Valid {
		t := pub.Time.UTC()
		a.PublishedAt = &t
	}
	return &a, nil
}

func loadSignatures(ctx context.Context, q db.Querier, a *Attribution) error {
	rows, err := q.QueryContext(ctx, `SELECT state_iso3 FROM incident_signatures WHERE attribution_id = ? ORDER BY state_iso3`, a.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		a.Signed = append(a.Signed, s)
	}
	return rows.Err()
}

func loadAttribution(ctx context.Context, q db.Querier, attributionID string) (*Attribution, error) {
	a, err := scanAttribution(q.QueryRowContext(ctx, `SELECT `+attributionCols+attributionFrom+` WHERE a.id = ?`, attributionID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return a, loadSignatures(ctx, q, a)
}

// attributionsQuery reads one incident's statements, oldest first, through
// incident_attributions_by_incident (migration 1005).
func attributionsQuery(publishedOnly bool) string {
	cond := ""
	if publishedOnly {
		cond = ` AND a.status = 'published'`
	}
	return `SELECT ` + attributionCols + attributionFrom + ` WHERE a.incident_id = ?` + cond + ` ORDER BY a.made_on, a.id`
}

func attributionsOf(ctx context.Context, q db.Querier, incidentID string, publishedOnly bool) ([]*Attribution, error) {
	rows, err := q.QueryContext(ctx, attributionsQuery(publishedOnly), incidentID)
	if err != nil {
		return nil, err
	}
	var out []*Attribution
	for rows.Next() {
		a, err := scanAttribution(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, a := range out {
		if err := loadSignatures(ctx, q, a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// canSeeAttribution: published ones to everyone; drafts to the
// secretariat and the staff of a signatory State.
func canSeeAttribution(u *auth.User, a *Attribution) bool {
	if a.Status == StatusPublished || isSecretariat(u) {
		return true
	}
	return u != nil && u.Role.IsState() && slices.Contains(a.AttributorState, u.StateISO3)
}

// Attributions returns the statements about an incident that u may see.
func (s *Service) Attributions(ctx context.Context, u *auth.User, incidentID string) ([]*Attribution, error) {
	all, err := attributionsOf(ctx, s.DB, incidentID, false)
	if err != nil {
		return nil, err
	}
	out := []*Attribution{}
	for _, a := range all {
		if canSeeAttribution(u, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Attribution returns one statement u may see, or ErrNotFound.
func (s *Service) Attribution(ctx context.Context, u *auth.User, attributionID string) (*Attribution, error) {
	a, err := loadAttribution(ctx, s.DB, attributionID)
	if err != nil {
		return nil, err
	}
	if !canSeeAttribution(u, a) {
		return nil, ErrNotFound
	}
	return a, nil
}

// AddAttribution records a statement about a published incident.
//
// The secretariat records any statement already made in public; it is
// published at once. State staff (editor or approver) draft their own
// State's statements, alone or jointly with other States; an approver's
// draft carries its own State's signature, and the statement is published
// when every signatory's approver has signed (SignAttribution).
func (s *Service) AddAttribution(ctx context.Context, u *auth.User, incidentID string, in AttributionInput) (*Attribution, error) {
	if u == nil || !(isSecretariat(u) || u.Role.IsState() && u.StateISO3 != "") {
		return nil, ErrForbidden
	}
	var a *Attribution
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		x, err := loadIncident(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if x.Status != StatusPublished && !isSecretariat(u) {
			return ErrNotFound
		}
		topics, err := s.lawTopics(ctx)
		if err != nil {
			return err
		}
		a, err = s.addAttribution(ctx, tx, u, x, in, s.normKnown(ctx, tx), topics, time.Now().UTC())
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// addAttribution validates and writes a statement inside tx.
func (s *Service) addAttribution(ctx context.Context, tx *db.Tx, u *auth.User, x *Incident, in AttributionInput, normKnown NormExists, topics []LawTopic, now time.Time) (*Attribution, error) {
	a, err := in.validate(normKnown, topics)
	if err != nil {
		return nil, err
	}
	err = func() error {
		if !isSecretariat(u) && !slices.Contains(a.AttributorState, u.StateISO3) {
			return invalid("attributor_states", "a State records only statements its own State (%s) makes or joins", u.StateISO3)
		}
		if _, st, err := parseDate("", x.Start); err == nil && a.Date < st.Format("2006-01-02") {
			return invalid("date", "the statement (%s) is before the incident began (%s)", a.Date, x.Start)
		}
		a.ID, a.IncidentID, a.IncidentName, a.AuthorID, a.CreatedAt, a.UpdatedAt = id.New(), x.ID, x.Name, u.ID, now, now
		a.DaysAfter = daysBetween(x.Start, a.Date)
		a.Status = StatusDraft
		if isSecretariat(u) {
			a.Status, a.PublishedAt = StatusPublished, &now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_attributions (id, incident_id, status, made_on, attributor_kind, attributor_states, attributor_name,
			basis, named_state, named_actor, norms, topics, law, evidence, statement_url, author_id, created_at, updated_at, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.IncidentID, a.Status, a.Date, a.AttributorKind, encodeList(a.AttributorState), a.AttributorName, a.Basis, a.NamedState,
			a.NamedActor, encodeList(a.Norms), encodeList(a.Topics), mustJSON(a.Law), mustJSON(a.Evidence), a.StatementURL, a.AuthorID, a.CreatedAt, a.UpdatedAt, a.PublishedAt); err != nil {
			return fmt.Errorf("insert attribution: %w", err)
		}
		a.Signed = []string{}
		if err := s.history(ctx, tx, u, x.ID, "attribution", a.ID, "create", nil, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "incidents.attribution.create", "incident_attribution", a.ID, nil, a); err != nil {
			return err
		}
		if u.Role == auth.RoleStateApprover {
			return s.sign(ctx, tx, u, &a, now)
		}
		if a.Status == StatusPublished {
			if err := s.history(ctx, tx, u, x.ID, "attribution", a.ID, "publish", nil, now); err != nil {
				return err
			}
			return s.refreshFacets(ctx, tx, x.ID)
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// SignAttribution is a State approver's signature of a draft statement
// its State makes or joins. The last signature publishes it.
func (s *Service) SignAttribution(ctx context.Context, u *auth.User, attributionID string) (*Attribution, error) {
	var a *Attribution
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = loadAttribution(ctx, tx, attributionID); err != nil {
			return err
		}
		if !canSeeAttribution(u, a) {
			return ErrNotFound
		}
		if u.Role != auth.RoleStateApprover || !slices.Contains(a.AttributorState, u.StateISO3) {
			return ErrForbidden
		}
		if a.Status != StatusDraft {
			return &StateError{"the statement is already published"}
		}
		if slices.Contains(a.Signed, u.StateISO3) {
			return &StateError{"your State has already signed this statement"}
		}
		return s.sign(ctx, tx, u, a, time.Now().UTC())
	})
	return a, err
}

func (s *Service) sign(ctx context.Context, tx *db.Tx, u *auth.User, a *Attribution, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_signatures (attribution_id, state_iso3, user_id, signed_at) VALUES (?, ?, ?, ?)`,
		a.ID, u.StateISO3, u.ID, now); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	a.Signed = append(a.Signed, u.StateISO3)
	slices.Sort(a.Signed)
	if err := s.history(ctx, tx, u, a.IncidentID, "attribution", a.ID, "sign", nil, now); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, "incidents.attribution.sign", "incident_attribution", a.ID, nil, map[string]string{"state": u.StateISO3}); err != nil {
		return err
	}
	for _, st := range a.AttributorState {
		if !slices.Contains(a.Signed, st) {
			return nil
		}
	}
	a.Status, a.PublishedAt, a.UpdatedAt = StatusPublished, &now, now
	if _, err := tx.ExecContext(ctx, `UPDATE incident_attributions SET status = ?, published_at = ?, updated_at = ? WHERE id = ?`,
		StatusPublished, now, now, a.ID); err != nil {
		return err
	}
	if err := s.history(ctx, tx, u, a.IncidentID, "attribution", a.ID, "publish", nil, now); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, "incidents.attribution.publish", "incident_attribution", a.ID, nil, map[string]string{"status": StatusPublished}); err != nil {
		return err
	}
	return s.refreshFacets(ctx, tx, a.IncidentID)
}

// RecordAnswer records the named State's response to a published
// statement: by the secretariat, or by that State's approver.
func (s *Service) RecordAnswer(ctx context.Context, u *auth.User, attributionID string, in AnswerInput) (*Attribution, error) {
	var a *Attribution
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = loadAttribution(ctx, tx, attributionID); err != nil {
			return err
		}
		if !canSeeAttribution(u, a) {
			return ErrNotFound
		}
		if !isSecretariat(u) && !(u != nil && u.Role == auth.RoleStateApprover && a.NamedState != "" && u.StateISO3 == a.NamedState) {
			return ErrForbidden
		}
		return s.answer(ctx, tx, u, a, in, time.Now().UTC())
	})
	return a, err
}

// answer records the named State's response inside tx.
func (s *Service) answer(ctx context.Context, tx *db.Tx, u *auth.User, a *Attribution, in AnswerInput, now time.Time) error {
	err := func() error {
		if a.Status != StatusPublished {
			return &StateError{"a response is recorded to a published statement"}
		}
		if a.NamedState == "" {
			return invalid("response", "the statement names no State, so there is no State's response to record")
		}
		resp, err := oneOf("response", in.Response, Answers)
		if err != nil {
			return err
		}
		date, err := dayDate("date", in.Date, false)
		if err != nil {
			return err
		}
		if date != "" && date < a.Date {
			return invalid("date", "the response (%s) is before the statement (%s)", date, a.Date)
		}
		link := ""
		if in.URL != "" {
			if link, err = httpURL("url", in.URL); err != nil {
				return err
			}
		}
		before := map[string]string{"response": a.Response, "date": a.ResponseDate, "url": a.ResponseURL}
		a.Response, a.ResponseDate, a.ResponseURL, a.UpdatedAt = resp, date, link, now
		if _, err := tx.ExecContext(ctx, `UPDATE incident_attributions SET response = ?, response_on = ?, response_url = ?, updated_at = ? WHERE id = ?`,
			a.Response, a.ResponseDate, a.ResponseURL, now, a.ID); err != nil {
			return err
		}
		if err := s.history(ctx, tx, u, a.IncidentID, "attribution", a.ID, "response", []string{"response"}, now); err != nil {
			return err
		}
		// The statement's STIX report changed (its description and modified).
		x, err := loadIncident(ctx, tx, a.IncidentID)
		if err != nil {
			return err
		}
		if err := writeSTIXRefs(ctx, tx, x); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "incidents.attribution.response", "incident_attribution", a.ID, before,
			map[string]string{"response": a.Response, "date": a.ResponseDate, "url": a.ResponseURL})
	}()
	return err
}

// ---- responses ----

const responseCols = `r.id, r.incident_id, i.name, r.kind, r.taken_on, r.by_states, r.by_name, r.against_state, r.against_actor, r.description, r.sources, r.created_at`

func scanResponse(row interface{ Scan(...any) error }) (*Response, error) {
	var r Response
	var by, srcs string
	if err := row.Scan(&r.ID, &r.IncidentID, &r.IncidentName, &r.Kind, &r.Date, &by, &r.ByName, &r.AgainstState, &r.AgainstActor, &r.Description, &srcs, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.ByStates = decodeList(by)
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, json.Unmarshal([]byte(srcs), &r.Sources)
}

// Responses lists an incident's responses by date.
func (s *Service) Responses(ctx context.Context, incidentID string) ([]*Response, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+responseCols+` FROM incident_responses r JOIN incidents i ON i.id = r.incident_id
		WHERE r.incident_id = ? ORDER BY r.taken_on, r.id`, incidentID)
	return collect(rows, err, scanResponse)
}

// AddResponse records a measure taken about a published incident: by the
// secretariat, or by a State's approver for a measure its own State took.
// A measure against a State must be against a State a published statement
// about the incident names.
func (s *Service) AddResponse(ctx context.Context, u *auth.User, incidentID string, in ResponseInput) (*Response, error) {
	if !isSecretariat(u) && !(u != nil && u.Role == auth.RoleStateApprover && u.StateISO3 != "") {
		return nil, ErrForbidden
	}
	var r *Response
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		x, err := loadIncident(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if x.Status != StatusPublished {
			if isSecretariat(u) {
				return &StateError{"publish the incident before recording responses"}
			}
			return ErrNotFound
		}
		r, err = s.addResponse(ctx, tx, u, x, in, time.Now().UTC())
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// addResponse validates and writes a response inside tx.
func (s *Service) addResponse(ctx context.Context, tx *db.Tx, u *auth.User, x *Incident, in ResponseInput, now time.Time) (*Response, error) {
	r, err := in.validate()
	if err != nil {
		return nil, err
	}
	err = func() error {
		if !isSecretariat(u) && !slices.Contains(r.ByStates, u.StateISO3) {
			return invalid("by_states", "a State records only measures its own State (%s) took", u.StateISO3)
		}
		if r.AgainstState != "" && !slices.Contains(x.NamedStates, r.AgainstState) {
			return invalid("against_state", "%s is not named by any published attribution of this incident", r.AgainstState)
		}
		r.ID, r.IncidentID, r.IncidentName, r.CreatedAt = id.New(), x.ID, x.Name, now
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_responses (id, incident_id, kind, taken_on, by_states, by_name, against_state, against_actor,
			description, sources, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.IncidentID, r.Kind, r.Date, encodeList(r.ByStates), r.ByName, r.AgainstState, r.AgainstActor, r.Description,
			mustJSON(r.Sources), u.ID, now); err != nil {
			return fmt.Errorf("insert response: %w", err)
		}
		if err := s.history(ctx, tx, u, x.ID, "response", r.ID, "create", nil, now); err != nil {
			return err
		}
		if err := writeStatementStates(ctx, tx, x); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "incidents.response.create", "incident_response", r.ID, nil, r)
	}()
	if err != nil {
		return nil, err
	}
	return &r, nil
}

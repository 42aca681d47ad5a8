package incidents

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// Errors of the services.
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
)

// StateError is a transition the record's status does not allow.
type StateError struct{ Reason string }

func (e *StateError) Error() string { return e.Reason }

// MessageKey is the reason's catalog key, "reason:" and the reason, which
// is a constant (web.Catalog.ErrorText).
func (e *StateError) MessageKey() (string, []any) { return "reason:" + e.Reason, nil }

// SearchKind is the kind of incidents in the platform's search index.
const SearchKind = "incident"

// Service holds the rules of the module.
type Service struct {
	*platform.Services
	// Topics lists the topics of international law statements may cite.
	Topics TopicReader
	// Norms names the framework's norms in the reader's language.
	Norms NormReader

	years       audit.Kept[[]YearCount]       // Counts' answer
	choiceLists audit.KeptBy[string, Choices] // choices' answer per language
}

// NewService returns the service on the shared services.
func NewService(ps *platform.Services) *Service { return &Service{Services: ps} }

func (s *Service) lawTopics(ctx context.Context) ([]LawTopic, error) {
	if s.Topics == nil {
		return nil, nil
	}
	return s.Topics(ctx)
}

func isSecretariat(u *auth.User) bool {
	return u != nil && u.Role == auth.RoleSecretariat && !u.Disabled
}

func (s *Service) normKnown(ctx context.Context, q db.Querier) NormExists {
	return func(n string) bool {
		var one int
		return q.QueryRowContext(ctx, `SELECT 1 FROM norms WHERE id = ?`, n).Scan(&one) == nil
	}
}

// who is how a writer appears in the public history.
func (s *Service) who(ctx context.Context, q db.Querier, u *auth.User) string {
	switch {
	case u == nil:
		return "system"
	case u.Role == auth.RoleSecretariat:
		return "secretariat"
	case u.Role.IsState():
		return "state:" + u.StateISO3
	case u.OrgID != "":
		var name string
		_ = q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = ?`, u.OrgID).Scan(&name)
		return "organisation:" + name
	}
	return "user"
}

func (s *Service) history(ctx context.Context, tx *db.Tx, u *auth.User, incidentID, entity, entityID, action string, fields []string, at time.Time) error {
	return s.historyAs(ctx, tx, s.who(ctx, tx, u), incidentID, entity, entityID, action, fields, at)
}

func (s *Service) historyAs(ctx context.Context, tx *db.Tx, who, incidentID, entity, entityID, action string, fields []string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_history (id, incident_id, entity, entity_id, action, who, fields, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id.New(), incidentID, entity, entityID, action, who, strings.Join(fields, ","), at)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ---- incidents: store ----

const incidentCols = `i.id, i.status, i.name, i.summary, i.start_date, i.end_date, i.type, i.receivers, i.initiators, i.techniques,
	i.zero_day, i.impact, i.sources, i.field_changed, i.attributor_states, i.named_states, i.norms, i.origin, i.created_at, i.updated_at, i.published_at`

func scanIncident(row interface{ Scan(...any) error }) (*Incident, error) {
	var x Incident
	var recv, init, tech, srcs, changed, attr, named, norms string
	var pub sql.NullTime
	if err := row.Scan(&x.ID, &x.Status, &x.Name, &x.Summary, &x.Start, &x.End, &x.Type, &recv, &init, &tech,
		&x.ZeroDay, &x.Impact, &srcs, &changed, &attr, &named, &norms, &x.Origin, &x.CreatedAt, &x.UpdatedAt, &pub); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(recv), &x.Receivers), json.Unmarshal([]byte(init), &x.Initiators),
		json.Unmarshal([]byte(srcs), &x.Sources), json.Unmarshal([]byte(changed), &x.FieldChanged)); err != nil {
		return nil, fmt.Errorf("incident %s: %w", x.ID, err)
	}
	x.Techniques, x.AttributorStates, x.NamedStates, x.Norms = decodeList(tech), decodeList(attr), decodeList(named), decodeList(norms)
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		x.PublishedAt = &t
	}
	return &x, nil
}

// collect reads every row of a query's answer with scan, into a list that
// is empty, not nil, when there is none.
func collect[T any](rows *sql.Rows, err error, scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func loadIncident(ctx context.Context, q db.Querier, incidentID string) (*Incident, error) {
	x, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM incidents i WHERE i.id = ?`, incidentID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return x, err
}

func receiverLists(rs []Receiver) (statesL, sectors []string) {
	for _, r := range rs {
		if !slices.Contains(statesL, r.State) {
			statesL = append(statesL, r.State)
		}
		if !slices.Contains(sectors, r.Sector) {
			sectors = append(sectors, r.Sector)
		}
	}
	return
}

func initiatorLists(is []Initiator) (groups, statesL []string) {
	for _, a := range is {
		if a.GroupID != "" && !slices.Contains(groups, a.GroupID) {
			groups = append(groups, a.GroupID)
		}
		if a.State != "" && !slices.Contains(statesL, a.State) {
			statesL = append(statesL, a.State)
		}
	}
	return
}

func insertIncident(ctx context.Context, tx db.Querier, x *Incident) error {
	rs, sec := receiverLists(x.Receivers)
	gs, is := initiatorLists(x.Initiators)
	_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, status, name, summary, start_date, end_date, start_year, type, receivers, receiver_states, sectors,
		initiators, actor_ids, initiator_states, techniques, zero_day, impact, sources, field_changed, origin, created_at, updated_at, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, x.Status, x.Name, x.Summary, x.Start, x.End, yearOf(x.Start), x.Type, mustJSON(x.Receivers), encodeList(rs), encodeList(sec),
		mustJSON(x.Initiators), encodeList(gs), encodeList(is), encodeList(x.Techniques), x.ZeroDay, x.Impact, mustJSON(x.Sources),
		mustJSON(x.FieldChanged), x.Origin, x.CreatedAt, x.UpdatedAt, x.PublishedAt)
	if err != nil {
		return fmt.Errorf("insert incident: %w", err)
	}
	return nil
}

func updateIncidentRow(ctx context.Context, tx db.Querier, x *Incident) error {
	rs, sec := receiverLists(x.Receivers)
	gs, is := initiatorLists(x.Initiators)
	_, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, name = ?, summary = ?, start_date = ?, end_date = ?, start_year = ?, type = ?,
		receivers = ?, receiver_states = ?, sectors = ?, initiators = ?, actor_ids = ?, initiator_states = ?, techniques = ?, zero_day = ?,
		impact = ?, sources = ?, field_changed = ?, updated_at = ?, published_at = ? WHERE id = ?`,
		x.Status, x.Name, x.Summary, x.Start, x.End, yearOf(x.Start), x.Type, mustJSON(x.Receivers), encodeList(rs), encodeList(sec),
		mustJSON(x.Initiators), encodeList(gs), encodeList(is), encodeList(x.Techniques), x.ZeroDay, x.Impact, mustJSON(x.Sources),
		mustJSON(x.FieldChanged), x.UpdatedAt, x.PublishedAt, x.ID)
	if err != nil {
		return fmt.Errorf("update incident: %w", err)
	}
	return nil
}

// changedFields lists the fields of b that differ from a.
func changedFields(a, b *Incident) []string {
	var f []string
	eq := func(x, y any) bool { return mustJSON(x) == mustJSON(y) }
	for _, c := range []struct {
		name string
		x, y any
	}{{"name", a.Name, b.Name}, {"summary", a.Summary, b.Summary}, {"start", a.Start, b.Start}, {"end", a.End, b.End},
		{"type", a.Type, b.Type}, {"receivers", a.Receivers, b.Receivers}, {"initiators", a.Initiators, b.Initiators},
		{"techniques", a.Techniques, b.Techniques}, {"zero_day", a.ZeroDay, b.ZeroDay}, {"impact", a.Impact, b.Impact},
		{"sources", a.Sources, b.Sources}} {
		if !eq(c.x, c.y) {
			f = append(f, c.name)
		}
	}
	return f
}

var incidentFields = []string{"name", "summary", "start", "end", "type", "receivers", "initiators", "techniques", "zero_day", "impact", "sources"}

// ---- incidents: rules ----

// CreateIncident saves a new draft incident (secretariat).
func (s *Service) CreateIncident(ctx context.Context, u *auth.User, in IncidentInput) (*Incident, error) {
	if !isSecretariat(u) {
		return nil, ErrForbidden
	}
	x, err := in.validate()
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.createIncident(ctx, tx, u, &x, StatusDraft, "secretariat", time.Now().UTC())
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

func (s *Service) createIncident(ctx context.Context, tx *db.Tx, u *auth.User, x *Incident, status, origin string, now time.Time) error {
	x.ID, x.Status, x.Origin, x.CreatedAt, x.UpdatedAt = id.New(), status, origin, now, now
	x.FieldChanged = map[string]time.Time{}
	for _, f := range incidentFields {
		x.FieldChanged[f] = now
	}
	x.AttributorStates, x.NamedStates, x.Norms = []string{}, []string{}, []string{}
	if status == StatusPublished {
		x.PublishedAt = &now
	}
	if err := insertIncident(ctx, tx, x); err != nil {
		return err
	}
	if err := s.history(ctx, tx, u, x.ID, "incident", x.ID, "create", incidentFields, now); err != nil {
		return err
	}
	if status == StatusPublished {
		if err := s.index(ctx, tx, x); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, "incidents.incident.create", "incident", x.ID, nil, x)
}

// UpdateIncident replaces an incident's fields (secretariat).
func (s *Service) UpdateIncident(ctx context.Context, u *auth.User, incidentID string, in IncidentInput) (*Incident, error) {
	if !isSecretariat(u) {
		return nil, ErrForbidden
	}
	nx, err := in.validate()
	if err != nil {
		return nil, err
	}
	var out *Incident
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		out, err = s.applyUpdate(ctx, tx, u, incidentID, nx, "update")
		return err
	})
	return out, err
}

func (s *Service) applyUpdate(ctx context.Context, tx *db.Tx, u *auth.User, incidentID string, nx Incident, action string) (*Incident, error) {
	old, err := loadIncident(ctx, tx, incidentID)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	x := *old
	x.Name, x.Summary, x.Start, x.End, x.Type, x.Receivers, x.Initiators = nx.Name, nx.Summary, nx.Start, nx.End, nx.Type, nx.Receivers, nx.Initiators
	x.Techniques, x.ZeroDay, x.Impact, x.Sources = nx.Techniques, nx.ZeroDay, nx.Impact, nx.Sources
	fields := changedFields(old, &x)
	if len(fields) == 0 {
		return old, nil
	}
	x.FieldChanged = map[string]time.Time{}
	for k, v := range old.FieldChanged {
		x.FieldChanged[k] = v
	}
	for _, f := range fields {
		x.FieldChanged[f] = now
	}
	x.UpdatedAt = now
	if err := updateIncidentRow(ctx, tx, &x); err != nil {
		return nil, err
	}
	if err := s.history(ctx, tx, u, x.ID, "incident", x.ID, action, fields, now); err != nil {
		return nil, err
	}
	if x.Status == StatusPublished {
		if err := s.index(ctx, tx, &x); err != nil {
			return nil, err
		}
	}
	return &x, audit.Record(ctx, tx, "incidents.incident."+action, "incident", x.ID, old, x)
}

// PublishIncident publishes a draft (secretariat).
func (s *Service) PublishIncident(ctx context.Context, u *auth.User, incidentID string) (*Incident, error) {
	if !isSecretariat(u) {
		return nil, ErrForbidden
	}
	var x *Incident
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if x, err = loadIncident(ctx, tx, incidentID); err != nil {
			return err
		}
		if x.Status != StatusDraft {
			return &StateError{"only a draft incident can be published"}
		}
		now := time.Now().UTC()
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, published_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			StatusPublished, now, now, x.ID, StatusDraft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &StateError{"only a draft incident can be published"}
		}
		x.Status, x.PublishedAt, x.UpdatedAt = StatusPublished, &now, now
		if err := s.history(ctx, tx, u, x.ID, "incident", x.ID, "publish", nil, now); err != nil {
			return err
		}
		if err := s.index(ctx, tx, x); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "incidents.incident.publish", "incident", x.ID, nil, map[string]string{"status": StatusPublished})
	})
	return x, err
}

// Incident returns an incident the user may see: published ones to
// everyone, drafts to the secretariat; 404 otherwise.
func (s *Service) Incident(ctx context.Context, u *auth.User, incidentID string) (*Incident, error) {
	x, err := loadIncident(ctx, s.DB, incidentID)
	if err != nil {
		return nil, err
	}
	if x.Status != StatusPublished && !isSecretariat(u) {
		return nil, ErrNotFound
	}
	return x, nil
}

// index puts a published incident in the platform's search index and
// rewrites its list facets (facets.go) and the STIX objects its bundle
// holds (taxii_refs.go).
func (s *Service) index(ctx context.Context, tx db.Querier, x *Incident) error {
	if err := search.Index(ctx, tx, searchDoc(x, nil)); err != nil {
		return err
	}
	if err := writeFacets(ctx, tx, x); err != nil {
		return err
	}
	if err := writeStatementStates(ctx, tx, x); err != nil {
		return err
	}
	return writeSTIXRefs(ctx, tx, x)
}

func searchDoc(x *Incident, extra []string) search.Document {
	var body strings.Builder
	body.WriteString(x.Summary)
	for _, a := range x.Initiators {
		body.WriteString("\n" + a.Name)
		if a.GroupID != "" {
			body.WriteString(" " + a.GroupID)
		}
	}
	for _, r := range x.Receivers {
		body.WriteString("\n" + stateName(r.State) + " " + r.Sector)
	}
	for _, st := range x.NamedStates {
		body.WriteString("\n" + stateName(st))
	}
	for _, st := range x.AttributorStates {
		body.WriteString("\n" + stateName(st))
	}
	for _, e := range extra {
		body.WriteString("\n" + e)
	}
	state := ""
	if len(x.Receivers) > 0 {
		state = x.Receivers[0].State
	}
	return search.Document{Kind: SearchKind, Ref: x.ID, Lang: "en", Title: x.Name, Body: body.String(), URL: "/incidents/" + x.ID,
		Norms: x.Norms, Type: x.Type, Status: x.Status, Year: yearOf(x.Start), State: state}
}

// refreshFacets recomputes an incident's facets from its published
// statements, and its search entry.
func (s *Service) refreshFacets(ctx context.Context, tx *db.Tx, incidentID string) error {
	atts, err := attributionsOf(ctx, tx, incidentID, true)
	if err != nil {
		return err
	}
	var attr, named, norms []string
	add := func(l *[]string, v string) {
		if v != "" && !slices.Contains(*l, v) {
			*l = append(*l, v)
		}
	}
	for _, a := range atts {
		for _, st := range a.AttributorState {
			add(&attr, st)
		}
		add(&named, a.NamedState)
		for _, n := range a.Norms {
			add(&norms, n)
		}
	}
	slices.Sort(attr)
	slices.Sort(named)
	slices.Sort(norms)
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET attributor_states = ?, named_states = ?, norms = ? WHERE id = ?`,
		encodeList(attr), encodeList(named), encodeList(norms), incidentID); err != nil {
		return err
	}
	x, err := loadIncident(ctx, tx, incidentID)
	if err != nil {
		return err
	}
	if x.Status == StatusPublished {
		return s.index(ctx, tx, x)
	}
	return nil
}

// History lists the changes to an incident and its statements and
// responses, oldest first.
func (s *Service) History(ctx context.Context, incidentID string) ([]HistoryEntry, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT entity, entity_id, action, who, fields, at FROM incident_history WHERE incident_id = ? ORDER BY at, id`, incidentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HistoryEntry{}
	for rows.Next() {
		var h HistoryEntry
		var fields string
		if err := rows.Scan(&h.Entity, &h.EntityID, &h.Action, &h.Who, &fields, &h.At); err != nil {
			return nil, err
		}
		h.At = h.At.UTC()
		h.Fields = ParseList(fields)
		if h.Fields == nil {
			h.Fields = []string{}
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

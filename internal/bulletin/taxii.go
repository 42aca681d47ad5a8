package bulletin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// TAXIIMediaType is the media type of every TAXII 2.1 response.
const TAXIIMediaType = "application/taxii+json;version=2.1"

// stixMediaType is the media type of STIX 2.1 content in manifests.
const stixMediaType = "application/stix+json;version=2.1"

// TAXII collections. Their ids are fixed UUIDs so that clients can
// configure them once.
const (
	CollectionPublic        = "5c2f8a1e-7d3b-4e6f-9a0c-1b2d3e4f5a60"
	CollectionMembers       = "8e1d4b7a-2c5f-4a9e-b3d6-0f1e2d3c4b5a"
	CollectionContributions = "a7b3c9d1-4e6f-4081-92a3-b4c5d6e7f809"
)

// taxiiCollection describes a collection and who may use it.
type taxiiCollection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

var collections = []taxiiCollection{
	{ID: CollectionPublic, Title: "Bulletin, TLP:CLEAR", Description: "Published bulletin content marked TLP:CLEAR. Open to everyone.", CanRead: true, MediaTypes: []string{stixMediaType}},
	{ID: CollectionMembers, Title: "Bulletin, members (TLP:CLEAR, GREEN, AMBER)", Description: "Published bulletin content up to TLP:AMBER, for members of organisations and States.", CanRead: true, MediaTypes: []string{stixMediaType}},
	{ID: CollectionContributions, Title: "Contributions", Description: "Write STIX 2.1 objects here to create draft bulletin items for review.", CanWrite: true, MediaTypes: []string{stixMediaType}},
}

// collectionFor returns the collection as u may see it, or false when it
// does not exist for u.
func collectionFor(u *auth.User, colID string) (taxiiCollection, bool) {
	for _, c := range collections {
		if c.ID != colID {
			continue
		}
		switch c.ID {
		case CollectionPublic:
			return c, true
		case CollectionMembers:
			return c, Entitled(u)
		case CollectionContributions:
			return c, u != nil && u.OrgID != ""
		}
	}
	return taxiiCollection{}, false
}

func collectionAudience(colID string) string {
	if colID == CollectionMembers {
		return AudienceMembers
	}
	return AudiencePublic
}

// addToTAXII puts the objects of a published issue in the read
// collections, each object within the collection's TLP limit.
func (s *Service) addToTAXII(ctx context.Context, tx *db.Tx, is *Issue, now time.Time) error {
	var items []*Item
	for _, itemID := range is.ItemIDs {
		it, err := loadItem(ctx, tx, itemID)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	for _, col := range []string{CollectionPublic, CollectionMembers} {
		b, err := IssueBundle(is, items, collectionAudience(col))
		if err != nil {
			return err
		}
		for _, o := range b.Objects {
			if err := putTAXIIObject(ctx, tx, col, o, now); err != nil {
				return err
			}
		}
	}
	return nil
}

func objectVersion(o stix.Object) string {
	if v, ok := o.String("modified"); ok {
		return v
	}
	v, _ := o.String("created")
	return v
}

// putTAXIIObject adds one object version to a collection, unless the
// collection holds it already, and marks older versions as not latest.
func putTAXIIObject(ctx context.Context, tx db.Querier, col string, o stix.Object, now time.Time) error {
	if t, ok := stix.ObjectTLP(o); ok && !t.AtMost(audienceMax(collectionAudience(col))) {
		return nil // belt and braces: never above the collection's limit
	}
	body, err := o.MarshalJSON()
	if err != nil {
		return err
	}
	ver := objectVersion(o)
	res, err := tx.ExecContext(ctx, `INSERT INTO bulletin_taxii_objects (collection, stix_id, stix_type, version, date_added, latest, body)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (collection, stix_id, version) DO NOTHING`, col, o.ID(), o.Type(), ver, now, true, string(body))
	if err != nil {
		return fmt.Errorf("taxii object %s: %w", o.ID(), err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if _, err := tx.ExecContext(ctx, `UPDATE bulletin_taxii_objects SET latest = ? WHERE collection = ? AND stix_id = ? AND version < ?`, false, col, o.ID(), ver); err != nil {
			return err
		}
	}
	return nil
}

// TAXII handlers.

type taxiiError struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

func writeTAXII(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", TAXIIMediaType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func taxiiFail(w http.ResponseWriter, status int, title, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="cybernorms TAXII", charset="UTF-8"`)
	}
	writeTAXII(w, status, taxiiError{Title: title, Description: desc, HTTPStatus: strconv.Itoa(status)})
}

// taxiiUser resolves the requester: a session or bearer token (resolved by
// the middleware), or HTTP basic auth whose password is an API token.
// ok is false when credentials were sent and are wrong.
func (m *Module) taxiiUser(r *http.Request) (*auth.User, bool) {
	if u, pending := web.CurrentUser(r); u != nil && !pending {
		return u, true
	}
	h := r.Header.Get("Authorization")
	scheme, enc, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Basic") { // schemes are case-insensitive
		return nil, h == ""
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return nil, false
	}
	_, secret, _ := strings.Cut(string(raw), ":")
	u, err := m.svc.Auth.UserForToken(r.Context(), secret)
	if err != nil || u.Disabled {
		return nil, false
	}
	return u, true
}

// taxiiAccept checks the Accept header: TAXII clients must ask for the
// TAXII media type (or anything).
func taxiiAccept(w http.ResponseWriter, r *http.Request) bool {
	a := r.Header.Get("Accept")
	if a == "" || strings.Contains(a, "application/taxii+json") || strings.Contains(a, "*/*") || strings.Contains(a, "application/*") {
		if strings.Contains(a, "application/taxii+json") && strings.Contains(a, "version=") && !strings.Contains(a, "version=2.1") {
			taxiiFail(w, http.StatusNotAcceptable, "Not acceptable", "this server speaks TAXII 2.1 only")
			return false
		}
		return true
	}
	taxiiFail(w, http.StatusNotAcceptable, "Not acceptable", "send Accept: "+TAXIIMediaType)
	return false
}

// taxiiGate runs the checks every TAXII request shares and returns the user.
func (m *Module) taxiiGate(w http.ResponseWriter, r *http.Request) (*auth.User, bool) {
	if !taxiiAccept(w, r) {
		return nil, false
	}
	u, ok := m.taxiiUser(r)
	if !ok {
		taxiiFail(w, http.StatusUnauthorized, "Unauthorized", "the credentials are not valid: use HTTP basic auth with an API token as the password, or Authorization: Bearer <token>")
		return nil, false
	}
	return u, true
}

func (m *Module) taxiiDiscovery(w http.ResponseWriter, r *http.Request) {
	if _, ok := m.taxiiGate(w, r); !ok {
		return
	}
	// Every module's API root (platform.Services.TAXIIRoots), the
	// bulletin's the default.
	roots := make([]string, 0, len(m.svc.TAXIIRoots))
	for _, p := range m.svc.TAXIIRoots {
		roots = append(roots, m.svc.Link(p))
	}
	writeTAXII(w, http.StatusOK, map[string]any{
		"title": "cybernorms", "description": "STIX 2.1 content of the platform: the quarterly threat-intelligence bulletin, and the incidents and attributions dataset",
		"default": m.svc.Link("/taxii2/bulletin/"), "api_roots": roots,
	})
}

func (m *Module) taxiiRoot(w http.ResponseWriter, r *http.Request) {
	if _, ok := m.taxiiGate(w, r); !ok {
		return
	}
	writeTAXII(w, http.StatusOK, map[string]any{"title": "Bulletin", "versions": []string{TAXIIMediaType}, "max_content_length": stix.MaxBundleBytes})
}

func (m *Module) taxiiCollections(w http.ResponseWriter, r *http.Request) {
	u, ok := m.taxiiGate(w, r)
	if !ok {
		return
	}
	var out []taxiiCollection
	for _, c := range collections {
		if c2, ok := collectionFor(u, c.ID); ok {
			out = append(out, c2)
		}
	}
	writeTAXII(w, http.StatusOK, map[string]any{"collections": out})
}

// taxiiCollectionGate resolves the collection of the path for u: 401 for
// the public asking for a protected collection, 404 when it does not exist
// for u.
func (m *Module) taxiiCollectionGate(w http.ResponseWriter, r *http.Request) (*auth.User, taxiiCollection, bool) {
	u, ok := m.taxiiGate(w, r)
	if !ok {
		return nil, taxiiCollection{}, false
	}
	colID := r.PathValue("collection")
	c, ok := collectionFor(u, colID)
	if !ok {
		if u == nil && (colID == CollectionMembers || colID == CollectionContributions) {
			taxiiFail(w, http.StatusUnauthorized, "Unauthorized", "this collection needs credentials")
			return nil, c, false
		}
		taxiiFail(w, http.StatusNotFound, "Not found", "no such collection")
		return nil, c, false
	}
	return u, c, true
}

func (m *Module) taxiiCollection(w http.ResponseWriter, r *http.Request) {
	_, c, ok := m.taxiiCollectionGate(w, r)
	if !ok {
		return
	}
	writeTAXII(w, http.StatusOK, c)
}

// TAXIIQuery is a parsed objects/manifest request.
type TAXIIQuery struct {
	AddedAfter time.Time
	Limit      int
	Next       int64
	Types      []string
	IDs        []string
	AllVersion bool
	Versions   []string
}

// MaxTAXIIPage is the largest page the objects endpoint returns.
const MaxTAXIIPage = 1000

// ParseTAXIIQuery reads the TAXII 2.1 filter parameters.
func ParseTAXIIQuery(q map[string][]string) (TAXIIQuery, error) {
	tq := TAXIIQuery{Limit: 100}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if s := get("added_after"); s != "" {
		t, err := stix.ParseTimestamp(s)
		if err != nil {
			return tq, fmt.Errorf("added_after: %q is not a timestamp such as 2026-10-01T00:00:00.000Z", s)
		}
		tq.AddedAfter = t.Time
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return tq, fmt.Errorf("limit: must be a whole number of at least 1")
		}
		tq.Limit = min(n, MaxTAXIIPage)
	}
	if s := get("next"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return tq, fmt.Errorf("next: is not a value this server returned")
		}
		tq.Next = n
	}
	split := func(k string) []string {
		var out []string
		for _, v := range q[k] {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	tq.Types, tq.IDs = split("match[type]"), split("match[id]")
	if len(tq.Types) > 50 || len(tq.IDs) > 200 {
		return tq, fmt.Errorf("match: too many values")
	}
	for _, v := range split("match[version]") {
		switch v {
		case "all":
			tq.AllVersion = true
		case "last":
		case "first":
			return tq, fmt.Errorf("match[version]: first is not supported; use last, all or a timestamp")
		default:
			if _, err := stix.ParseTimestamp(v); err != nil {
				return tq, fmt.Errorf("match[version]: %q is not last, all or a timestamp", v)
			}
			tq.Versions = append(tq.Versions, v)
		}
	}
	if sv := split("match[spec_version]"); len(sv) > 0 {
		ok := false
		for _, v := range sv {
			ok = ok || v == stix.SpecVersion
		}
		if !ok {
			tq.Types = []string{"-none-"}
		}
	}
	return tq, nil
}

// TAXIIRow is one object version in a collection.
type TAXIIRow struct {
	Seq       int64
	ID        string
	Version   string
	DateAdded time.Time
	Body      string
}

// TAXIIPage reads one page of a collection.
func (s *Service) TAXIIPage(ctx context.Context, col string, q TAXIIQuery) ([]TAXIIRow, bool, error) {
	where := []string{"collection = ?", "seq > ?"}
	args := []any{col, q.Next}
	if !q.AllVersion && len(q.Versions) == 0 {
		where, args = append(where, "latest = ?"), append(args, true)
	}
	if len(q.Versions) > 0 {
		where = append(where, "version IN ("+db.Placeholders(len(q.Versions))+")")
		for _, v := range q.Versions {
			args = append(args, v)
		}
	}
	if !q.AddedAfter.IsZero() {
		where, args = append(where, "date_added > ?"), append(args, q.AddedAfter.UTC())
	}
	if len(q.Types) > 0 {
		where = append(where, "stix_type IN ("+db.Placeholders(len(q.Types))+")")
		for _, v := range q.Types {
			args = append(args, v)
		}
	}
	if len(q.IDs) > 0 {
		where = append(where, "stix_id IN ("+db.Placeholders(len(q.IDs))+")")
		for _, v := range q.IDs {
			args = append(args, v)
		}
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT seq, stix_id, version, date_added, body FROM bulletin_taxii_objects WHERE `+
		strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY seq LIMIT %d`, q.Limit+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("taxii page: %w", err)
	}
	defer rows.Close()
	out := make([]TAXIIRow, 0, q.Limit+1)
	for rows.Next() {
		var row TAXIIRow
		if err := rows.Scan(&row.Seq, &row.ID, &row.Version, &row.DateAdded, &row.Body); err != nil {
			return nil, false, err
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

func taxiiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// taxiiRead serves objects, one object, versions and manifest.
func (m *Module) taxiiRead(w http.ResponseWriter, r *http.Request, view string) {
	_, c, ok := m.taxiiCollectionGate(w, r)
	if !ok {
		return
	}
	if !c.CanRead {
		taxiiFail(w, http.StatusForbidden, "Forbidden", "this collection is write-only")
		return
	}
	q, err := ParseTAXIIQuery(r.URL.Query())
	if err != nil {
		taxiiFail(w, http.StatusBadRequest, "Bad request", err.Error())
		return
	}
	if oid := r.PathValue("object"); oid != "" {
		if !stix.IsID(oid) {
			taxiiFail(w, http.StatusNotFound, "Not found", "no such object")
			return
		}
		q.IDs = []string{oid}
		if view == "versions" {
			q.AllVersion = true
		}
	}
	rows, more, err := m.svc.TAXIIPage(r.Context(), c.ID, q)
	if err != nil {
		m.svc.Log.Error("taxii", "err", err)
		taxiiFail(w, http.StatusInternalServerError, "Internal error", "")
		return
	}
	if r.PathValue("object") != "" && len(rows) == 0 {
		taxiiFail(w, http.StatusNotFound, "Not found", "no such object in this collection")
		return
	}
	if len(rows) > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", taxiiTime(rows[0].DateAdded))
		w.Header().Set("X-TAXII-Date-Added-Last", taxiiTime(rows[len(rows)-1].DateAdded))
	}
	next := ""
	if more {
		next = strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	switch view {
	case "versions":
		vs := make([]string, len(rows))
		for i, row := range rows {
			vs[i] = row.Version
		}
		writeTAXII(w, http.StatusOK, map[string]any{"more": more, "versions": vs})
	case "manifest":
		type rec struct {
			ID        string `json:"id"`
			DateAdded string `json:"date_added"`
			Version   string `json:"version"`
			MediaType string `json:"media_type"`
		}
		out := make([]rec, len(rows))
		for i, row := range rows {
			out[i] = rec{row.ID, taxiiTime(row.DateAdded), row.Version, stixMediaType}
		}
		env := map[string]any{"more": more, "objects": out}
		if next != "" {
			env["next"] = next
		}
		writeTAXII(w, http.StatusOK, env)
	default:
		w.Header().Set("Content-Type", TAXIIMediaType)
		w.WriteHeader(http.StatusOK)
		writeEnvelope(w, rows, more, next)
	}
}

// writeEnvelope writes the objects envelope without re-encoding each
// stored object.
func writeEnvelope(w io.Writer, rows []TAXIIRow, more bool, next string) {
	var b strings.Builder
	b.Grow(256 * (len(rows) + 1))
	b.WriteString(`{"more":`)
	b.WriteString(strconv.FormatBool(more))
	if next != "" {
		b.WriteString(`,"next":"` + next + `"`)
	}
	b.WriteString(`,"objects":[`)
	for i, row := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row.Body)
	}
	b.WriteString("]}\n")
	_, _ = io.WriteString(w, b.String())
}

func (m *Module) taxiiObjects(w http.ResponseWriter, r *http.Request)  { m.taxiiRead(w, r, "objects") }
func (m *Module) taxiiObject(w http.ResponseWriter, r *http.Request)   { m.taxiiRead(w, r, "object") }
func (m *Module) taxiiVersions(w http.ResponseWriter, r *http.Request) { m.taxiiRead(w, r, "versions") }
func (m *Module) taxiiManifest(w http.ResponseWriter, r *http.Request) { m.taxiiRead(w, r, "manifest") }

// taxiiAdd receives an envelope of objects in the write collection and
// imports them as draft items.
func (m *Module) taxiiAdd(w http.ResponseWriter, r *http.Request) {
	u, c, ok := m.taxiiCollectionGate(w, r)
	if !ok {
		return
	}
	if !c.CanWrite {
		taxiiFail(w, http.StatusForbidden, "Forbidden", "this collection is read-only")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/taxii+json") {
		taxiiFail(w, http.StatusUnsupportedMediaType, "Unsupported media type", "send Content-Type: "+TAXIIMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, stix.MaxBundleBytes))
	if err != nil {
		taxiiFail(w, http.StatusRequestEntityTooLarge, "Too large", "the envelope is larger than 10 MB")
		return
	}
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Objects) == 0 {
		taxiiFail(w, http.StatusBadRequest, "Bad request", "the body must be a TAXII envelope {\"objects\":[...]} with at least one object")
		return
	}
	bundle, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + uuid4(), "objects": env.Objects})
	items, err := m.svc.ImportBundle(r.Context(), u, bundle)
	var ie *ImportError
	if errors.As(err, &ie) {
		taxiiFail(w, http.StatusUnprocessableEntity, "Invalid STIX", ie.Reason)
		return
	}
	if err != nil {
		m.svc.Log.Error("taxii add", "err", err)
		taxiiFail(w, http.StatusInternalServerError, "Internal error", "")
		return
	}
	now := time.Now().UTC()
	type success struct {
		ID      string `json:"id"`
		Version string `json:"version,omitempty"`
		Message string `json:"message,omitempty"`
	}
	var succ []success
	for _, it := range items {
		succ = append(succ, success{ID: ItemSTIXID(it), Message: "draft item " + it.ID})
	}
	st := map[string]any{"id": uuid4(), "status": "complete", "request_timestamp": taxiiTime(now), "total_count": len(env.Objects),
		"success_count": len(items), "successes": succ, "failure_count": 0, "pending_count": 0}
	raw, _ := json.Marshal(st)
	if _, err := m.svc.DB.ExecContext(r.Context(), `INSERT INTO bulletin_taxii_status (id, user_id, body, created_at) VALUES (?, ?, ?, ?)`, st["id"], u.ID, string(raw), now); err != nil {
		m.svc.Log.Error("taxii status", "err", err)
	}
	writeTAXII(w, http.StatusAccepted, json.RawMessage(raw))
}

func (m *Module) taxiiStatus(w http.ResponseWriter, r *http.Request) {
	u, ok := m.taxiiGate(w, r)
	if !ok {
		return
	}
	if u == nil {
		taxiiFail(w, http.StatusUnauthorized, "Unauthorized", "status resources need credentials")
		return
	}
	var body string
	if err := m.svc.DB.QueryRowContext(r.Context(), `SELECT body FROM bulletin_taxii_status WHERE id = ? AND user_id = ?`, r.PathValue("status"), u.ID).Scan(&body); err != nil {
		taxiiFail(w, http.StatusNotFound, "Not found", "no such status")
		return
	}
	writeTAXII(w, http.StatusOK, json.RawMessage(body))
}

// uuid4 is a random RFC 4122 version 4 UUID.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

package incidents

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
)

// A read-only TAXII 2.1 API root of its own, /taxii2/incidents/, with one
// public collection of the published incidents as STIX (stix.go), listed
// by the discovery endpoint (/taxii2/) through platform.Services.TAXIIRoots
// (docs/modules/incidents.md). Objects by id, their versions and the
// manifest read incident_stix_refs (taxii_refs.go).

const taxiiType = "application/taxii+json;version=2.1"

// TAXIICollectionID is the fixed id of the collection.
var TAXIICollectionID = strings.TrimPrefix(stix.DeterministicID("x-taxii-collection", "cybernorms-incidents"), "x-taxii-collection--")

func taxiiAccepts(r *http.Request) bool {
	a := r.Header.Get("Accept")
	if a == "" {
		return true
	}
	for _, part := range strings.Split(a, ",") {
		p := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(part)), " ", "")
		if strings.HasPrefix(p, "application/taxii+json") && (!strings.Contains(p, "version=") || strings.Contains(p, "version=2.1")) ||
			strings.HasPrefix(p, "*/*") || strings.HasPrefix(p, "application/*") {
			return true
		}
	}
	return false
}

func taxiiWrite(w http.ResponseWriter, r *http.Request, status int, v any) {
	if !taxiiAccepts(r) {
		status, v = http.StatusNotAcceptable, map[string]string{"title": "Not Acceptable", "description": "ask for " + taxiiType}
	}
	w.Header().Set("Content-Type", taxiiType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func taxiiError(w http.ResponseWriter, r *http.Request, status int, title, desc string) {
	taxiiWrite(w, r, status, map[string]any{"title": title, "description": desc, "http_status": strconv.Itoa(status)})
}

func (m *Module) taxiiRoot(w http.ResponseWriter, r *http.Request) {
	taxiiWrite(w, r, http.StatusOK, map[string]any{"title": "cybernorms incidents and attributions",
		"description": "Published incidents and attribution statements as STIX 2.1 (TLP:CLEAR).", "versions": []string{taxiiType}, "max_content_length": 10 << 20})
}

func taxiiCollection() map[string]any {
	return map[string]any{"id": TAXIICollectionID, "title": "Incidents and attributions",
		"description": "Each published incident with its actors, States, techniques and a report per published attribution statement.",
		"can_read":    true, "can_write": false, "media_types": []string{"application/stix+json;version=2.1"}}
}

func (m *Module) taxiiCollections(w http.ResponseWriter, r *http.Request) {
	taxiiWrite(w, r, http.StatusOK, map[string]any{"collections": []any{taxiiCollection()}})
}

func (m *Module) taxiiCollectionPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := m.taxiiGate(w, r); ok {
		taxiiWrite(w, r, http.StatusOK, taxiiCollection())
	}
}

// taxiiQuery is the parsed filters of an objects, manifest or versions
// request.
type taxiiQuery struct {
	limit       int
	after       string // the last incident id of the previous page (next)
	offset      int    // versions already returned for one object (next)
	addedAfter  time.Time
	types, ids  []string
	versions    []string // match[version]: last (default), first, all or timestamps
	specVersion bool     // false when match[spec_version] excludes 2.1
}

func parseTAXIIQuery(r *http.Request) (taxiiQuery, string) {
	q := r.URL.Query()
	tq := taxiiQuery{limit: 100, specVersion: true}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return tq, "limit must be a positive whole number"
		}
		tq.limit = min(n, 1000)
	}
	if s := q.Get("next"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) > 64 {
			return tq, "next is not a value this server returned"
		}
		tq.after = string(b)
		if n, err := strconv.Atoi(tq.after); err == nil && n >= 0 {
			tq.offset = n
		}
	}
	if s := q.Get("added_after"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return tq, "added_after must be a timestamp"
		}
		tq.addedAfter = t
	}
	tq.types = splitCell(q.Get("match[type]"))
	tq.ids = splitCell(q.Get("match[id]"))
	if len(tq.types) > 50 || len(tq.ids) > 200 {
		return tq, "match: too many values"
	}
	for _, v := range splitCell(q.Get("match[version]")) {
		switch v {
		case "last", "first", "all":
		default:
			if _, err := stix.ParseTimestamp(v); err != nil {
				return tq, "match[version] must be last, first, all or timestamps"
			}
		}
		tq.versions = append(tq.versions, v)
	}
	if sv := splitCell(q.Get("match[spec_version]")); len(sv) > 0 {
		tq.specVersion = slices.Contains(sv, stix.SpecVersion)
	}
	return tq, ""
}

// wants reports whether an object passes the type, id and (timestamp)
// version filters. The collection is a stream of incidents, each holding
// its objects at one version, so last, first and all keep every object
// there; objects/{id} chooses among versions (taxiiObject).
func (q taxiiQuery) wants(typ, id, version string) bool {
	if !q.specVersion || len(q.types) > 0 && !slices.Contains(q.types, typ) || len(q.ids) > 0 && !slices.Contains(q.ids, id) {
		return false
	}
	var stamps []string
	for _, v := range q.versions {
		if v != "last" && v != "first" && v != "all" {
			stamps = append(stamps, v)
		}
	}
	if len(stamps) > 0 && len(stamps) == len(q.versions) {
		return slices.Contains(stamps, version)
	}
	return true
}

func (m *Module) taxiiGate(w http.ResponseWriter, r *http.Request) (taxiiQuery, bool) {
	if r.PathValue("collection") != TAXIICollectionID {
		taxiiError(w, r, http.StatusNotFound, "Not Found", "no such collection")
		return taxiiQuery{}, false
	}
	q, bad := parseTAXIIQuery(r)
	if bad != "" {
		taxiiError(w, r, http.StatusBadRequest, "Bad Request", bad)
		return q, false
	}
	return q, true
}

// publishedPage reads the next published incidents in the order they were
// created, after the id after and published after addedAfter.
func (m *Module) publishedPage(r *http.Request, after string, addedAfter time.Time, n int) ([]*Incident, error) {
	rows, err := m.svc.DB.QueryContext(r.Context(), `SELECT `+incidentCols+` FROM incidents i WHERE i.status = 'published' AND i.id > ? AND i.published_at > ? ORDER BY i.id LIMIT `+strconv.Itoa(n),
		after, addedAfter)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []*Incident
	for rows.Next() {
		x, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		batch = append(batch, x)
	}
	return batch, rows.Err()
}

func setDateAdded(w http.ResponseWriter, first, last time.Time) {
	if first.IsZero() {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", first.UTC().Format("2006-01-02T15:04:05.000000Z"))
	w.Header().Set("X-TAXII-Date-Added-Last", last.UTC().Format("2006-01-02T15:04:05.000000Z"))
}

// taxiiObjects pages through the published incidents by their ULID (the
// order they were created), each with all its objects: a page holds whole
// incidents until it has at least limit objects (default 100, at most
// 1,000). Filters: added_after (the incident's publication), match[type],
// match[id], match[version] (timestamps), match[spec_version], next.
func (m *Module) taxiiObjects(w http.ResponseWriter, r *http.Request) {
	q, ok := m.taxiiGate(w, r)
	if !ok {
		return
	}
	var objects []stix.Object
	more, after, last := false, q.after, ""
	var first, lastAdded time.Time
	for len(objects) < q.limit {
		batch, err := m.publishedPage(r, after, q.addedAfter, 20)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		if len(batch) == 0 {
			break
		}
		for _, x := range batch {
			if len(objects) >= q.limit {
				more = true
				break
			}
			b, err := m.svc.Bundle(r.Context(), x.ID, []*Incident{x})
			if err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			for _, o := range b.Objects {
				if q.wants(o.Type(), o.ID(), stixVersion(o)) {
					objects = append(objects, o)
				}
			}
			after, last = x.ID, x.ID
			if first.IsZero() {
				first = *x.PublishedAt
			}
			lastAdded = *x.PublishedAt
		}
		if more {
			break
		}
	}
	env := map[string]any{"more": more}
	if len(objects) > 0 {
		env["objects"] = objects
		setDateAdded(w, first, lastAdded)
	}
	if more {
		env["next"] = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	taxiiWrite(w, r, http.StatusOK, env)
}

// taxiiManifest lists the same stream as objects (whole incidents a page,
// the same filters and next), each object as its id, version, the
// incident's publication as date_added and the media type, read from
// incident_stix_refs without building bundles.
func (m *Module) taxiiManifest(w http.ResponseWriter, r *http.Request) {
	q, ok := m.taxiiGate(w, r)
	if !ok {
		return
	}
	type record struct {
		ID        string `json:"id"`
		DateAdded string `json:"date_added"`
		Version   string `json:"version"`
		MediaType string `json:"media_type"`
	}
	var out []record
	more, after, last := false, q.after, ""
	var first, lastAdded time.Time
	for len(out) < q.limit && !more {
		batch, err := m.publishedPage(r, after, q.addedAfter, 50)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		if len(batch) == 0 {
			break
		}
		ids := make([]string, len(batch))
		for i, x := range batch {
			ids[i] = x.ID
		}
		entries, err := m.svc.manifestOf(r.Context(), ids)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		byIncident := map[string][]manifestEntry{}
		for _, e := range entries {
			byIncident[e.IncidentID] = append(byIncident[e.IncidentID], e)
		}
		for _, x := range batch {
			if len(out) >= q.limit {
				more = true
				break
			}
			for _, e := range byIncident[x.ID] {
				if q.wants(e.Type, e.ID, e.Version) {
					out = append(out, record{e.ID, e.Published.Format("2006-01-02T15:04:05.000000Z"), e.Version, "application/stix+json;version=2.1"})
				}
			}
			after, last = x.ID, x.ID
			if first.IsZero() {
				first = *x.PublishedAt
			}
			lastAdded = *x.PublishedAt
		}
	}
	env := map[string]any{"more": more}
	if len(out) > 0 {
		env["objects"] = out
		setDateAdded(w, first, lastAdded)
	}
	if more {
		env["next"] = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	taxiiWrite(w, r, http.StatusOK, env)
}

// selectVersions applies added_after, match[spec_version] and (unless
// all) match[version] to an object's versions, oldest added first.
func (q taxiiQuery) selectVersions(vs []objectVersion, all bool) []objectVersion {
	var out []objectVersion
	if !q.specVersion {
		return nil
	}
	for _, v := range vs {
		if !q.addedAfter.IsZero() && !v.DateAdded.After(q.addedAfter) {
			continue
		}
		out = append(out, v)
	}
	if all || slices.Contains(q.versions, "all") || len(out) == 0 {
		return out
	}
	want := q.versions
	if len(want) == 0 {
		want = []string{"last"}
	}
	latest, earliest := out[0], out[0]
	for _, v := range out {
		if v.Version > latest.Version {
			latest = v
		}
		if v.Version < earliest.Version {
			earliest = v
		}
	}
	var keep []objectVersion
	for _, v := range out {
		if slices.Contains(want, v.Version) || slices.Contains(want, "last") && v.Version == latest.Version ||
			slices.Contains(want, "first") && v.Version == earliest.Version {
			keep = append(keep, v)
		}
	}
	return keep
}

// objectVersionsFor resolves the object of the path: 404 when no published
// incident holds it.
func (m *Module) objectVersionsFor(w http.ResponseWriter, r *http.Request) ([]objectVersion, bool) {
	oid := r.PathValue("object")
	if !stix.IsID(oid) {
		taxiiError(w, r, http.StatusNotFound, "Not Found", "no such object")
		return nil, false
	}
	vs, err := m.svc.objectVersions(r.Context(), oid)
	if err != nil {
		m.site.ServerError(w, r, err)
		return nil, false
	}
	if len(vs) == 0 {
		taxiiError(w, r, http.StatusNotFound, "Not Found", "no such object in this collection")
		return nil, false
	}
	return vs, true
}

// page cuts the versions after the offset of next to limit.
func (q taxiiQuery) page(vs []objectVersion) ([]objectVersion, bool, string) {
	if q.offset >= len(vs) {
		return nil, false, ""
	}
	vs = vs[q.offset:]
	if len(vs) <= q.limit {
		return vs, false, ""
	}
	return vs[:q.limit], true, base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(q.offset + q.limit)))
}

// taxiiObject is one object: by default its latest version (match[version]
// first, all or timestamps for others), each version as the first
// published incident holding it built it.
func (m *Module) taxiiObject(w http.ResponseWriter, r *http.Request) {
	q, ok := m.taxiiGate(w, r)
	if !ok {
		return
	}
	all, ok := m.objectVersionsFor(w, r)
	if !ok {
		return
	}
	vs, more, next := q.page(q.selectVersions(all, false))
	var objects []stix.Object
	for _, v := range vs {
		o, found, err := m.svc.objectAt(r.Context(), v.IncidentID, r.PathValue("object"))
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		if found {
			objects = append(objects, o)
		}
	}
	env := map[string]any{"more": more}
	if len(objects) > 0 {
		env["objects"] = objects
		setDateAdded(w, vs[0].DateAdded, vs[len(vs)-1].DateAdded)
	}
	if more {
		env["next"] = next
	}
	taxiiWrite(w, r, http.StatusOK, env)
}

// taxiiVersions lists every version of one object, oldest added first
// (added_after, limit, next, match[spec_version]).
func (m *Module) taxiiVersions(w http.ResponseWriter, r *http.Request) {
	q, ok := m.taxiiGate(w, r)
	if !ok {
		return
	}
	all, ok := m.objectVersionsFor(w, r)
	if !ok {
		return
	}
	vs, more, next := q.page(q.selectVersions(all, true))
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	env := map[string]any{"more": more}
	if len(vs) > 0 {
		env["versions"] = out
		setDateAdded(w, vs[0].DateAdded, vs[len(vs)-1].DateAdded)
	}
	if more {
		env["next"] = next
	}
	taxiiWrite(w, r, http.StatusOK, env)
}

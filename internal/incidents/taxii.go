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
// public collection of the published incidents as STIX (stix.go). The
// bulletin's TAXII server offers no hook for another module's objects, so
// this root is not listed by its discovery document (/taxii2/); clients
// are given the root's address (docs/modules/incidents.md).

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
	if r.PathValue("collection") != TAXIICollectionID {
		taxiiError(w, r, http.StatusNotFound, "Not Found", "no such collection")
		return
	}
	taxiiWrite(w, r, http.StatusOK, taxiiCollection())
}

// taxiiObjects pages through the published incidents by their ULID (the
// order they were created), each with all its objects: a page holds whole
// incidents until it has at least limit objects (default 100, at most
// 1,000). Filters: added_after (the incident's publication), match[type],
// match[id], next.
func (m *Module) taxiiObjects(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("collection") != TAXIICollectionID {
		taxiiError(w, r, http.StatusNotFound, "Not Found", "no such collection")
		return
	}
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			taxiiError(w, r, http.StatusBadRequest, "Bad Request", "limit must be a positive whole number")
			return
		}
		limit = min(n, 1000)
	}
	after := ""
	if s := q.Get("next"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) > 64 {
			taxiiError(w, r, http.StatusBadRequest, "Bad Request", "next is not a value this server returned")
			return
		}
		after = string(b)
	}
	var addedAfter time.Time
	if s := q.Get("added_after"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			taxiiError(w, r, http.StatusBadRequest, "Bad Request", "added_after must be a timestamp")
			return
		}
		addedAfter = t
	}
	types := splitCell(q.Get("match[type]"))
	ids := splitCell(q.Get("match[id]"))
	var objects []stix.Object
	more, last := false, ""
	var first, lastAdded time.Time
	for len(objects) < limit {
		rows, err := m.svc.DB.QueryContext(r.Context(), `SELECT `+incidentCols+` FROM incidents i WHERE i.status = 'published' AND i.id > ? AND i.published_at > ? ORDER BY i.id LIMIT 20`,
			after, addedAfter)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		var batch []*Incident
		for rows.Next() {
			x, err := scanIncident(rows)
			if err != nil {
				rows.Close()
				m.site.ServerError(w, r, err)
				return
			}
			batch = append(batch, x)
		}
		rows.Close()
		if len(batch) == 0 {
			break
		}
		for _, x := range batch {
			if len(objects) >= limit {
				more = true
				break
			}
			b, err := m.svc.Bundle(r.Context(), x.ID, []*Incident{x})
			if err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			for _, o := range b.Objects {
				if len(types) > 0 && !slices.Contains(types, o.Type()) || len(ids) > 0 && !slices.Contains(ids, o.ID()) {
					continue
				}
				objects = append(objects, o)
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
		w.Header().Set("X-TAXII-Date-Added-First", first.UTC().Format("2006-01-02T15:04:05.000000Z"))
		w.Header().Set("X-TAXII-Date-Added-Last", lastAdded.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	if more {
		env["next"] = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	taxiiWrite(w, r, http.StatusOK, env)
}

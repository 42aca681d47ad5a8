package opendata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
)

// Change feeds: the newest rows of every dataset that declares a Feed, as
// Atom (RFC 4287) and as JSON Feed 1.1, filtered by the fields the dataset
// offers (?state_iso3=FRA, or ?state=FRA, ?norm=gge2015-c for short), with
// ETag and Last-Modified so that aggregators poll cheaply.

// feedSize is how many entries a feed holds.
const feedSize = 50

// aliases are short names of common filters.
var aliases = map[string]string{"state": "state_iso3", "norm": "norm_id", "year": "cycle_year"}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Rights  string      `xml:"rights"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Summary *atomText  `xml:"summary,omitempty"`
}

type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url"`
	FeedURL     string     `json:"feed_url"`
	Items       []jsonItem `json:"items"`
}

type jsonItem struct {
	ID            string `json:"id"`
	URL           string `json:"url"`
	Title         string `json:"title"`
	ContentText   string `json:"content_text"`
	DateModified  string `json:"date_modified"`
	DatePublished string `json:"date_published"`
}

type entry struct {
	id, title, summary, link string
	at                       time.Time
}

func (m *Module) feed(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	d, ok := m.svc.Reg.Get(name)
	if !ok || d.Feed == nil || (ext != "atom" && ext != "json") {
		m.notFound(w, r)
		return
	}
	filters := map[string]string{}
	for k, vs := range r.URL.Query() {
		if k == "lang" {
			continue
		}
		if a, ok := aliases[k]; ok {
			k = a
		}
		if len(vs) != 1 || vs[0] == "" {
			m.site.FieldError(w, r, http.StatusBadRequest, k, "give one value")
			return
		}
		filters[k] = vs[0]
	}
	var entries []entry
	keyFields := d.PrimaryKey
	err := d.Newest(r.Context(), m.svc.P.DB, filters, feedSize, func(row od.Row) error {
		title, summary, path := d.Feed.Entry(row)
		at, _ := row.Get(d.Feed.Time).(time.Time)
		var key []string
		for _, k := range keyFields {
			key = append(key, row.String(k))
		}
		entries = append(entries, entry{id: m.svc.P.Link("/data/datasets/" + d.Name + "#" + url.PathEscape(strings.Join(key, "/"))), title: title, summary: summary, link: m.svc.P.Link(path), at: at})
		return nil
	})
	if errors.Is(err, od.ErrUnknownFilter) {
		m.site.FieldError(w, r, http.StatusBadRequest, "(query)", "filters offered: "+strings.Join(d.Feed.Filters, ", "))
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	self := m.svc.P.Link(r.URL.Path)
	if q := canonicalQuery(filters); q != "" {
		self += "?" + q
	}
	title := "cybernorms: " + d.Feed.Title
	if len(filters) > 0 {
		title += " (" + canonicalQuery(filters) + ")"
	}
	updated := time.Date(2015, 7, 22, 0, 0, 0, 0, time.UTC) // A/70/174, before any entry
	for _, e := range entries {
		if e.at.After(updated) {
			updated = e.at
		}
	}
	var body []byte
	var ct string
	if ext == "atom" {
		f := atomFeed{ID: self, Title: title, Updated: updated.Format(time.RFC3339), Author: atomPerson{"cybernorms secretariat"},
			Rights: platform.DataLicence.Name + " (" + platform.DataLicence.ID + ")",
			Links:  []atomLink{{Rel: "self", Href: self, Type: "application/atom+xml"}, {Rel: "alternate", Href: m.svc.P.Link("/data/datasets/" + d.Name), Type: "text/html"}}}
		for _, e := range entries {
			ae := atomEntry{ID: e.id, Title: e.title, Updated: e.at.Format(time.RFC3339), Links: []atomLink{{Rel: "alternate", Href: e.link, Type: "text/html"}}}
			if e.summary != "" {
				ae.Summary = &atomText{Type: "text", Body: e.summary}
			}
			f.Entries = append(f.Entries, ae)
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		enc := xml.NewEncoder(&buf)
		enc.Indent("", " ")
		if err := enc.Encode(f); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		body, ct = buf.Bytes(), "application/atom+xml; charset=utf-8"
	} else {
		f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: title, HomePageURL: m.svc.P.Link("/data/datasets/" + d.Name), FeedURL: self, Items: []jsonItem{}}
		for _, e := range entries {
			at := e.at.Format(time.RFC3339)
			f.Items = append(f.Items, jsonItem{ID: e.id, URL: e.link, Title: e.title, ContentText: e.summary, DateModified: at, DatePublished: at})
		}
		body, _ = json.MarshalIndent(f, "", "  ")
		ct = "application/feed+json; charset=utf-8"
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", updated.Format(http.TimeFormat))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if notModified(r, etag, updated) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(body)
}

// notModified applies RFC 9110's conditional GET: If-None-Match first,
// If-Modified-Since only without it.
func notModified(r *http.Request, etag string, updated time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !updated.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
}

func canonicalQuery(filters map[string]string) string {
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(filters[k]))
	}
	return strings.Join(parts, "&")
}

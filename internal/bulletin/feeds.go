package bulletin

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
)

// Atom (RFC 4287) documents. The feeds carry TLP:CLEAR content only,
// whoever asks: feed readers share what they fetch.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
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
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Summary    atomText       `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (m *Module) writeFeed(w http.ResponseWriter, f atomFeed) {
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	_ = enc.Encode(f)
}

// issuesFeed writes the issues' feed. It is the same for every reader (the
// public's TLP:CLEAR content) and changes only with a write (an issue
// published or corrected, an item changed or withdrawn), so its bytes are
// kept until the audit log's tail moves (audit.Kept): it read each of its
// 50 issues and their items at every request, 191 statements and 7.7 ms of
// processor time at the demo's scale 10.
func (m *Module) issuesFeed(w http.ResponseWriter, r *http.Request) {
	b, err := m.issuesFeedBytes.Get(r.Context(), m.svc.DB, m.encodeIssuesFeed)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(b)
}

// encodeIssuesFeed reads and encodes the issues' feed, as writeFeed writes
// a feed.
func (m *Module) encodeIssuesFeed(ctx context.Context) ([]byte, error) {
	f, err := m.readIssuesFeed(ctx)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (m *Module) readIssuesFeed(ctx context.Context) (atomFeed, error) {
	issues, err := m.svc.Issues(ctx, false)
	if err != nil {
		return atomFeed{}, err
	}
	f := atomFeed{ID: m.svc.Link("/bulletin/feed.atom"), Title: "cybernorms threat-intelligence bulletin: issues", Updated: atomTime(fixedCreated.Time),
		Author: atomPerson{"cybernorms secretariat"},
		Links:  []atomLink{{Rel: "self", Href: m.svc.Link("/bulletin/feed.atom"), Type: "application/atom+xml"}, {Rel: "alternate", Href: m.svc.Link("/bulletin"), Type: "text/html"}}}
	for i, listed := range issues {
		if i >= 50 {
			break
		}
		is, err := m.svc.IssueFor(ctx, nil, listed.ID)
		if err != nil {
			return atomFeed{}, err
		}
		c, err := m.svc.Content(ctx, nil, is) // nil: the public, TLP:CLEAR only
		if err != nil {
			return atomFeed{}, err
		}
		summary := is.Foreword
		var cats []atomCategory
		for _, s := range c.Sections {
			for _, it := range s.Items {
				summary += "\n\n" + it.Title
				cats = append(cats, atomCategory{Term: string(it.Kind)})
			}
		}
		pub := atomTime(*is.PublishedAt)
		if i == 0 {
			f.Updated = pub
		}
		f.Entries = append(f.Entries, atomEntry{ID: m.svc.Link("/bulletin/issues/" + is.Slug), Title: is.Title + " (" + is.Label() + ")", Updated: pub, Published: pub,
			Links: []atomLink{{Rel: "alternate", Href: m.svc.Link("/bulletin/issues/" + is.Slug), Type: "text/html"}}, Summary: atomText{Type: "text", Body: summary}, Categories: dedupCats(cats)})
	}
	return f, nil
}

func dedupCats(cs []atomCategory) []atomCategory {
	seen := map[string]bool{}
	var out []atomCategory
	for _, c := range cs {
		if !seen[c.Term] {
			seen[c.Term] = true
			out = append(out, c)
		}
	}
	return out
}

func (m *Module) itemsFeed(w http.ResponseWriter, r *http.Request) {
	items, err := m.svc.PublishedItems(r.Context(), nil, ItemFilter{Limit: 100})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	f := atomFeed{ID: m.svc.Link("/bulletin/items.atom"), Title: "cybernorms threat-intelligence bulletin: items", Updated: atomTime(fixedCreated.Time),
		Author: atomPerson{"cybernorms secretariat"},
		Links:  []atomLink{{Rel: "self", Href: m.svc.Link("/bulletin/items.atom"), Type: "application/atom+xml"}, {Rel: "alternate", Href: m.svc.Link("/bulletin"), Type: "text/html"}}}
	for _, it := range items {
		if it.TLP != stix.TLPClear {
			continue // PublishedItems(nil) already guarantees it; never trust one check
		}
		up := atomTime(it.UpdatedAt)
		if up > f.Updated {
			f.Updated = up
		}
		cats := []atomCategory{{Term: string(it.Kind)}}
		for _, t := range it.Techniques {
			cats = append(cats, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, atomEntry{ID: m.svc.Link("/bulletin/items/" + it.ID), Title: it.Title, Updated: up,
			Links: []atomLink{{Rel: "alternate", Href: m.svc.Link("/bulletin/items/" + it.ID), Type: "text/html"}}, Summary: atomText{Type: "text", Body: it.Summary}, Categories: cats})
	}
	m.writeFeed(w, f)
}

package capacity

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// SearchKinds are the capacity module's kinds in the shared index, by the
// short names the search page uses.
var SearchKinds = map[string]string{"need": SearchNeed, "offer": SearchOffer, "project": SearchProject, "event": SearchEvent}

// SearchResults are a page of capacity search results with the count per
// kind (the facet) for the same words and filters.
type SearchResults struct {
	search.Results
	Counts map[string]int `json:"counts"`
	// Restricted are needs the reader may see that are not public (and so
	// not in the shared index), whose title or text contains the words.
	Restricted []Need `json:"restricted_needs"`
}

// Search finds public needs, published offers and projects and public
// events through the shared index, and, for readers who may see more, the
// needs visible to them only, by their title and text.
func (s *Service) Search(ctx context.Context, q search.Query, kind string) (SearchResults, error) {
	var out SearchResults
	if kind != "" {
		k, ok := SearchKinds[kind]
		if !ok {
			return out, invalid("kind", "must be need, offer, project or event")
		}
		q.Kinds = []string{k}
	} else {
		q.Kinds = []string{SearchNeed, SearchOffer, SearchProject, SearchEvent}
	}
	if len(q.Text) > 500 {
		return out, invalid("q", "at most 500 characters")
	}
	if _, err := checkLine("q", q.Text, 0, 500); err != nil {
		return out, err
	}
	if err := q.Validate(); err != nil {
		var fe *search.FieldError
		if errors.As(err, &fe) {
			return out, api.Invalid(fe.Field, fe.Reason)
		}
		return out, err
	}
	res, err := search.Run(ctx, s.P.DB, q)
	if err != nil {
		return out, err
	}
	out.Results = res
	if out.Hits == nil {
		out.Hits = []search.Hit{}
	}
	out.Counts = map[string]int{}
	for short, k := range SearchKinds {
		cq := q
		cq.Kinds, cq.Limit, cq.Offset = []string{k}, 1, 0
		r, err := search.Run(ctx, s.P.DB, cq)
		if err != nil {
			return out, err
		}
		out.Counts[short] = r.Total
	}
	out.Restricted = []Need{}
	v := s.viewer(ctx)
	if v.u != nil && (kind == "" || kind == "need") && strings.TrimSpace(q.Text) != "" && q.Offset == 0 {
		cond, args := v.needFilter()
		like := "%" + strings.ToLower(strings.TrimSpace(q.Text)) + "%"
		f := NeedFilter{Norm: q.Norm, Region: q.Region, State: q.State}
		conds, args := listCond(f, []string{cond, "n.visibility <> 'public'", "n.status <> 'draft'", "(LOWER(n.title) LIKE ? OR LOWER(n.description) LIKE ?)"}, append(args, like, like))
		rows, err := s.P.DB.QueryContext(ctx, `SELECT `+needCols+` FROM capacity_needs n WHERE `+strings.Join(conds, " AND ")+` ORDER BY n.id DESC LIMIT 20`, args...)
		if err != nil {
			return out, err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNeed(rows)
			if err != nil {
				return out, err
			}
			out.Restricted = append(out.Restricted, n)
		}
		if err := rows.Err(); err != nil {
			return out, err
		}
		out.Counts["need"] += len(out.Restricted)
	}
	return out, nil
}

func searchQueryFrom(r *http.Request) (search.Query, string, error) {
	v := r.URL.Query()
	q := search.Query{Text: v.Get("q"), Norm: v.Get("norm"), Region: v.Get("region"), Type: v.Get("type"), State: strings.ToUpper(v.Get("state"))}
	if q.Region != "" && !contains(Regions, q.Region) {
		return q, "", invalid("region", "is not a regional group")
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"limit", &q.Limit}, {"offset", &q.Offset}} {
		if s := v.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return q, "", invalid(f.name, "must be a whole number")
			}
			*f.dst = n
		}
	}
	return q, v.Get("kind"), nil
}

type searchData struct {
	Vocab
	SearchKinds []string
	Query       map[string]string
	Results     *SearchResults
	Failed      string
}

func (m *Module) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	voc, err := m.vocab(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	v := r.URL.Query()
	d := searchData{Vocab: voc, SearchKinds: []string{"need", "offer", "project", "event"}, Query: map[string]string{"q": v.Get("q"), "kind": v.Get("kind"), "norm": v.Get("norm"), "region": v.Get("region"), "type": v.Get("type")}}
	status := http.StatusOK
	q, kind, err := searchQueryFrom(r)
	var res SearchResults
	if err == nil {
		res, err = m.svc.Search(ctx, q, kind)
	}
	if err != nil {
		var ae *api.Error
		if !errors.As(err, &ae) {
			m.site.ServerError(w, r, err)
			return
		}
		d.Failed, status = m.site.Catalog.ErrorText(web.Lang(r), ae), ae.Status
	} else {
		for i := range res.Restricted {
			localNeed(&res.Restricted[i], web.Lang(r))
		}
		d.Results = &res
	}
	noStore(w, r)
	m.site.Render(w, r, status, "capacity/search.html", "", d)
}

func (m *Module) apiSearch(w http.ResponseWriter, r *http.Request) {
	q, kind, err := searchQueryFrom(r)
	var res SearchResults
	if err == nil {
		res, err = m.svc.Search(r.Context(), q, kind)
	}
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, res)
}

func (m *Module) searchRoutes(r *web.Router) {
	r.Handle("GET /capacity/search", web.Public, m.searchPage)
	r.API(api.Op{Method: "GET", Path: apiBase + "/search", Summary: "Full-text search of needs, offers, projects and events you may see, with the count per kind", Tag: "capacity",
		Params: []api.Param{{Name: "q", In: "query"}, {Name: "kind", In: "query", Description: "need, offer, project or event"}, {Name: "norm", In: "query"}, {Name: "region", In: "query"},
			{Name: "type", In: "query", Description: "kind of help (needs, offers) or event kind"}, {Name: "state", In: "query", Description: "ISO3"}, {Name: "limit", In: "query", Schema: "integer"}, {Name: "offset", In: "query", Schema: "integer"}},
		Response: SearchResults{}}, web.Public, m.apiSearch)
}

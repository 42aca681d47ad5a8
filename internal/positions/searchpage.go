package positions

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

// parseSearch reads a passage search: free text, and the topic, State,
// region and year facets.
func parseSearch(r *http.Request) (search.Query, error) {
	v := r.URL.Query()
	q := search.Query{Text: v.Get("q"), Kinds: []string{SearchKind}, Norm: v.Get("topic"), State: strings.ToUpper(v.Get("state")), Region: v.Get("region")}
	if len(q.Text) > 500 {
		return q, api.Invalid("q", "must be at most 500 characters")
	}
	if q.State != "" && !states.Known(q.State) {
		return q, api.Invalid("state", "is not the ISO3 code of a State")
	}
	if q.Region != "" && !states.Group(q.Region).Valid() {
		return q, api.Invalid("region", "is not a regional group")
	}
	for _, f := range []struct{ name, v string }{{"year", v.Get("year")}, {"offset", v.Get("offset")}, {"limit", v.Get("limit")}} {
		if f.v == "" {
			continue
		}
		n, err := strconv.Atoi(f.v)
		if err != nil || n < 0 {
			return q, api.Invalid(f.name, "must be a whole number")
		}
		switch f.name {
		case "year":
			q.Year = n
		case "offset":
			q.Offset = n
		case "limit":
			q.Limit = n
		}
	}
	if q.Offset > 10000 {
		return q, api.Invalid("offset", "must be at most 10000")
	}
	if err := q.Validate(); err != nil {
		var fe *search.FieldError
		if errors.As(err, &fe) {
			field := fe.Field
			if field == "norm" {
				field = "topic"
			}
			return q, api.Invalid(field, fe.Reason)
		}
		return q, err
	}
	return q, nil
}

type searchData struct {
	Query   search.Query
	Results search.Results
	Topics  []Topic
	Groups  []states.GroupInfo
	Error   *api.Error
	Next    string
}

func (m *Module) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	d := searchData{Groups: states.Groups}
	topics, err := m.svc.topics(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, t := range topics {
		d.Topics = append(d.Topics, t.In(lang))
	}
	status := http.StatusOK
	q, err := parseSearch(r)
	d.Query = q
	switch {
	case errors.As(err, &d.Error):
		status = http.StatusBadRequest
	case err != nil:
		m.site.ServerError(w, r, err)
		return
	default:
		if d.Results, err = search.Run(ctx, m.svc.DB, q); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		if q.Offset+len(d.Results.Hits) < d.Results.Total {
			v := r.URL.Query()
			v.Set("offset", strconv.Itoa(q.Offset+q.Limit))
			d.Next = "/positions/search?" + v.Encode()
		}
	}
	m.site.Render(w, r, status, "positions/search.html", m.site.Catalog.T(lang, "positions.search.title"), d)
}

func (m *Module) apiSearch(w http.ResponseWriter, r *http.Request) {
	q, err := parseSearch(r)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	res, err := search.Run(r.Context(), m.svc.DB, q)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if res.Hits == nil {
		res.Hits = []search.Hit{}
	}
	api.WriteJSON(w, http.StatusOK, res)
}

package compendium

import (
	"context"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// NormRef is a norm as people read it: its letter (or code) and short
// title in the page's language, for links from results and lists.
type NormRef struct {
	ID         string
	Label      string
	ShortTitle string
}

// normIndex holds every norm (of every set) in one language.
type normIndex map[string]framework.Norm

// normIndex reads every norm's label and short title in lang; the norm
// tables are small, so one query per page.
func (s *Service) normIndex(ctx context.Context, lang string) (normIndex, error) {
	all, err := s.FW.Norms(ctx, "", lang)
	if err != nil {
		return nil, err
	}
	idx := make(normIndex, len(all))
	for _, n := range all {
		idx[n.ID] = n
	}
	return idx, nil
}

// ref returns the norm's reference; an unknown id is shown as it is.
func (idx normIndex) ref(id string) NormRef {
	if n, ok := idx[id]; ok {
		return NormRef{ID: n.ID, Label: n.Label(), ShortTitle: n.ShortTitle}
	}
	return NormRef{ID: id, Label: id}
}

func (idx normIndex) refs(ids []string) []NormRef {
	out := make([]NormRef, 0, len(ids))
	for _, id := range ids {
		out = append(out, idx.ref(id))
	}
	return out
}

// SearchHit is a search result with the reporting State's name; the page
// also gets the norms' letters and titles.
type SearchHit struct {
	search.Hit
	StateName string    `json:"state_name,omitempty"`
	NormRefs  []NormRef `json:"-"`
}

// SearchResults are a page of search results (the shape of search.Results,
// with names added to the codes).
type SearchResults struct {
	Query string      `json:"query"`
	Hits  []SearchHit `json:"items"`
	Total int         `json:"total"`
	More  bool        `json:"more"`
}

// Search runs a query and names each hit's State in lang; with norms, it
// also gives each hit its norms' references.
func (s *Service) Search(ctx context.Context, q search.Query, lang string, norms normIndex) (SearchResults, error) {
	res, err := search.Run(ctx, s.P.DB, q)
	if err != nil {
		return SearchResults{}, err
	}
	out := SearchResults{Query: res.Query, Total: res.Total, More: res.More, Hits: make([]SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		sh := SearchHit{Hit: h}
		if h.State != "" {
			sh.StateName = stateName(h.State, lang)
		}
		if norms != nil {
			sh.NormRefs = norms.refs(h.Norms)
		}
		out.Hits = append(out.Hits, sh)
	}
	return out, nil
}

// namePractices fills the names people read into practices.
func namePractices(ps []Practice, lang string, norms normIndex) {
	for i := range ps {
		ps[i].StateName = stateName(ps[i].State, lang)
		ps[i].NormRefs = norms.refs(ps[i].Norms)
	}
}

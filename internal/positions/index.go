package positions

import (
	"context"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/states"
)

// SearchKind is the kind of the passages in the platform's search index;
// their topics are in the norms facet, their State in the state facet.
const SearchKind = "position-passage"

// index puts a published document's passages into the search index and
// returns the topics they speak to.
func index(ctx context.Context, tx *db.Tx, docID string) ([]string, error) {
	p, err := loadPosition(ctx, tx, docID, "en")
	if err != nil {
		return nil, err
	}
	if err := search.RemoveParent(ctx, tx, SearchKind, docID); err != nil {
		return nil, err
	}
	who := p.StateName
	region := ""
	if p.Kind == KindJoint {
		who = p.Group
	} else if st, ok := states.ByISO3(p.State); ok {
		region = string(st.Group)
	}
	topics := map[string]bool{}
	var out []string
	var docs []search.Document
	for _, ps := range p.Passages {
		for _, t := range ps.Topics {
			if !topics[t] {
				topics[t] = true
				out = append(out, t)
			}
		}
		docs = append(docs, search.Document{Kind: SearchKind, Ref: ps.ID, Parent: docID, Lang: ps.Lang,
			Title: fmt.Sprintf("%s: %s, %s", who, p.Title, ps.Ref), Body: ps.Text,
			URL: fmt.Sprintf("/positions/documents/%s#p%d", docID, ps.Seq), Norms: ps.Topics,
			Type: p.Kind, Region: region, Year: p.Year, State: p.State})
	}
	if err := search.IndexNew(ctx, tx, docs); err != nil {
		return nil, err
	}
	return out, nil
}

// unindex takes a document's passages out of the search index.
func unindex(ctx context.Context, tx *db.Tx, docID string) error {
	return search.RemoveParent(ctx, tx, SearchKind, docID)
}

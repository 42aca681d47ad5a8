package incidents

import (
	"context"
	"math/rand/v2"

	"github.com/cybernorms/cybernorms/internal/platform"
)

// ListByLike is List's page read without incident_facets: the list
// columns matched with LIKE '%,X,%' (the list's query before migration
// 1004), for comparing the two.
func (s *Service) ListByLike(ctx context.Context, f Filter) ([]*Incident, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	return s.listPage(ctx, f, facetRow{}, 1, false)
}

// Backfill runs the start-up fill of incident_stix_refs and incident_facets.
func (s *Service) Backfill(ctx context.Context) error { return s.backfillAll(ctx) }

// AttributionsQuery is the statement that reads one incident's statements.
func AttributionsQuery(publishedOnly bool) string { return attributionsQuery(publishedOnly) }

// ListQuery is the list's statement when no facet drives it, with its
// arguments.
func ListQuery(f Filter) (string, []any) { return listQuery(f, "", "") }

// FacetWalkQuery is the statement the filtered list's walk reads a chunk's
// incidents with, for the filter f driven by facet (kind, value), n ids.
func FacetWalkQuery(f Filter, kind, value string, n int) string {
	conds, _ := f.conditions(facetRow{kind, value})
	return incidentsByIDQuery(incidentCols, conds, n)
}

// DemoProposals makes count proposals the way GenerateDemo does, numbered
// from first, from the stakeholder members GenerateDemo would use.
func DemoProposals(ctx context.Context, ps *platform.Services, rng *rand.Rand, first, count int) error {
	_, _, members, err := demoAccounts(ctx, ps)
	if err != nil {
		return err
	}
	_, err = NewService(ps).demoProposals(ctx, rng, members, first, count)
	return err
}

// AttributionsWhereQuery is the statement of the lists of statements by
// a condition (a norm's, an actor's).
var AttributionsWhereQuery = attributionsWhereQuery

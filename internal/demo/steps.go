package demo

import (
	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/vep"
)

// Default returns the registry of every module's generator, in the order
// they depend on each other. A module plugs in by exporting
//
//	func GenerateDemo(ctx context.Context, svc *platform.Services, rng *rand.Rand, scale int, progress func(string)) error
//
// and adding one Register line here; its own code is never edited by the
// demo package.
func Default() *Registry {
	r := &Registry{}
	r.Register("platform", nil, GeneratePlatform)
	r.Register("reporting", []string{"platform"}, reporting.GenerateDemo)
	r.Register("participation", []string{"platform"}, participation.GenerateDemo)
	r.Register("bulletin", []string{"platform"}, bulletin.GenerateDemo)
	r.Register("contacts", []string{"platform"}, contacts.GenerateDemo)
	r.Register("incidents", []string{"platform"}, incidents.GenerateDemo)
	r.Register("search-index", []string{"reporting"}, IndexSearch)
	// Good practices need the published measures; after the index step,
	// whose sync then has no marks to refresh (each mark indexes itself).
	r.Register("compendium", []string{"reporting", "search-index"}, compendium.GenerateDemo)
	r.Register("vep", []string{"platform"}, vep.GenerateDemo)
	r.Register("capacity", []string{"platform", "reporting"}, capacity.GenerateDemo)
	r.Register("positions", []string{"platform"}, positions.GenerateDemo)
	// Last of the reporting steps: the demo States' reports in progress,
	// once the compendium and capacity have read the submitted ones.
	r.Register("drafts", []string{"reporting", "compendium", "capacity"}, GenerateDrafts)
	// Modules whose GenerateDemo has not landed yet; wire each when it does:
	//   r.Register("monitoring", []string{"reporting"}, monitoring.GenerateDemo)
	return r
}

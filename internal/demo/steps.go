package demo

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
	// Modules being built in parallel; wire each as its GenerateDemo lands:
	//   r.Register("reporting", []string{"platform"}, reporting.GenerateDemo)
	//   r.Register("compendium", []string{"reporting"}, compendium.GenerateDemo)
	//   r.Register("monitoring", []string{"reporting"}, monitoring.GenerateDemo)
	//   r.Register("participation", []string{"platform"}, participation.GenerateDemo)
	//   r.Register("bulletin", []string{"platform"}, bulletin.GenerateDemo)
	return r
}

package reporting

import "github.com/cybernorms/cybernorms/internal/states"

// ShortenDemo makes GenerateDemo report for the first n States only, and
// returns a function restoring all of them.
func ShortenDemo(n int) func() {
	demoStates = func() []states.State { return states.All()[:n] }
	return func() { demoStates = states.All }
}

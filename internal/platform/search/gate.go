package search

import (
	"context"
	"runtime"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// On SQLite a search runs in this process: FTS5 reads and ranks on the
// processors that also serve every other request. Sixteen searches at
// once on two processors shared them and the pool's four connections, and
// the work of each (its candidates, its ranking, its garbage) was in
// memory at the same time. The gate lets as many searches run at once as
// Go has processors; the others wait their turn, first come first served.
// Run passes it, and so does any other full-text read of a module's own
// index (the registry of organisations: Enter). On the scale-10 demo, 16
// clients on two processors, the p99 of four searches in five fell by a
// third to a half, at about the same rate or higher (docs/performance.md,
// tenth session).
//
// Only searches given the pool itself pass the gate: a search inside a
// transaction already holds its connection, and waiting there could wait
// on searches that wait for a connection. PostgreSQL runs the search in
// its own processes, on processors this one does not know of: no gate.
var gate = make(chan struct{}, runtime.GOMAXPROCS(0))

// Enter waits for a place at the gate if d needs one, and returns the
// function that gives it back; an error only when ctx ends first.
func Enter(ctx context.Context, d db.Querier) (leave func(), err error) {
	if p, ok := d.(*db.DB); !ok || p.Dialect != db.SQLite {
		return func() {}, nil
	}
	select {
	case gate <- struct{}{}:
		return func() { <-gate }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

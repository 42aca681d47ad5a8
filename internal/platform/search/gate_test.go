package search

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// TestSearchesWaitAtTheGate: on SQLite no more searches run at once than
// the gate holds; the next waits, and gives up when its request ends. A
// search in a transaction, and any search on PostgreSQL, does not wait.
func TestSearchesWaitAtTheGate(t *testing.T) {
	sqlite, postgres := &db.DB{Dialect: db.SQLite}, &db.DB{Dialect: db.Postgres}
	var leaves []func()
	for range cap(gate) {
		leave, err := Enter(context.Background(), sqlite)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leave)
	}
	short := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	if _, err := Run(short(), sqlite, Query{Text: "incident response", Limit: 10}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a search with the gate full: %v, want it to wait until its request ends", err)
	}
	for _, d := range []db.Querier{&db.Tx{}, postgres} {
		leave, err := Enter(short(), d)
		if err != nil {
			t.Fatalf("%T: %v, want no wait", d, err)
		}
		leave()
	}
	if len(gate) != cap(gate) {
		t.Fatalf("%d places taken, want %d", len(gate), cap(gate))
	}
	waiting := make(chan error)
	go func() {
		leave, err := Enter(context.Background(), sqlite)
		if err == nil {
			leave()
		}
		waiting <- err
	}()
	select {
	case err := <-waiting:
		t.Fatalf("a search went through a full gate: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	leaves[0]()
	if err := <-waiting; err != nil {
		t.Fatal(err)
	}
	for _, leave := range leaves[1:] {
		leave()
	}
	if len(gate) != 0 {
		t.Fatalf("%d places still taken", len(gate))
	}
}

package capacity_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestListsReadTheirIndexInOrder checks, on SQLite, that the capacity
// index and the lists of needs and offers take their newest rows from an
// index in list order (migration 0807) instead of sorting every published
// need or offer, which made the index cost more as they were added.
func TestListsReadTheirIndexInOrder(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	for _, path := range []string{"/capacity", "/capacity/needs", "/capacity/offers", "/api/v1/capacity/needs", "/api/v1/capacity/offers"} {
		for _, p := range rig.PagePlans(t, path) {
			// The norms are a fixed list of eleven; the needs and offers grow.
			if strings.Contains(p, "FROM capacity_") && strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("%s sorts: %s", path, p)
			}
		}
	}
}

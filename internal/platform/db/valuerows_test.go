package db_test

import (
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

func TestValueRows(t *testing.T) {
	for _, c := range []struct {
		rows, cols int
		want       string
	}{{0, 3, ""}, {1, 1, "(?)"}, {1, 3, "(?, ?, ?)"}, {3, 2, "(?, ?), (?, ?), (?, ?)"}} {
		if got := db.ValueRows(c.rows, c.cols); got != c.want {
			t.Errorf("ValueRows(%d, %d) = %q, want %q", c.rows, c.cols, got, c.want)
		}
	}
}

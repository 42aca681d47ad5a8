package opendata_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestCountsFollowWrites: the datasets' row counts are kept between
// requests, and a write (a topic added) shows in the next count, on the
// catalog's API and page.
func TestCountsFollowWrites(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := newAPI(t, rig, rig.User(t, auth.RoleSecretariat, ""))
		rows := func() int64 {
			t.Helper()
			// Signed in, so that no cached answer hides the count.
			r := sec.do(t, "GET", "/api/v1/datasets/law-topics", nil, nil)
			var d struct{ Rows int64 }
			if err := json.NewDecoder(r.Body).Decode(&d); err != nil || r.StatusCode != http.StatusOK {
				t.Fatalf("law-topics: %d, %v", r.StatusCode, err)
			}
			return d.Rows
		}
		before := rows()
		if before == 0 || rows() != before {
			t.Fatalf("law-topics counts %d, then %d", before, rows())
		}
		r := sec.do(t, "POST", "/api/v1/positions/topics", map[string]any{"id": "piracy", "titles": map[string]string{"en": "Piracy"}, "descriptions": map[string]string{"en": "At sea."}}, nil)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("add a topic: %d", r.StatusCode)
		}
		if after := rows(); after != before+1 {
			t.Errorf("law-topics: %d rows after a topic was added to %d", after, before)
		}
	})
}

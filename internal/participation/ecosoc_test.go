package participation_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestEcosocStatusInChunks: the organisations' ECOSOC status is read a
// hundred at a time, every organisation asked for answered once: more
// than a chunk, with and without a profile.
func TestEcosocStatusInChunks(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		now := time.Now().UTC()
		var orgs []string
		want := map[string]string{}
		for i := range 250 {
			id := fmt.Sprintf("org%03d", i)
			orgs = append(orgs, id)
			if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO organisations (id, slug, name, created_at) VALUES (?, ?, ?, ?)`, id, id, "Org "+id, now); err != nil {
				t.Fatal(err)
			}
			if i%5 == 4 {
				continue // no profile
			}
			st := []string{"none", "general", "special", "roster"}[i%4]
			want[id] = st
			if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO participation_profiles (org_id, ecosoc, updated_at) VALUES (?, ?, ?)`, id, st, now); err != nil {
				t.Fatal(err)
			}
		}
		got, err := participation.NewService(rig.App.Services).EcosocStatus(rig.Ctx, orgs)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d statuses, want %d: %v", len(got), len(want), got)
		}
	})
}

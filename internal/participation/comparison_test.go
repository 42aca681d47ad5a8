package participation_test

import (
	"fmt"
	"testing"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// checkComparisonKept, on the demo (TestGenerateDemoObjectsToTheTechAccordSevenTimesInARow
// makes it): a body's comparison of modalities is kept (a change written
// without an audit entry, which no write path makes, is not seen), and
// read again once anything is written (the audit log's tail moves): then
// it is what a new reading gives.
func checkComparisonKept(t *testing.T, rig *testrig.Rig) {
	svc := participation.NewService(rig.App.Services)
	b, err := svc.BodyBySlug(rig.Ctx, "oewg-2021-2025")
	if err != nil {
		t.Fatal(err)
	}
	read := func(s *participation.Service) string {
		t.Helper()
		c, n, err := s.BodyComparison(rig.Ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n, c)
	}
	kept := read(svc)
	if kept != read(participation.NewService(rig.App.Services)) {
		t.Fatal("the first reading differs from a new service's")
	}
	// Every organisation in ECOSOC status, behind the log's back.
	if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE participation_profiles SET ecosoc = 'general'`); err != nil {
		t.Fatal(err)
	}
	fresh := read(participation.NewService(rig.App.Services))
	if fresh == kept {
		t.Fatal("the change does not move the comparison: the test proves nothing")
	}
	if got := read(svc); got != kept {
		t.Errorf("read again without a write: %s, want the kept %s", got, kept)
	}
	if err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		return audit.RecordEvent(rig.Ctx, tx, "test.write", "test", "1", nil)
	}); err != nil {
		t.Fatal(err)
	}
	if got := read(svc); got != fresh {
		t.Errorf("after a write: %s, want %s", got, fresh)
	}
}

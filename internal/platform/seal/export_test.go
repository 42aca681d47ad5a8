package seal

import (
	"context"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// LatestDataKey exposes the unwrapped data key of scope, for the test that
// looks for it in the raw database.
func (k *Keyring) LatestDataKey(ctx context.Context, q db.Querier, scope string) ([]byte, error) {
	_, dk, err := k.latest(ctx, q, scope)
	return dk, err
}

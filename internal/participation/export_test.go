package participation

import "context"

// SetStatePageRows makes a State's page show n objections and n votes at a
// time, and returns what puts it back.
func SetStatePageRows(n int) (restore func()) {
	old := statePageRows
	statePageRows = n
	return func() { statePageRows = old }
}

// EcosocStatus is ecosocStatus, for tests.
func (s *Service) EcosocStatus(ctx context.Context, orgs []string) (map[string]string, error) {
	return s.ecosocStatus(ctx, orgs)
}

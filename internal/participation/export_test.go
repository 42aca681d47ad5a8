package participation

// SetStatePageRows makes a State's page show n objections and n votes at a
// time, and returns what puts it back.
func SetStatePageRows(n int) (restore func()) {
	old := statePageRows
	statePageRows = n
	return func() { statePageRows = old }
}

package audit

// HashForTest exposes computeHash to the tests.
func HashForTest(e Entry, key []byte) string { return e.computeHash(key) }

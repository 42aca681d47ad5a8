package search_test

import (
	"os"
	"strconv"
)

func testingEnvInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

package testrig_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestContractFindsWhatTheDocumentDoesNotSay: an answer whose status the
// operation does not declare, or whose body breaks the declared schema, is
// a problem, for every rig of the process (they share one compiled
// document) and not for a good answer.
func TestContractFindsWhatTheDocumentDoesNotSay(t *testing.T) {
	answer := func(status int, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
	}
	for range 2 {
		rig := testrig.New(t)
		good := rig.Anonymous(t).Get(t, "/api/v1/norms")
		if problems := rig.Contract.Check("GET", "/api/v1/norms", good); len(problems) > 0 {
			t.Errorf("the answer itself: %v", problems)
		}
		for _, c := range []struct {
			status int
			body   string
		}{{http.StatusTeapot, `{}`}, {http.StatusOK, `{"items": 5}`}} {
			if problems := rig.Contract.Check("GET", "/api/v1/norms", answer(c.status, c.body)); len(problems) == 0 {
				t.Errorf("%d %s: no problem found", c.status, c.body)
			}
		}
	}
}

package capacity_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestPublicListAnswersAreReadAgainAfterAWrite: the API's first page of
// needs and of offers for a visitor, without a filter, is encoded once and
// kept until something is written: a need or offer published after it is
// in the next answer, under a new ETag, and a filtered list or a signed-in
// reader's is read as before. The client checks the answers against the
// OpenAPI document.
func TestPublicListAnswersAreReadAgainAfterAWrite(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.PageCacheMB = 0 }, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		first := func(path string) (string, string) {
			t.Helper()
			resp := w.anon.c.Do(t, "GET", path, nil, nil)
			body := testrig.Body(resp)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			return body, resp.Header.Get("ETag")
		}
		needs, needsTag := first(base + "/needs")
		offers, offersTag := first(base + "/offers")
		if again, tag := first(base + "/needs"); again != needs || tag != needsTag {
			t.Fatalf("the kept needs changed with nothing written: %s %s", tag, again)
		}
		if resp := w.anon.c.Do(t, "GET", base+"/needs", nil, map[string]string{"If-None-Match": needsTag}); resp.StatusCode != 304 {
			t.Errorf("the kept needs' ETag answered %d, not 304", resp.StatusCode)
		}
		w.publishedNeed(t, "A need published after the list was kept", "public")
		st, body := w.fraAp.do(t, "POST", base+"/offers", offerBody("An offer published after the list was kept", true))
		want(t, "publish an offer", st, 201, body)
		for _, c := range []struct{ path, title, before, tag string }{
			{base + "/needs", "A need published after the list was kept", needs, needsTag},
			{base + "/offers", "An offer published after the list was kept", offers, offersTag},
			{base + "/needs?kind=training", "A need published after the list was kept", "", ""},
			{base + "/offers?limit=5", "An offer published after the list was kept", "", ""},
		} {
			body, tag := first(c.path)
			if !strings.Contains(body, c.title) {
				t.Errorf("%s lacks %q after it was published: %s", c.path, c.title, body)
			}
			if c.tag != "" && tag == c.tag {
				t.Errorf("%s answers a new list under its old ETag", c.path)
			}
		}
	})
}

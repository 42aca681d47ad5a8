package contacts_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestPublicFiguresAreKeptUntilSomethingIsWritten: every State's coverage
// and the rounds' summaries (the directory's public page, its CSV and the
// API) are read once and then answered from memory with one read of the
// audit log's tail, and read again after a write: a State's new contact,
// a new round.
func TestPublicFiguresAreKeptUntilSomethingIsWritten(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		db.EnableTracing()
		svc := contacts.NewService(rig.App.Services)
		traced := func() (*db.Trace, func() int) {
			tr := &db.Trace{}
			return tr, func() int { return len(tr.Stmts) }
		}
		coverage := func() (covered, statements int) {
			t.Helper()
			tr, n := traced()
			list, err := svc.CoverageAll(db.WithTrace(rig.Ctx, tr), "en")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				if c.Technical != nil || c.Diplomatic != nil {
					covered++
				}
			}
			return covered, n()
		}
		rounds := func() (int, int) {
			t.Helper()
			tr, n := traced()
			list, err := svc.Rounds(db.WithTrace(rig.Ctx, tr))
			if err != nil {
				t.Fatal(err)
			}
			return len(list), n()
		}
		if c, n := coverage(); c != 0 || n < 2 {
			t.Fatalf("first read: %d States covered, %d statements; want 0, the tail and the coverage", c, n)
		}
		if _, n := coverage(); n != 1 {
			t.Errorf("second read of the coverage ran %d statements, want only the audit tail", n)
		}
		if r, n := rounds(); r != 0 || n < 3 {
			t.Fatalf("first read: %d rounds, %d statements", r, n)
		}
		if _, n := rounds(); n != 1 {
			t.Errorf("second read of the rounds ran %d statements, want only the audit tail", n)
		}

		// The page's table and map, kept per language, follow.
		page := func(lang string) string { return rig.Anonymous(t).GetBody(t, "/contacts?lang="+lang) }
		for _, lang := range []string{"en", "fr"} {
			if p := page(lang); !strings.Contains(p, `<a href="/contacts/states/KEN">`) {
				t.Fatalf("%s: the directory does not list Kenya", lang)
			}
		}
		if p := page("en"); !strings.Contains(p, "Kenya: no contact named") {
			t.Fatal("the map does not show Kenya without a contact")
		}
		nominate(t, rig, "KEN", "technical", "cert@ken.example")
		if c, n := coverage(); c != 1 || n < 2 {
			t.Errorf("after Kenya's contact: %d States covered, %d statements; want 1, read again", c, n)
		}
		since := regexp.MustCompile(`since \d{4}-\d{2}-\d{2}`)
		if p := page("en"); len(since.FindAllString(p, -1)) != 1 || !strings.Contains(p, "Kenya: technical contact only") {
			t.Errorf("the directory page after Kenya's contact: %d dates, want 1, and Kenya's technical contact on the map", len(since.FindAllString(p, -1)))
		}
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := apiClient{rig.Anonymous(t), rig.Token(t, secU), secU}
		st, b := sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Communication check", "hours": 48, "states": []string{"KEN"}})
		want(t, "start", st, 201, b)
		if r, _ := rounds(); r != 1 {
			t.Errorf("after a round started: %d rounds, want 1", r)
		}
	})
}

// TestCoverageAnswerIsKeptUntilSomethingIsWritten: the API's coverage of
// every State is encoded once and then written from memory after one read
// of the audit log's tail, with the bytes encoding the service's coverage
// gives and an ETag that answers 304; a State's new contact is in the next
// answer, under a new ETag. The client checks the answers against the
// OpenAPI document.
func TestCoverageAnswerIsKeptUntilSomethingIsWritten(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.PageCacheMB = 0 }, func(t *testing.T, rig *testrig.Rig) {
		db.EnableTracing()
		svc := contacts.NewService(rig.App.Services)
		h := rig.App.Handler()
		const path = "/api/v1/contacts/coverage"
		get := func(etag string) (*httptest.ResponseRecorder, int) {
			t.Helper()
			tr := &db.Trace{}
			req := httptest.NewRequest("GET", path, nil).WithContext(db.WithTrace(rig.Ctx, tr))
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec, len(tr.Stmts)
		}
		encoded := func() string {
			t.Helper()
			list, err := svc.CoverageAll(rig.Ctx, "en")
			if err != nil {
				t.Fatal(err)
			}
			b, err := api.EncodeJSON(list)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		first, n1 := get("")
		second, n2 := get("")
		if first.Code != 200 || second.Code != 200 {
			t.Fatalf("status %d, then %d", first.Code, second.Code)
		}
		if n2 != 1 || n1 <= n2 {
			t.Errorf("%d statements, then %d; want the tail and the coverage, then only the tail", n1, n2)
		}
		if want := encoded(); first.Body.String() != want || second.Body.String() != want {
			t.Error("the answer is not the encoding of the coverage")
		}
		tag := second.Header().Get("ETag")
		if tag == "" || tag != first.Header().Get("ETag") {
			t.Fatalf("ETags %q and %q", first.Header().Get("ETag"), tag)
		}
		if rec, _ := get(tag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("with its ETag: status %d, %d bytes; want 304 and none", rec.Code, rec.Body.Len())
		}
		public := rig.Anonymous(t)
		if resp := public.Do(t, "GET", path, nil, map[string]string{"If-None-Match": tag}); resp.StatusCode != http.StatusNotModified {
			t.Errorf("through the server with its ETag: status %d", resp.StatusCode)
		}

		nominate(t, rig, "KEN", "technical", "cert@ken.example")
		rec, _ := get(tag)
		if rec.Code != 200 || rec.Body.String() != encoded() || !strings.Contains(rec.Body.String(), `"state":"KEN","name":"Kenya","diplomatic_since":null,"technical_since":"`) {
			t.Errorf("after Kenya's contact, with the old ETag: status %d, or the answer does not show it", rec.Code)
		}
		if body := public.GetBody(t, path); body != rec.Body.String() {
			t.Error("through the server: not the same answer")
		}
	})
}

// TestKeptRoundClosesWithTheClock: a round read while open is summarised
// as closed, with its results counted, once its deadline has passed, with
// nothing written in between; the index shows the newest rounds only.
func TestKeptRoundClosesWithTheClock(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		nominate(t, rig, "KEN", "technical", "cert@ken.example")
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := apiClient{rig.Anonymous(t), rig.Token(t, secU), secU}
		st, b := sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Communication check", "hours": 48, "states": []string{"KEN"}})
		want(t, "start", st, 201, b)
		svc := contacts.NewService(rig.App.Services)
		list, err := svc.Rounds(rig.Ctx)
		if err != nil || len(list) != 1 || list[0].Closed {
			t.Fatalf("an open round: %+v, %v", list, err)
		}
		svc.Now = func() time.Time { return list[0].Deadline.Add(time.Minute) }
		list, err = svc.Rounds(rig.Ctx)
		if err != nil || len(list) != 1 || !list[0].Closed || list[0].ByOutcome[contacts.OutcomeNoAnswer] != 1 {
			t.Fatalf("after its deadline: %+v, %v; want closed, Kenya without an answer", list, err)
		}
	})
}

package vep_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

// TestScorecardsAnswerIsKeptUntilSomethingIsWritten: the API's list of
// every State's scorecard is encoded once per value of recorded and then
// written from memory after one read of the audit log's tail, with the
// same bytes as encoding the service's scorecards gives and an ETag that
// answers 304; a publication is in the next answer, under a new ETag.
func TestScorecardsAnswerIsKeptUntilSomethingIsWritten(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.PageCacheMB = 0 }, func(t *testing.T, rig *testrig.Rig) {
		db.EnableTracing()
		manyPolicies(t, rig)
		svc := vep.NewService(rig.App.Services)
		h := rig.App.Handler()
		get := func(path, etag string) (*httptest.ResponseRecorder, int) {
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
		encoded := func(recorded bool) string {
			t.Helper()
			list, err := svc.Scorecards(rig.Ctx, recorded)
			if err != nil {
				t.Fatal(err)
			}
			b, err := api.EncodeJSON(api.List[vep.Scorecard]{Items: list})
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		etags := map[string]string{}
		for _, path := range []string{"/api/v1/vep/scorecards", "/api/v1/vep/scorecards?recorded=true"} {
			recorded := path != "/api/v1/vep/scorecards"
			first, n1 := get(path, "")
			second, n2 := get(path, "")
			if first.Code != 200 || second.Code != 200 {
				t.Fatalf("%s: status %d, then %d", path, first.Code, second.Code)
			}
			if n2 != 1 || n1 <= n2 {
				t.Errorf("%s: %d statements, then %d; want the tail and the policies, then only the tail", path, n1, n2)
			}
			want := encoded(recorded)
			if first.Body.String() != want || second.Body.String() != want {
				t.Errorf("%s: the answer is not the encoding of the scorecards", path)
			}
			tag := second.Header().Get("ETag")
			if tag == "" || tag != first.Header().Get("ETag") {
				t.Fatalf("%s: ETags %q and %q", path, first.Header().Get("ETag"), tag)
			}
			if rec, _ := get(path, tag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
				t.Errorf("%s with its ETag: status %d, %d bytes; want 304 and none", path, rec.Code, rec.Body.Len())
			}
			etags[path] = tag
		}
		// Through the server, whose client checks the answer against the
		// OpenAPI document.
		pub := apiClient{c: rig.Anonymous(t)}
		st, body := pub.do(t, "GET", "/api/v1/vep/scorecards?recorded=true", nil)
		want(t, "recorded scorecards", st, 200, body)
		before := len(body["items"].([]any))

		approver := apiClient{rig.Anonymous(t), rig.Token(t, rig.User(t, auth.RoleStateApprover, "GBR"))}
		st, body = approver.do(t, "PUT", "/api/v1/vep/policies/GBR/draft", ukPolicy)
		want(t, "draft", st, 200, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/policies/GBR/publish", nil)
		want(t, "publish", st, 200, body)

		st, body = pub.do(t, "GET", "/api/v1/vep/scorecards?recorded=true", nil)
		want(t, "recorded scorecards after a publication", st, 200, body)
		if n := len(body["items"].([]any)); n != before+1 {
			t.Errorf("after GBR's publication: %d recorded scorecards, want %d", n, before+1)
		}
		for path, tag := range etags {
			rec, _ := get(path, tag)
			if rec.Code != 200 || rec.Body.String() != encoded(path != "/api/v1/vep/scorecards") {
				t.Errorf("%s with the ETag from before the publication: status %d or stale bytes", path, rec.Code)
			}
		}
	})
}

// TestScorecardsAnswerHoldsToTheContract reads the kept answer, and its
// 304, through the server's client, which checks them against the OpenAPI
// document.
func TestScorecardsAnswerHoldsToTheContract(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.PageCacheMB = 0 }, func(t *testing.T, rig *testrig.Rig) {
		manyPolicies(t, rig)
		c := rig.Anonymous(t)
		for _, path := range []string{"/api/v1/vep/scorecards", "/api/v1/vep/scorecards?recorded=1"} {
			resp := c.Get(t, path)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || len(b) == 0 {
				t.Fatalf("%s: status %d", path, resp.StatusCode)
			}
			again := c.Do(t, "GET", path, nil, map[string]string{"If-None-Match": resp.Header.Get("ETag")})
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("%s with its ETag: status %d", path, again.StatusCode)
			}
		}
	})
}

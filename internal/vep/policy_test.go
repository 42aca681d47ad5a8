package vep_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

type apiClient struct {
	c     *testrig.Client
	token string
}

func (a apiClient) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var b any
	switch x := body.(type) {
	case nil:
	case string:
		b = x
	default:
		raw, _ := json.Marshal(body)
		b = string(raw)
	}
	h := map[string]string{}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	resp := a.c.Do(t, method, path, b, h)
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func want(t *testing.T, what string, got, wantStatus int, body map[string]any) {
	t.Helper()
	if got != wantStatus {
		t.Fatalf("%s: status %d, want %d: %v", what, got, wantStatus, body)
	}
}

// ukPolicy is the UK Equities Process of 2018 as the seed's issue describes it.
var ukPolicy = map[string]any{
	"has_process": true, "since": "2018-11-29", "document_url": "https://www.gov.uk/government/publications/the-equities-process",
	"deciding_body": "Equities Board", "members": []string{"GCHQ", "NCSC", "SIS", "MI5"}, "default": "disclose", "scope": "all",
	"criteria_public": "full", "criteria_named": []string{"national_security", "threat_impact", "commercial"}, "ecosystem": "yes",
	"review": "periodic", "review_months": 12, "oversight_body": "Investigatory Powers Commissioner", "publishes_statistics": false, "secured": "unknown",
	"passages": map[string]string{"presume_disclosure": "The default position is to disclose."},
}

func TestPolicyPublishAndScorecard(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		editor := as(rig.User(t, auth.RoleStateEditor, "GBR"))
		approver := as(rig.User(t, auth.RoleStateApprover, "GBR"))
		other := as(rig.User(t, auth.RoleStateApprover, "FRA"))
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		pub := apiClient{c: rig.Anonymous(t)}
		base := "/api/v1/vep/policies/GBR"

		st, body := pub.do(t, "GET", base, nil)
		want(t, "no policy yet", st, 404, body)
		st, body = editor.do(t, "PUT", base+"/draft", ukPolicy)
		want(t, "editor drafts", st, 200, body)
		st, body = pub.do(t, "GET", base, nil)
		want(t, "a draft is not public", st, 404, body)
		st, body = other.do(t, "GET", base+"/draft", nil)
		want(t, "another State cannot read the draft", st, 404, body)
		st, body = other.do(t, "PUT", base+"/draft", ukPolicy)
		want(t, "another State cannot write the draft", st, 404, body)
		st, body = sec.do(t, "GET", base+"/draft", nil)
		want(t, "the secretariat sees only its own entry", st, 200, body)
		if body["source"] != "secretariat" || body["policy"].(map[string]any)["has_process"] != false {
			t.Fatalf("the secretariat saw the State's draft: %v", body)
		}
		st, body = editor.do(t, "POST", base+"/publish", nil)
		want(t, "an editor cannot publish", st, 403, body)
		st, body = approver.do(t, "POST", base+"/publish", nil)
		want(t, "approver publishes", st, 200, body)
		if body["version"] != float64(1) || body["source"] != "state" {
			t.Fatalf("published: %v", body)
		}
		st, body = pub.do(t, "GET", "/api/v1/vep/scorecards/GBR", nil)
		want(t, "scorecard", st, 200, body)
		ratings := map[string]string{}
		for _, s := range body["scores"].([]any) {
			m := s.(map[string]any)
			ratings[m["recommendation"].(string)] = m["rating"].(string)
		}
		wantRatings := map[string]string{"presume_disclosure": "met", "all_evaluated": "met", "criteria_public": "met", "four_criteria": "partly", "ecosystem": "met", "six_month_review": "partly", "secured": "unknown"}
		for k, v := range wantRatings {
			if ratings[k] != v {
				t.Errorf("%s rated %q, want %q", k, ratings[k], v)
			}
		}
		if body["met"] != float64(4) {
			t.Errorf("met = %v, want 4", body["met"])
		}

		t.Run("the secretariat's entry is marked and cannot replace the State's own", func(t *testing.T) {
			st, body := sec.do(t, "PUT", "/api/v1/vep/policies/USA/draft", map[string]any{"has_process": true, "default": "disclose", "review": "none"})
			want(t, "secretariat drafts for USA", st, 200, body)
			st, body = sec.do(t, "POST", "/api/v1/vep/policies/USA/publish", nil)
			want(t, "secretariat publishes for USA", st, 200, body)
			if body["source"] != "secretariat" {
				t.Fatalf("source %v", body["source"])
			}
			st, body = sec.do(t, "PUT", base+"/draft", ukPolicy)
			want(t, "secretariat drafts for GBR", st, 200, body)
			st, body = sec.do(t, "POST", base+"/publish", nil)
			want(t, "secretariat over the State's own", st, 409, body)
			page := rig.Anonymous(t).GetBody(t, "/vep/states/USA")
			if !strings.Contains(page, "Entered by the secretariat from the public source") {
				t.Error("the State page does not mark the secretariat's entry")
			}
		})

		t.Run("bad input is refused naming the field", func(t *testing.T) {
			for _, c := range []struct {
				body  string
				field string
			}{
				{`{"default":"maybe"}`, "default"},
				{`{"since":"29/11/2018"}`, "since"},
				{`{"document_url":"javascript:alert(1)"}`, "document_url"},
				{`{"deciding_body":"Board\u0000"}`, "deciding_body"},
				{`{"review":"periodic","review_months":0}`, "review_months"},
				{`{"review":"periodic","review_months":61}`, "review_months"},
				{`{"criteria_named":["astrology"]}`, "criteria_named"},
				{`{"passages":{"nonsense":"x"}}`, "passages"},
				{`{"vendor_notice_days":-1}`, "vendor_notice_days"},
				{`{"vendor_notice_days":"seven"}`, "vendor_notice_days"},
				{`{"colour":"blue"}`, "colour"},
			} {
				st, body := editor.do(t, "PUT", base+"/draft", c.body)
				if st != 422 {
					t.Errorf("%s: status %d, want 422: %v", c.body, st, body)
					continue
				}
				if f := body["error"].(map[string]any)["field"]; f != c.field {
					t.Errorf("%s: field %v, want %s", c.body, f, c.field)
				}
			}
			st, body := editor.do(t, "PUT", base+"/draft", `{"default":`)
			want(t, "malformed", st, 400, body)
			st, body = pub.do(t, "GET", "/api/v1/vep/policies/XXX", nil)
			want(t, "unknown State", st, 404, body)
			st, body = pub.do(t, "GET", "/api/v1/vep/scorecards?recorded=perhaps", nil)
			want(t, "bad recorded", st, 422, body)
		})

		t.Run("pages, map and CSV", func(t *testing.T) {
			c := rig.Anonymous(t)
			page := c.GetBody(t, "/vep")
			for _, s := range []string{"<svg", "United Kingdom", "Presume disclosure"} {
				if !strings.Contains(page, s) {
					t.Errorf("/vep lacks %q", s)
				}
			}
			csv := c.GetBody(t, "/vep/scorecards.csv")
			if !strings.Contains(csv, "GBR,") || !strings.Contains(csv, "presume_disclosure") {
				t.Errorf("CSV: %.300s", csv)
			}
			if n := strings.Count(csv, "\n"); n != 196 {
				t.Errorf("CSV has %d lines, want a header and 195 States", n)
			}
			// The web form: an editor saves a draft, the approver publishes.
			ed := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "DEU"))
			resp := ed.PostForm(t, "/vep/states/DEU/policy", url.Values{"has_process": {"on"}, "default": {"disclose"}, "review": {"periodic"}, "review_months": {"x"}})
			if resp.StatusCode != 422 || !strings.Contains(testrig.Body(resp), `id="review_months-error"`) {
				t.Fatalf("a bad number: status %d", resp.StatusCode)
			}
			resp = ed.PostForm(t, "/vep/states/DEU/policy", url.Values{"has_process": {"on"}, "default": {"disclose"}, "review": {"periodic"}, "review_months": {"6"}, "criteria_named": vep.FourCriteria})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save draft: %d", resp.StatusCode)
			}
			upload := func(c *testrig.Client, content string) *http.Response {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				fw, _ := mw.CreateFormFile("document", "vep-2021.pdf")
				_, _ = fw.Write([]byte(content))
				_ = mw.Close()
				return c.Do(t, "POST", "/vep/states/DEU/policy/document", buf.String(), map[string]string{"Content-Type": mw.FormDataContentType()})
			}
			if resp := upload(ed, "not a pdf"); resp.StatusCode != 422 {
				t.Errorf("a non-PDF: %d", resp.StatusCode)
			}
			if resp := upload(rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA")), "%PDF-1.7 x"); resp.StatusCode != 404 {
				t.Errorf("another State uploads: %d", resp.StatusCode)
			}
			if resp := upload(ed, "%PDF-1.7 the policy"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload: %d %s", resp.StatusCode, testrig.Body(resp))
			}
			draftPage := ed.GetBody(t, "/vep/states/DEU")
			docURL := regexp.MustCompile(`href="(/vep/documents/[0-9A-Z]+)"`).FindStringSubmatch(draftPage)
			if docURL == nil {
				t.Fatal("the draft does not name the document")
			}
			if resp := c.Get(t, docURL[1]); resp.StatusCode != 404 {
				t.Errorf("a draft's document is public: %d", resp.StatusCode)
			}
			ap := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "DEU"))
			if resp := ap.PostForm(t, "/vep/states/DEU/policy/publish", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("publish: %d", resp.StatusCode)
			}
			page = c.GetBody(t, "/vep/states/DEU")
			if !strings.Contains(page, "Version 1") || !strings.Contains(page, docURL[1]) {
				t.Errorf("DEU page lacks the published version or its document")
			}
			if body := c.GetBody(t, docURL[1]); body != "%PDF-1.7 the policy" {
				t.Errorf("the published document: %q", body)
			}
		})
	})
}

func TestRate(t *testing.T) {
	p := vep.Policy{HasProcess: false}
	for _, s := range vep.Rate(p) {
		if s.Rating != vep.NotMet {
			t.Errorf("without a process %s is %s", s.Recommendation, s.Rating)
		}
	}
	p = vep.Policy{HasProcess: true, Default: "disclose", Scope: "all", CriteriaPublic: "full", CriteriaNamed: vep.FourCriteria, Ecosystem: "yes", Review: "periodic", ReviewMonths: 6, Secured: "yes"}
	for _, s := range vep.Rate(p) {
		if s.Rating != vep.Met {
			t.Errorf("a model policy: %s is %s", s.Recommendation, s.Rating)
		}
	}
	p = vep.Policy{HasProcess: true}
	for _, s := range vep.Rate(p) {
		if s.Rating != vep.Unknown {
			t.Errorf("a blank policy: %s is %s", s.Recommendation, s.Rating)
		}
	}
}

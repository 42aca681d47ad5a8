package vep_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestRegisterRoutesAnswerOthersAlike walks every registered route of the
// register, page and API, with every kind of account that must not see
// it, for an entry that exists and for one that does not, with a good and
// a bad body: each answers 404 with the same body, so nothing about the
// register — whether an entry exists, whether the State has any, what the
// validation of a body would say — can be learnt from status, error or
// length.
func TestRegisterRoutesAnswerOthersAlike(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		approverU := rig.User(t, auth.RoleStateApprover, "FRA")
		editorU := rig.User(t, auth.RoleStateEditor, "FRA")
		ap := apiClient{rig.Anonymous(t), rig.Token(t, approverU)}
		st, body := ap.do(t, "POST", "/api/v1/vep/grants", map[string]string{"user_id": editorU.ID})
		want(t, "grant", st, 200, body)
		ed := apiClient{rig.Anonymous(t), rig.Token(t, editorU)}
		d := time.Now().UTC().AddDate(0, -1, 0).Format("2006-01-02")
		entry := map[string]any{"product": secret, "vendor": "V", "found_how": "partner", "found_on": d, "decision": "retain", "decided_on": d, "justification": justification("j")}
		st, body = ed.do(t, "POST", "/api/v1/vep/register", entry)
		want(t, "record", st, 201, body)
		realID := body["id"].(string)
		const fakeID = "01JAAAAAAAAAAAAAAAAAAAAAAA"

		others := map[string]*auth.User{
			"secretariat":                 rig.User(t, auth.RoleSecretariat, ""),
			"another State's approver":    rig.User(t, auth.RoleStateApprover, "DEU"),
			"another State's editor":      rig.User(t, auth.RoleStateEditor, "DEU"),
			"the State's own approver":    approverU,
			"the State's editor without":  rig.User(t, auth.RoleStateEditor, "FRA"),
			"a stakeholder organisation":  rig.User(t, auth.RoleStakeholder, ""),
			"another secretariat account": rig.User(t, auth.RoleSecretariat, ""),
		}
		signedIn, tokens := map[string]*testrig.Client{}, map[string]string{}
		for name, u := range others {
			signedIn[name], tokens[name] = rig.SignIn(t, u), rig.Token(t, u)
		}
		var routes int
		for _, r := range rig.App.Services.Site.Router().Routes() {
			if !strings.HasPrefix(r.Path, "/vep/register") && !strings.HasPrefix(r.Path, "/api/v1/vep/register") {
				continue
			}
			routes++
			for name := range others {
				var first string
				for _, id := range []string{realID, fakeID} {
					for _, good := range []bool{true, false} {
						path := strings.ReplaceAll(r.Path, "{id}", id)
						var b any
						h := map[string]string{}
						c := rig.Anonymous(t)
						if r.IsAPI {
							h["Authorization"] = "Bearer " + tokens[name]
							if r.Method != http.MethodGet {
								b = `{"product":`
								if good {
									b = `{"product":"P","vendor":"V","found_how":"partner","found_on":"` + d + `","decision":"retain","decided_on":"` + d + `","justification":{}}`
								}
							}
						} else {
							c = signedIn[name]
							if r.Method != http.MethodGet {
								b = url.Values{"product": {"P"}}
								if !good {
									b = url.Values{"found_on": {"never"}}
								}
							}
						}
						resp := c.Do(t, r.Method, path, b, h)
						got := testrig.Body(resp)
						if resp.StatusCode != http.StatusNotFound {
							t.Errorf("%s %s as %s: %d", r.Method, path, name, resp.StatusCode)
						}
						if strings.Contains(got, secret) {
							t.Errorf("%s %s as %s shows the entry", r.Method, path, name)
						}
						if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
							t.Errorf("%s %s as %s: Cache-Control %q", r.Method, path, name, cc)
						}
						norm := strings.ReplaceAll(got, id, "ID")
						if r.IsAPI {
							if first == "" {
								first = norm
							} else if norm != first {
								t.Errorf("%s %s as %s: the answer differs: %q vs %q", r.Method, r.Path, name, norm, first)
							}
						}
					}
				}
			}
		}
		if routes < 11 {
			t.Fatalf("only %d register routes", routes)
		}
	})
}

package reporting_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// mailsTo drains the job queue and returns the messages sent to addr whose
// subject contains subject.
func mailsTo(t *testing.T, rig *testrig.Rig, addr, subject string) []mail.ParsedMessage {
	t.Helper()
	rig.DrainJobs(t)
	list, err := mail.List(rig.OutboxDir(), 5000)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.ParsedMessage
	for _, e := range list {
		if !strings.Contains(e.To, addr) {
			continue
		}
		m, err := mail.Read(rig.OutboxDir(), e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

func TestHandOffBetweenEditorAndApprover(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		fraAp2U := rig.User(t, auth.RoleStateApprover, "FRA")
		rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
		id := rep["id"].(string)
		const secret = "Norm (c) needs the CSIRT's figures — ministry only"
		const secret2 = "Please name the act in measure 1"

		t.Run("before a hand-off, nobody is waited for", func(t *testing.T) {
			v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			if h := v["report"].(map[string]any)["handoff"]; h != nil {
				t.Errorf("handoff %v on a new draft", h)
			}
		})
		sent := w.fraEd.must(t, 200, "POST", "/api/v1/reports/"+id+"/send-for-approval", map[string]any{"comment": secret})
		if sent["handoff"] != "awaiting_approval" || sent["handoff_by_name"] != w.fraEdU.Name || sent["handoff_at"] == nil {
			t.Fatalf("after sending: %v", sent)
		}

		t.Run("every approver of the State is e-mailed a link, without the comment", func(t *testing.T) {
			for _, u := range []*auth.User{w.fraApU, fraAp2U} {
				ms := mailsTo(t, rig, u.Email, "waiting for your approval")
				if len(ms) != 1 {
					t.Fatalf("%s got %d approval e-mails", u.Email, len(ms))
				}
				if !strings.Contains(ms[0].Text, "/reports/"+id) || !strings.Contains(ms[0].Text, w.fraEdU.Name) || !strings.Contains(ms[0].Text, "left a comment") {
					t.Errorf("e-mail lacks the link, the sender or the word of a comment:\n%s", ms[0].Text)
				}
				if strings.Contains(ms[0].Text, "CSIRT") {
					t.Errorf("the comment's text is in the e-mail:\n%s", ms[0].Text)
				}
			}
			if n := len(mailsTo(t, rig, w.fraEdU.Email, "waiting for your approval")); n != 0 {
				t.Errorf("the editor who sent it got %d approval e-mails", n)
			}
			if n := len(mailsTo(t, rig, w.kenU.Email, "waiting for your approval")); n != 0 {
				t.Errorf("another State's approver got %d e-mails", n)
			}
		})
		t.Run("sending twice is refused", func(t *testing.T) {
			w.fraEd.must(t, 409, "POST", "/api/v1/reports/"+id+"/send-for-approval", nil)
		})
		t.Run("the State's users see the wait on the task list and the report", func(t *testing.T) {
			ap := rig.SignIn(t, w.fraApU)
			for _, p := range []string{"/reports/" + id + "/edit", "/reports/" + id} {
				body := ap.GetBody(t, p)
				if !strings.Contains(body, "Waiting for approval since") || !strings.Contains(body, "It waits for your approval") {
					t.Errorf("%s does not say the draft waits for the approver", p)
				}
			}
		})
		t.Run("an editor may not return it; a return needs a comment and a real section", func(t *testing.T) {
			w.fraEd.must(t, 403, "POST", "/api/v1/reports/"+id+"/return", map[string]any{"comment": "x"})
			out := w.fraAp.must(t, 422, "POST", "/api/v1/reports/"+id+"/return", map[string]any{"comment": "  "})
			if out["error"].(map[string]any)["field"] != "comment" {
				t.Errorf("empty comment refused as %v", out)
			}
			out = w.fraAp.must(t, 422, "POST", "/api/v1/reports/"+id+"/return", map[string]any{"comment": "x", "section": "gge2015-zz"})
			if out["error"].(map[string]any)["field"] != "section" {
				t.Errorf("unknown section refused as %v", out)
			}
		})
		ret := w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/return", map[string]any{"comment": secret2, "section": "gge2015-c"})
		if ret["handoff"] != "returned" || ret["handoff_by_name"] != w.fraApU.Name {
			t.Fatalf("after returning: %v", ret)
		}
		t.Run("the editors are e-mailed that it came back, without the comment", func(t *testing.T) {
			ms := mailsTo(t, rig, w.fraEdU.Email, "returned with comments")
			if len(ms) != 1 || !strings.Contains(ms[0].Text, "/reports/"+id+"/edit") || strings.Contains(ms[0].Text, "measure 1") {
				t.Fatalf("editor's return e-mails: %+v", ms)
			}
			if n := len(mailsTo(t, rig, w.fraApU.Email, "returned with comments")); n != 0 {
				t.Errorf("the approver who returned it got %d e-mails", n)
			}
		})
		t.Run("returning what is not waiting is refused", func(t *testing.T) {
			w.fraAp.must(t, 409, "POST", "/api/v1/reports/"+id+"/return", map[string]any{"comment": "again"})
		})
		w.fraEd.must(t, 201, "POST", "/api/v1/reports/"+id+"/comments", map[string]any{"section": "gge2015-c", "body": "Done: the act is named."})

		t.Run("the thread is the State's: in order, by section, and nobody else's", func(t *testing.T) {
			all := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id+"/comments", nil)["items"].([]any)
			if len(all) != 3 {
				t.Fatalf("%d comments, want 3", len(all))
			}
			kinds := []string{}
			for _, c := range all {
				kinds = append(kinds, c.(map[string]any)["kind"].(string))
			}
			if strings.Join(kinds, ",") != "sent,returned,comment" || all[1].(map[string]any)["section"] != "gge2015-c" || all[0].(map[string]any)["version"].(float64) != 1 {
				t.Errorf("thread: %v", all)
			}
			if n := len(w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id+"/comments?section=gge2015-c", nil)["items"].([]any)); n != 2 {
				t.Errorf("%d comments on (c), want 2", n)
			}
			w.kenAp.must(t, 404, "GET", "/api/v1/reports/"+id+"/comments", nil)
			w.kenAp.must(t, 404, "POST", "/api/v1/reports/"+id+"/comments", map[string]any{"body": "hello"})
			w.sec.must(t, 403, "GET", "/api/v1/reports/"+id+"/comments", nil)
			w.public.must(t, 401, "GET", "/api/v1/reports/"+id+"/comments", nil)
		})
		t.Run("the audit log records the comments without their text", func(t *testing.T) {
			var n, leaked int
			if err := rig.App.Services.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'report_comment.create'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if err := rig.App.Services.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%CSIRT%' OR after_json LIKE '%measure 1%' OR before_json LIKE '%CSIRT%'`).Scan(&leaked); err != nil {
				t.Fatal(err)
			}
			if n != 3 || leaked != 0 {
				t.Errorf("%d comment audits (want 3), %d audit entries quoting a comment", n, leaked)
			}
		})

		w.fraEd.must(t, 200, "POST", "/api/v1/reports/"+id+"/send-for-approval", nil)
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		t.Run("submitting clears the hand-off and tells the State's other users", func(t *testing.T) {
			v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			if h := v["report"].(map[string]any)["handoff"]; h != nil {
				t.Errorf("handoff %v after submission", h)
			}
			if n := len(mailsTo(t, rig, w.fraEdU.Email, "submitted")); n != 1 {
				t.Errorf("editor got %d submission e-mails", n)
			}
			if n := len(mailsTo(t, rig, w.fraApU.Email, ": submitted")); n != 0 {
				t.Errorf("the approver who submitted got %d submission e-mails", n)
			}
		})
		t.Run("comments never reach the public", func(t *testing.T) {
			pub := rig.Anonymous(t)
			for _, p := range []string{"/reports/" + id, "/reports/" + id + "/export.json", "/reports/" + id + "/export.csv", "/api/v1/reports/" + id} {
				body := testrig.Body(pub.Get(t, p))
				if strings.Contains(body, "CSIRT") || strings.Contains(body, "measure 1") || strings.Contains(body, "handoff") || strings.Contains(body, "Comments") {
					t.Errorf("%s shows the thread or the hand-off to the public", p)
				}
			}
			sec := testrig.Body(rig.SignIn(t, w.secU).Get(t, "/reports/"+id))
			if strings.Contains(sec, "CSIRT") {
				t.Errorf("the secretariat reads the State's comments")
			}
		})
		w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{"note": "typo"})
		t.Run("reopening tells the editors, and new comments belong to the next version", func(t *testing.T) {
			if n := len(mailsTo(t, rig, w.fraEdU.Email, "reopened for a correction")); n != 1 {
				t.Errorf("editor got %d reopening e-mails", n)
			}
			c := w.fraEd.must(t, 201, "POST", "/api/v1/reports/"+id+"/comments", map[string]any{"body": "Fixing the typo"})
			if c["version"].(float64) != 2 {
				t.Errorf("a comment on the correction is on version %v, want 2", c["version"])
			}
		})
	})
}

func TestCommentFormsWorkWithoutJavaScript(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
	id := rep["id"].(string)
	ed := rig.SignIn(t, w.fraEdU)
	ap := rig.SignIn(t, w.fraApU)

	t.Run("an empty comment is refused beside its field, nothing written", func(t *testing.T) {
		resp := ed.PostForm(t, "/reports/"+id+"/comments", url.Values{"section": {"gge2015-c"}, "body": {"  "}, "return": {"section"}})
		body := testrig.Body(resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="comment-body-error"`) || !strings.Contains(body, "Write a comment.") {
			t.Fatalf("status %d: %.400s", resp.StatusCode, body)
		}
	})
	t.Run("a comment on a section returns to that section's page, at the thread", func(t *testing.T) {
		resp := ed.PostForm(t, "/reports/"+id+"/comments", url.Values{"section": {"gge2015-c"}, "body": {"First line\nsecond line"}, "return": {"section"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports/"+id+"/edit/gge2015-c#comments" {
			t.Fatalf("status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		page := ed.GetBody(t, "/reports/"+id+"/edit/gge2015-c")
		if !strings.Contains(page, "First line\nsecond line") || !strings.Contains(page, `id="comments"`) {
			t.Errorf("the section page lacks its thread")
		}
		if other := ed.GetBody(t, "/reports/"+id+"/edit/gge2015-d"); strings.Contains(other, "First line") {
			t.Errorf("another section's page shows (c)'s comment")
		}
		if tasks := ed.GetBody(t, "/reports/"+id+"/edit"); !strings.Contains(tasks, "Comments: 1") {
			t.Errorf("the task list does not count the section's comment")
		}
	})
	t.Run("send, then return with comments, through the forms", func(t *testing.T) {
		resp := ed.PostForm(t, "/reports/"+id+"/send", url.Values{"comment": {""}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("send: status %d", resp.StatusCode)
		}
		page := ap.GetBody(t, "/reports/"+id)
		if !strings.Contains(page, `action="/reports/`+id+`/return"`) {
			t.Fatalf("the approver's report page has no return form")
		}
		resp = ap.PostForm(t, "/reports/"+id+"/return", url.Values{"section": {""}, "comment": {""}})
		if body := testrig.Body(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="return-comment-error"`) {
			t.Fatalf("empty return: status %d", resp.StatusCode)
		}
		resp = ap.PostForm(t, "/reports/"+id+"/return", url.Values{"section": {""}, "comment": {"Add the date"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("return: status %d", resp.StatusCode)
		}
		tasks := ed.GetBody(t, "/reports/"+id+"/edit")
		if !strings.Contains(tasks, "Returned to the editors by "+w.fraApU.Name) || !strings.Contains(tasks, "It waits for your changes") || !strings.Contains(tasks, `action="/reports/`+id+`/send"`) {
			t.Errorf("the editor's task list does not say it came back")
		}
	})
}

package participation_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// writes counts every row a participation form could write, and the audit
// log (every write is audited, updates included), and the queued jobs
// (mail).
func writes(t *testing.T, d *db.DB) int {
	t.Helper()
	total := 0
	for _, table := range []string{"participation_bodies", "participation_sessions", "participation_profiles", "participation_applications", "participation_objections",
		"participation_votes", "participation_statements", "participation_consultations", "participation_submissions", "participation_answers", "audit_log", "jobs"} {
		var n int
		if err := d.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		total += n
	}
	return total
}

// multipartForm encodes fields as multipart/form-data, as the statement
// form is sent.
func multipartForm(fields url.Values) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.Close()
	return mw.FormDataContentType(), &buf
}

// TestFormsKeepInput posts bad input to every participation form and checks
// that the same form comes back with the status, every value typed, the
// message next to the field it concerns (aria-invalid, aria-describedby),
// a summary at the top linking to that field, and that nothing was written.
func TestFormsKeepInput(t *testing.T) {
	rig := testrig.New(t)
	svc := participation.NewService(rig.App.Services)
	ctx := auth.WithUser(rig.Ctx, rig.User(t, auth.RoleSecretariat, ""))
	if _, err := svc.CreateBody(ctx, participation.BodyInput{Slug: "oewg", Name: "OEWG", Modality: participation.ModalityVeto, ReasonRequired: true}); err != nil {
		t.Fatal(err)
	}
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format("2006-01-02") }
	for _, s := range []struct{ slug, applyBy string }{{"s1", day(30)}, {"late", day(-3)}} {
		if _, err := svc.CreateSession(ctx, "oewg", participation.SessionInput{Slug: s.slug, Title: "Session " + s.slug, Kind: "substantive", Format: "hybrid", StartsOn: day(40), EndsOn: day(41), ApplyBy: s.applyBy}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.OpenConsultation(ctx, participation.ConsultationInput{Slug: "c1", Title: "Consultation", ClosesOn: day(10), Questions: []string{"First?", "Second?"}}); err != nil {
		t.Fatal(err)
	}
	org := rig.Organisation(t, "Kept Input Org")
	stakeholder := rig.User(t, auth.RoleStakeholder, org)
	app, err := svc.Apply(auth.WithUser(rig.Ctx, stakeholder), participation.ApplicationInput{Session: "s1", Justification: "We run the networks these norms protect."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Circulate(ctx, "oewg"); err != nil {
		t.Fatal(err)
	}
	voting := rig.Organisation(t, "Voting Org")
	vapp, err := svc.Apply(auth.WithUser(rig.Ctx, rig.User(t, auth.RoleStakeholder, voting)), participation.ApplicationInput{Session: "s1", Justification: "We run the networks these norms protect."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE participation_applications SET status = ?, voting_ends_at = ? WHERE id = ?`, participation.StatusVoting, time.Now().UTC().AddDate(0, 0, 7), vapp.ID); err != nil {
		t.Fatal(err)
	}

	sec := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	stake := rig.SignIn(t, stakeholder)
	approver := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
	long := strings.Repeat("x", 50001)

	cases := []struct {
		name      string
		client    *testrig.Client
		path      string
		form      url.Values
		multipart bool
		status    int
		kept      []string // values that must be shown again
		field     string   // element id the message must sit next to ("" when no one field)
		message   string
	}{
		{"a body with a bad slug", sec, "/participation/bodies", url.Values{"slug": {"Bad Slug!"}, "name": {"Working Group on ICT"}, "description": {"Kept description"}, "modality": {"non-objection-decision"}, "objection_days": {"12"}, "voting_days": {"7"}, "majority": {"two-thirds"}, "name_objectors": {"on"}},
			false, 422, []string{"Bad Slug!", "Working Group on ICT", "Kept description", `value="12"`, `value="7"`, `value="non-objection-decision" selected`, `value="two-thirds" selected`, `id="name_objectors" name="name_objectors" checked`}, "slug", "lower-case letters"},
		{"a body with days that are not a number", sec, "/participation/bodies", url.Values{"slug": {"wg"}, "name": {"Working Group"}, "modality": {"open"}, "objection_days": {"ten"}},
			false, 422, []string{`value="ten"`, "Working Group"}, "objection_days", "must be a whole number"},
		{"a body changed to an empty name", sec, "/participation/bodies/oewg", url.Values{"name": {" "}, "description": {"A new description"}, "modality": {"non-objection-veto"}, "objection_days": {"61"}},
			false, 422, []string{"A new description", `value="61"`}, "name", "is required"},
		{"a session that ends before it starts", sec, "/participation/bodies/oewg/sessions", url.Values{"slug": {"s9"}, "title": {"Ninth substantive session"}, "kind": {"intersessional"}, "format": {"online"}, "starts_on": {day(50)}, "ends_on": {day(45)}, "apply_by": {day(20)}, "place": {"Geneva"}},
			false, 422, []string{"Ninth substantive session", `value="intersessional" selected`, `value="online" selected`, day(45), "Geneva"}, "s-end", "must not be before starts_on"},
		{"a session changed to a bad date", sec, "/participation/sessions/s1", url.Values{"title": {"Renamed session"}, "kind": {"substantive"}, "format": {"hybrid"}, "starts_on": {"2026-13-40"}, "ends_on": {day(41)}, "apply_by": {day(30)}, "outcomes": {"Kept outcomes"}},
			false, 422, []string{"Renamed session", "2026-13-40", "Kept outcomes"}, "s-start", "YYYY-MM-DD"},
		{"an application with a short justification", stake, "/participation/sessions/s1/apply", url.Values{"justification": {"Too short"}, "standing": {"on"}},
			false, 422, []string{"Too short", `id="standing" name="standing" checked`}, "justification", "20 to 5000 characters"},
		{"an application after the deadline", stake, "/participation/sessions/late/apply", url.Values{"justification": {"A justification long enough to pass."}},
			false, 409, []string{"A justification long enough to pass."}, "", "deadline for applications"},
		{"a statement with neither text nor file", stake, "/participation/sessions/s1/statements", url.Values{"title": {"Our written input"}, "lang": {"fr"}, "delivery": {"written"}},
			true, 422, []string{"Our written input", `value="fr" selected`, `value="written" selected`}, "st-body", "give the statement's text"},
		{"an objection without the required reason", approver, "/participation/applications/" + app.ID + "/object", url.Values{"reason": {"  "}},
			false, 422, nil, "reason", "requires a reason"},
		{"a vote outside yes, no and abstain", approver, "/participation/applications/" + vapp.ID + "/vote", url.Values{"choice": {"maybe"}},
			false, 422, nil, "v-yes", "must be yes, no or abstain"},
		{"a profile with a bad website", stake, "/participation/organisations/" + org, url.Values{"type": {"academia"}, "ecosoc": {"special"}, "hq": {"CHE"}, "website": {"ftp://example.org"}, "members": {"40"}, "description": {"Kept profile text"}},
			false, 422, []string{"ftp://example.org", "Kept profile text", `value="CHE"`, `value="40"`, `value="academia" selected`, `value="special" selected`}, "website", "http or https"},
		{"a profile with members that are not a number", stake, "/participation/organisations/" + org, url.Values{"type": {"ngo"}, "members": {"many"}, "website": {"https://kept.example"}},
			false, 422, []string{`value="many"`, "https://kept.example"}, "members", "must be a whole number"},
		{"a consultation that closes in the past", sec, "/participation/consultations", url.Values{"slug": {"c2"}, "title": {"Kept consultation title"}, "questions": {"Question one?\n\nQuestion two?"}, "closes_on": {day(-2)}, "audience": {"oewg"}, "allow_unpublished": {"on"}},
			false, 422, []string{"Kept consultation title", "Question one?\n\nQuestion two?", `value="oewg" selected`, `id="allow_unpublished" name="allow_unpublished" checked`}, "closes_on", "today or later"},
		{"an answer that is too long", stake, "/participation/consultations/c1/answers", url.Values{"answer_1": {"A short answer that is kept"}, "answer_2": {long}, "action": {"draft"}},
			false, 422, []string{"A short answer that is kept"}, "answer_2", "longer than 50,000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := writes(t, rig.DB)
			var resp *http.Response
			if c.multipart {
				ct, body := multipartForm(c.form)
				req, _ := http.NewRequest("POST", rig.URL+c.path, body)
				req.Header.Set("Content-Type", ct)
				var err error
				if resp, err = c.client.Client.Do(req); err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
			} else {
				resp = c.client.PostForm(t, c.path, c.form)
			}
			page := testrig.Body(resp)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %.400s", resp.StatusCode, c.status, page)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("not an HTML page: %s", resp.Header.Get("Content-Type"))
			}
			text := html.UnescapeString(page)
			for _, k := range c.kept {
				if !strings.Contains(text, k) {
					t.Errorf("the value %q typed was not shown again", k)
				}
			}
			if !strings.Contains(text, c.message) {
				t.Errorf("the message %q is not on the page", c.message)
			}
			summary := regexp.MustCompile(`(?s)<div class="errors" role="alert" id="form-errors".*?</div>`).FindString(text)
			if !strings.Contains(summary, c.message) {
				t.Errorf("the summary at the top does not give the message: %q", summary)
			}
			if c.field != "" {
				if !strings.Contains(summary, `href="#`+c.field+`"`) {
					t.Errorf("the summary does not link to #%s: %q", c.field, summary)
				}
				if !regexp.MustCompile(`<p class="field-error" id="` + c.field + `-error">[^<]*` + regexp.QuoteMeta(c.message)).MatchString(text) {
					t.Errorf("no message next to the field %s", c.field)
				}
				el := regexp.MustCompile(`<(input|textarea|select|fieldset)[^>]*id="` + c.field + `"[^>]*>`).FindString(text)
				if c.field == "v-yes" {
					el = regexp.MustCompile(`<fieldset[^>]*>`).FindString(text) + el
				}
				if !strings.Contains(el, `aria-invalid="true"`) || !strings.Contains(text, `aria-describedby="`+c.field+`-error"`) {
					t.Errorf("the field is not marked invalid and described by its message: %s", el)
				}
			}
			if after := writes(t, rig.DB); after != before {
				t.Errorf("a refused form wrote %d rows", after-before)
			}
		})
	}

	t.Run("a refused search keeps the query on the registry", func(t *testing.T) {
		q := strings.Repeat("q", 201)
		resp := rig.Anonymous(t).Get(t, "/participation/organisations?q="+q)
		page := testrig.Body(resp)
		if resp.StatusCode != 422 || !strings.Contains(page, `value="`+q+`"`) || !strings.Contains(page, `id="q-error"`) {
			t.Errorf("status %d; query kept %v", resp.StatusCode, strings.Contains(page, q))
		}
	})
	t.Run("not found is still the error page", func(t *testing.T) {
		resp := sec.PostForm(t, "/participation/bodies/nosuch/sessions", url.Values{"slug": {"x1"}, "title": {"T"}, "kind": {"substantive"}, "format": {"online"}, "starts_on": {day(5)}, "ends_on": {day(5)}, "apply_by": {day(1)}})
		if resp.StatusCode != 404 {
			t.Errorf("status %d, want 404", resp.StatusCode)
		}
	})
	t.Run("the body and profile still hold what they held", func(t *testing.T) {
		b, err := svc.BodyBySlug(rig.Ctx, "oewg")
		if err != nil || b.Name != "OEWG" || b.ObjectionDays != 10 {
			t.Errorf("body %+v, %v", b, err)
		}
		o, err := svc.OrganisationBySlug(rig.Ctx, org)
		if err != nil || o.Website != "" || o.Description != "" {
			t.Errorf("organisation %+v, %v", o, err)
		}
	})
}

package vep_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

func entryOf(decision, decided, notified, patched string, reviews ...vep.Review) vep.Entry {
	e := vep.Entry{EntryInput: vep.EntryInput{Decision: decision, DecidedOn: decided, VendorNotifiedOn: notified, PatchedOn: patched}, Reviews: reviews}
	return e
}

func TestCompute(t *testing.T) {
	var es []vep.Entry
	for i := range 12 {
		es = append(es, entryOf("disclose", "2025-03-01", fmt.Sprintf("2025-03-%02d", 2+i), "2025-05-01"))
	}
	es = append(es, entryOf("retain", "2025-01-10", "", ""), entryOf("retain", "2025-02-10", "", ""))
	rel := vep.Review{ReviewInput: vep.ReviewInput{ReviewedOn: "2025-07-01", Decision: "disclose"}, OnTime: true}
	es = append(es, entryOf("retain", "2024-12-01", "2025-07-03", "", rel))
	es = append(es, entryOf("disclose", "2024-06-01", "2024-06-02", ""))

	f := vep.Compute(es, 2025)
	if f.Evaluated != 14 || f.Disclosed != 12 {
		t.Errorf("evaluated %d disclosed %d", f.Evaluated, f.Disclosed)
	}
	if f.Retained != vep.Fewer || f.Released != vep.Fewer || f.Reviews != vep.Fewer || f.ReviewsOnTime != vep.Fewer {
		t.Errorf("small counts not suppressed: %+v", f)
	}
	// retained (2) alone hidden would be 14-12-0-0: a zero category is hidden too.
	if f.MitigationsOnly != vep.Fewer {
		t.Errorf("no secondary suppression: %+v", f)
	}
	if f.MedianDaysNotify != 6 || f.MedianDaysToPatch != 61 {
		t.Errorf("medians %d %d", f.MedianDaysNotify, f.MedianDaysToPatch)
	}
	if g := vep.Compute(es, 2024); g.Evaluated != vep.Fewer || g.MedianDaysNotify != vep.Fewer {
		t.Errorf("2024: %+v", g)
	}
	if g := vep.Compute(nil, 2025); g.Evaluated != 0 || g.Retained != 0 || g.MedianDaysNotify != vep.Fewer {
		t.Errorf("empty: %+v", g)
	}
	// All other categories large: the total is withheld.
	var big []vep.Entry
	for _, d := range []string{"disclose", "mitigations_only", "inform_partners"} {
		for range 6 {
			big = append(big, entryOf(d, "2025-03-01", "", ""))
		}
	}
	big = append(big, entryOf("retain", "2025-03-01", "", ""))
	if g := vep.Compute(big, 2025); g.Evaluated != vep.Withheld || g.Retained != vep.Fewer {
		t.Errorf("withheld: %+v", g)
	}
}

func TestTransparencyReports(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		approver := as(rig.User(t, auth.RoleStateApprover, "FRA"))
		editorU := rig.User(t, auth.RoleStateEditor, "FRA")
		editor := as(editorU)
		other := as(rig.User(t, auth.RoleStateApprover, "DEU"))
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		pub := apiClient{c: rig.Anonymous(t)}
		year := time.Now().UTC().Year() - 1
		st, body := approver.do(t, "POST", "/api/v1/vep/grants", map[string]string{"user_id": editorU.ID})
		want(t, "grant", st, 200, body)
		for i := range 7 {
			d := fmt.Sprintf("%d-03-%02d", year, 1+i)
			st, body := editor.do(t, "POST", "/api/v1/vep/register", map[string]any{"product": "P", "vendor": "V", "found_how": "partner", "found_on": d, "decision": "disclose", "decided_on": d, "justification": justification("j")})
			want(t, "record", st, 201, body)
		}
		st, body = editor.do(t, "POST", "/api/v1/vep/register", map[string]any{"product": "P", "vendor": "V", "found_how": "purchase", "found_on": fmt.Sprintf("%d-04-01", year), "decision": "retain", "decided_on": fmt.Sprintf("%d-04-01", year), "justification": justification("j")})
		want(t, "record retained", st, 201, body)

		st, body = editor.do(t, "POST", "/api/v1/vep/reports", map[string]int{"year": year})
		want(t, "an editor cannot generate", st, 403, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports", map[string]int{"year": year + 2})
		want(t, "a future year", st, 422, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports", map[string]any{"year": "last"})
		want(t, "not a number", st, 422, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports", map[string]int{"year": year})
		want(t, "generate", st, 201, body)
		id := body["id"].(string)
		figs := body["figures"].(map[string]any)
		if figs["evaluated"] != float64(8) || figs["disclosed"] != float64(7) || figs["retained"] != float64(vep.Fewer) {
			t.Errorf("figures %v", figs)
		}
		for name, c := range map[string]apiClient{"public": pub, "another State": other, "secretariat": sec} {
			st, body := c.do(t, "GET", "/api/v1/vep/reports/"+id, nil)
			if st != 404 {
				t.Errorf("a draft to %s: %d %v", name, st, body)
			}
		}
		st, body = other.do(t, "POST", "/api/v1/vep/reports/"+id+"/publish", nil)
		want(t, "another State publishes", st, 404, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports/"+id+"/publish", nil)
		want(t, "publish", st, 200, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports", map[string]int{"year": year})
		want(t, "generate a published year again", st, 409, body)
		st, body = pub.do(t, "GET", fmt.Sprintf("/api/v1/vep/reports?state=FRA&year=%d", year), nil)
		want(t, "public list", st, 200, body)
		if n := len(body["items"].([]any)); n != 1 {
			t.Fatalf("%d reports", n)
		}
		st, body = pub.do(t, "GET", "/api/v1/vep/reports?state=ZZZ", nil)
		want(t, "bad state", st, 422, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports", map[string]int{"year": year - 1})
		want(t, "generate the year before", st, 201, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/reports/"+body["id"].(string)+"/publish", nil)
		want(t, "publish the year before", st, 200, body)
		if figs := body["figures"].(map[string]any); figs["evaluated"] != float64(0) || figs["retained"] != float64(0) {
			t.Errorf("an empty year: %v", figs)
		}
		c := rig.Anonymous(t)
		page := c.GetBody(t, "/vep/reports")
		if strings.Count(page, `class="chart-svg chart-wide"`) != 2 || !strings.Contains(page, "fewer than 5") || !strings.Contains(page, "Retained, by State and year") {
			t.Error("the reports page lacks its charts or the suppressed figure")
		}
		csv := c.GetBody(t, "/vep/reports.csv")
		if !strings.Contains(csv, fmt.Sprintf("FRA,France,%d", year)) || !strings.Contains(csv, "<5") {
			t.Errorf("CSV %q", csv)
		}
		if resp := c.Get(t, "/vep/reports?year=1066"); resp.StatusCode != 404 {
			t.Errorf("unknown year: %d", resp.StatusCode)
		}
	})
}

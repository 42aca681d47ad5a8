package reporting_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestCycleDatesAreShownAsEntered opens a cycle due on one day and closing
// on another and checks that its pages and API give those days, not the
// following ones (the instants at which they take effect).
func TestCycleDatesAreShownAsEntered(t *testing.T) {
	rig := testrig.New(t)
	sec := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	opens := time.Now().UTC().Add(-24 * time.Hour)
	due, closes := opens.AddDate(0, 3, 0), opens.AddDate(0, 6, 0)
	f := func(t time.Time) string { return t.Format("2006-01-02") }
	resp := sec.PostForm(t, "/cycles", url.Values{"name": {"2027"}, "opens_on": {f(opens)}, "due_on": {f(due)}, "closes_on": {f(closes)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create cycle: %d %s", resp.StatusCode, testrig.Body(resp))
	}
	cyclePath := resp.Header.Get("Location")
	public := rig.Anonymous(t)
	for _, path := range []string{cyclePath, "/reports"} {
		page := public.GetBody(t, path)
		for _, d := range []time.Time{opens, due, closes} {
			if !strings.Contains(page, f(d)) {
				t.Errorf("%s does not show %s", path, f(d))
			}
		}
		for _, d := range []time.Time{due, closes} {
			if strings.Contains(page, f(d.AddDate(0, 0, 1))) {
				t.Errorf("%s shows %s, the day after the date entered", path, f(d.AddDate(0, 0, 1)))
			}
		}
		if strings.Count(page, "23:59 UTC") != 1 {
			t.Errorf("%s should state the time-zone rule once", path)
		}
	}
	out := newAPI(t, rig, nil).must(t, 200, "GET", "/api/v1/reporting/cycles/2027", nil)
	if out["opens_on"] != f(opens) || out["due_on"] != f(due) || out["closes_on"] != f(closes) {
		t.Errorf("API days: %v %v %v", out["opens_on"], out["due_on"], out["closes_on"])
	}
}

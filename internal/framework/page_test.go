package framework_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// A norm's page lists its texts, each with its language named in itself
// and marked with its code, for a screen reader to switch voices.
func TestNormPageNamesEachTextsLanguage(t *testing.T) {
	rig := testrig.New(t)
	h := map[string]string{"Authorization": "Bearer " + rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))}
	for _, l := range web.Languages {
		if l.Code == "en" {
			continue
		}
		resp := rig.Anonymous(t).Do(t, "POST", "/api/v1/norms/gge2015-a/texts", `{"lang":"`+l.Code+`","text":"Text `+l.Code+`","source":"A/70/174"}`, h)
		if resp.StatusCode != 201 {
			t.Fatalf("adding the %s text: %d %s", l.Code, resp.StatusCode, testrig.Body(resp))
		}
	}
	body := rig.Anonymous(t).GetBody(t, "/norms/gge2015-a")
	for _, l := range web.Languages {
		if want := `<td><span lang="` + l.Code + `">` + l.Name + `</span></td>`; !strings.Contains(body, want) {
			t.Errorf("the page does not name the %s text: no %s", l.Code, want)
		}
	}
}

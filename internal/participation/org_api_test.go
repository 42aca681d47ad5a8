package participation_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOrganisationImport registers organisations through the API as a
// secretariat importing an existing registry would.
func TestOrganisationImport(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		path := "/api/v1/participation/organisations"
		org := map[string]any{"slug": "eu-disinfolab", "name": "EU DisinfoLab", "type": "ngo", "ecosoc_status": "special", "headquarters": "bel",
			"website": "https://www.disinfo.eu", "description": "Researches disinformation.", "membership_size": 12}
		st, body := sec.do(t, "POST", path, org)
		want(t, "register", st, 201, body)
		if body["slug"] != "eu-disinfolab" || body["ecosoc_status"] != "special" || body["headquarters"] != "BEL" || body["type"] != "ngo" {
			t.Errorf("registered as %v", body)
		}
		st, body = apiClient{rig.Anonymous(t), ""}.do(t, "GET", path+"/eu-disinfolab", nil)
		want(t, "read back", st, 200, body)
		if body["organisation"].(map[string]any)["website"] != "https://www.disinfo.eu" {
			t.Errorf("read back %v", body["organisation"])
		}
		page := rig.Anonymous(t).GetBody(t, "/participation/organisations?q=disinfolab")
		if !strings.Contains(page, "EU DisinfoLab") {
			t.Error("the registry search does not find the imported organisation")
		}
		var audited int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('organisation.create', 'organisation.profile')`).Scan(&audited); err != nil || audited != 2 {
			t.Errorf("%d audit entries (%v), want the creation and the profile", audited, err)
		}

		count := func() int {
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM organisations WHERE slug IN ('eu-disinfolab', 'x-lab', 'y-lab') OR slug LIKE 'aaaa%'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		for _, tc := range []struct {
			name   string
			change map[string]any
			field  string
		}{
			{"a slug already taken", map[string]any{}, "slug"},
			{"a slug with capitals and spaces", map[string]any{"slug": "EU Lab!"}, "slug"},
			{"a slug the back office would not take", map[string]any{"slug": strings.Repeat("a", 64)}, "slug"},
			{"no name", map[string]any{"slug": "x-lab", "name": " "}, "name"},
			{"an unknown type", map[string]any{"slug": "x-lab", "type": "church"}, "type"},
			{"an unknown ECOSOC status", map[string]any{"slug": "x-lab", "ecosoc_status": "gold"}, "ecosoc_status"},
			{"a headquarters that is no State", map[string]any{"slug": "x-lab", "headquarters": "XXX"}, "headquarters"},
			{"a website that is no address", map[string]any{"slug": "x-lab", "website": "javascript:alert(1)"}, "website"},
			{"a negative membership", map[string]any{"slug": "x-lab", "membership_size": -1}, "membership_size"},
			{"an unknown field", map[string]any{"slug": "x-lab", "colour": "red"}, ""},
		} {
			t.Run(tc.name+" is refused", func(t *testing.T) {
				in := map[string]any{}
				for k, v := range org {
					in[k] = v
				}
				for k, v := range tc.change {
					in[k] = v
				}
				st, body := sec.do(t, "POST", path, in)
				want(t, tc.name, st, 422, body)
				if tc.field != "" && !strings.Contains(fmt.Sprint(body["error"]), "field:"+tc.field) {
					t.Errorf("the refusal does not name %s: %v", tc.field, body)
				}
			})
		}
		for _, st := range []struct {
			who auth.Role
			org string
		}{{auth.RoleStakeholder, ""}, {auth.RoleStateApprover, "FRA"}} {
			if code, body := as(rig.User(t, st.who, st.org)).do(t, "POST", path, map[string]any{"slug": "y-lab", "name": "Y", "type": "ngo"}); code != 403 {
				t.Errorf("%s registers an organisation: %d %v", st.who, code, body)
			}
		}
		if code, _ := (apiClient{rig.Anonymous(t), ""}).do(t, "POST", path, map[string]any{"slug": "y-lab", "name": "Y", "type": "ngo"}); code != 401 && code != 403 {
			t.Errorf("the public registers an organisation: %d", code)
		}
		if n := count(); n != before {
			t.Errorf("%d organisations after the refusals, want %d", n, before)
		}
	})
}

package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestListsForBulkReaders: every list the OpenAPI document gives an
// updated_since refuses one that does not parse with 400 naming it, answers
// an empty page for a future instant, and keeps what changed after a past
// one; every list answers 304 to its own ETag.
func TestListsForBulkReaders(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		rig.Organisation(t, "Registered Before The Poll")
		anon := rig.Anonymous(t)
		since := 0
		for _, op := range rig.App.Spec.Ops() {
			has := false
			for _, p := range op.Params {
				has = has || p.Name == "updated_since"
			}
			if !has {
				continue
			}
			since++
			path := op.Path
			t.Run(path, func(t *testing.T) {
				resp := anon.Get(t, path+"?updated_since=last+Tuesday")
				var e struct{ Error api.Error }
				_ = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "updated_since" {
					t.Errorf("a malformed updated_since: %d %+v, want 400 naming it", resp.StatusCode, e.Error)
				}
				future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
				var list struct{ Items []json.RawMessage }
				resp = anon.Get(t, path+"?updated_since="+future)
				_ = json.NewDecoder(resp.Body).Decode(&list)
				resp.Body.Close()
				if resp.StatusCode != 200 || len(list.Items) != 0 {
					t.Errorf("updated_since an hour ahead: %d with %d items, want 200 and none", resp.StatusCode, len(list.Items))
				}
				full := anon.GetBody(t, path)
				if got := anon.GetBody(t, path+"?updated_since=2000-01-01"); got != full {
					t.Errorf("updated_since 2000-01-01 answers otherwise than no filter:\n%s\n%s", got, full)
				}
				first := anon.Get(t, path)
				first.Body.Close()
				tag := first.Header.Get("ETag")
				again := anon.Do(t, "GET", path, nil, map[string]string{"If-None-Match": tag})
				again.Body.Close()
				if tag == "" || again.StatusCode != http.StatusNotModified {
					t.Errorf("ETag %q, then %d; want 304", tag, again.StatusCode)
				}
			})
		}
		if since < 6 {
			t.Errorf("%d lists take updated_since, want the reports, practices, bulletin items, incidents, needs, offers and organisations", since)
		}
		// A past instant keeps what changed after it.
		hour := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		if body := anon.GetBody(t, "/api/v1/participation/organisations?updated_since="+hour); !strings.Contains(body, "Registered Before The Poll") {
			t.Errorf("an organisation registered within the hour is missing: %s", body)
		}
	})
}

package reporting_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// A report whole goes out as its measures are read (writeWhole): the bytes
// must be those of the View the service reads, for a draft, a version and
// the JSON export, and its ETag must change with every save.
func TestWholeReportStreamsTheSameBytes(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		svc := &reporting.Service{P: rig.App.Services, FW: &framework.Store{DB: rig.App.Services.DB}, Now: func() time.Time { return time.Now().UTC() }}
		id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		var ms []any
		for i, n := range "kacjdb" { // out of the framework's order, to be put in it
			for j := range 2 + 3*i {
				m := measure("gge2015-"+string(n), fmt.Sprintf("M-%c-%d <b>&</b> «ملاحظة»", n, j), "planned")
				if j%2 == 1 {
					m["links"], m["other_norms"] = []any{}, []any{}
				}
				ms = append(ms, m)
			}
		}
		content := map[string]any{"measures": ms, "notes": []any{map[string]string{"norm_id": "gge2015-c", "challenges": "Few \"staff\"", "capacity_gaps": "<script>"}},
			"international_law_summary": `"content":{"measures":[] is text here`}
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": content})

		same := func(t *testing.T, c apiClient, u *auth.User, path string, version int) string {
			t.Helper()
			h := map[string]string{"Authorization": "Bearer " + c.token}
			resp := c.c.Do(t, "GET", path, nil, h)
			got := testrig.Body(resp)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, got)
			}
			v, err := svc.Open(auth.WithUser(rig.Ctx, u), id, version)
			if err != nil {
				t.Fatal(err)
			}
			want, err := api.EncodeJSON(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal([]byte(got), want) {
				t.Errorf("GET %s is not the View's encoding:\n%.600s\nwant\n%.600s", path, got, want)
			}
			tag := resp.Header.Get("ETag")
			if tag == "" {
				t.Fatalf("GET %s: no ETag", path)
			}
			h["If-None-Match"] = tag
			again := c.c.Do(t, "GET", path, nil, h)
			if body := testrig.Body(again); again.StatusCode != 304 || body != "" {
				t.Errorf("GET %s naming its ETag: %d with %d bytes, want 304 and none", path, again.StatusCode, len(body))
			}
			return tag
		}
		draftTag := same(t, w.fraAp, w.fraApU, "/api/v1/reports/"+id, -1)
		same(t, w.fraAp, w.fraApU, "/reports/"+id+"/export.json", -1)

		content["measures"] = ms[1:]
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 2, "content": content})
		if tag := same(t, w.fraAp, w.fraApU, "/api/v1/reports/"+id, -1); tag == draftTag {
			t.Errorf("the ETag %s did not change with a save", tag)
		}
		if n, err := reporting.ReadDraftAsOf(rig.Ctx, svc, id, 3); err != nil || n != len(ms)-1 {
			t.Errorf("reading the draft as of its revision: %d measures, %v; want %d", n, err, len(ms)-1)
		}
		if _, err := reporting.ReadDraftAsOf(rig.Ctx, svc, id, 2); !errors.Is(err, reporting.ErrRevised) {
			t.Errorf("reading the draft as of an earlier revision: %v, want it refused", err)
		}

		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		same(t, w.public, nil, "/api/v1/reports/"+id, -1)
		same(t, w.public, nil, "/api/v1/reports/"+id+"/versions/1", 1)
		same(t, w.public, nil, "/reports/"+id+"/export.json?version=1", 1)
	})
}

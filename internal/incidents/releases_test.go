package incidents_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestReleasesAreKeptForCitation(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		var x struct{ ID string }
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
		call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil)
		if st := call(t, rig, rig.Token(t, rig.User(t, auth.RoleStakeholder, "")), "POST", "/api/v1/incident-releases", `{"notes":"x"}`, nil); st != 403 {
			t.Errorf("an organisation releases: %d", st)
		}
		var e apiErr
		if st := call(t, rig, sec, "POST", "/api/v1/incident-releases", `{"notes":""}`, &e); st != 422 || e.Error.Field != "notes" {
			t.Errorf("a release without a changelog: %d %+v", st, e)
		}
		var r1, r2 struct {
			Version, SHA256 string
			Incidents       int
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-releases", `{"notes":"First release."}`, &r1); st != 201 || r1.Incidents != 1 {
			t.Fatalf("release: %d %+v", st, r1)
		}
		// A later change does not alter the release.
		call(t, rig, sec, "PUT", "/api/v1/incidents/"+x.ID, strings.Replace(incidentJSON, "Grid blackout", "Grid blackout (renamed)", 1), nil)
		if st := call(t, rig, sec, "POST", "/api/v1/incident-releases", `{"notes":"Renamed an incident."}`, &r2); st != 201 || r2.Version != r1.Version+".2" {
			t.Fatalf("second release: %d %+v", st, r2)
		}
		resp := rig.Anonymous(t).Get(t, "/incidents/releases/"+r1.Version)
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(zr)
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != r1.SHA256 || !bytes.Contains(data, []byte("Grid blackout")) || bytes.Contains(data, []byte("renamed")) {
			t.Errorf("release %s does not hold the dataset as released", r1.Version)
		}
		page := rig.Anonymous(t).GetBody(t, "/incidents/dataset")
		if !strings.Contains(page, "Renamed an incident.") || !strings.Contains(page, r1.SHA256) {
			t.Errorf("the dataset page lacks the changelog")
		}
	})
}

package opendata_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

type apiClient struct {
	c     *testrig.Client
	token string
}

func newAPI(t testing.TB, rig *testrig.Rig, u *auth.User) apiClient {
	a := apiClient{c: rig.Anonymous(t)}
	if u != nil {
		a.token = rig.Token(t, u)
	}
	return a
}

func (a apiClient) do(t testing.TB, method, path string, body any, h map[string]string) *http.Response {
	t.Helper()
	var b any
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = string(j)
	}
	if h == nil {
		h = map[string]string{}
	}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	return a.c.Do(t, method, path, b, h)
}

func (a apiClient) must(t testing.TB, want int, method, path string, body any) map[string]any {
	t.Helper()
	resp := a.do(t, method, path, body, nil)
	raw := testrig.Body(resp)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return out
}

func (a apiClient) get(t testing.TB, path string, want int) (string, http.Header) {
	t.Helper()
	resp := a.do(t, "GET", path, nil, nil)
	raw := testrig.Body(resp)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %.300s", path, resp.StatusCode, want, raw)
	}
	return raw, resp.Header
}

func day(d time.Duration) string { return time.Now().UTC().Add(d).Format("2006-01-02") }

func measure(norm, title string) map[string]any {
	return map[string]any{"norm_id": norm, "title": title, "description": "What " + title + " did.", "type": "legislation", "status": "implemented", "date": "2025-03",
		"links": []map[string]string{{"url": "https://example.org/evidence", "label": "Evidence"}}, "other_norms": []string{}}
}

// report drafts a report with the measures and, unless visibility is "",
// submits it.
func report(t *testing.T, ed, ap apiClient, cycle, visibility string, titles ...string) string {
	rep := ed.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": cycle})
	id := rep["id"].(string)
	var ms []any
	for _, ti := range titles {
		ms = append(ms, measure("gge2015-c", ti))
	}
	content := map[string]any{"measures": ms, "notes": []any{}, "international_law_summary": "Position of " + titles[0], "international_law_links": []any{}}
	ed.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": int(rep["revision"].(float64)), "content": content})
	if visibility != "" {
		ap.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": visibility})
	}
	return id
}

// validateWithFrictionless checks a release's zip with the Frictionless
// reference implementation for JavaScript (npm datapackage, pinned in
// .ci/run, which sets CYBERNORMS_FRICTIONLESS to its node_modules folder):
// .ci/validate-datapackage.js reads every file cast to its schema, with
// primary and foreign keys checked.
func validateWithFrictionless(t *testing.T, zipBody []byte) {
	t.Helper()
	modules := os.Getenv("CYBERNORMS_FRICTIONLESS")
	if modules == "" {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") != "" {
			t.Fatal("CYBERNORMS_FRICTIONLESS is not set: the release cannot be validated by the Frictionless implementation")
		}
		t.Log("not validated by the Frictionless implementation: set CYBERNORMS_FRICTIONLESS to a node_modules folder holding npm datapackage@1.1.10")
		return
	}
	zipPath := filepath.Join(t.TempDir(), "release.zip")
	if err := os.WriteFile(zipPath, zipBody, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "../../.ci/validate-datapackage.js", zipPath)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("the Frictionless implementation refuses the release: %v\n%s", err, out)
	}
}

// secrets are texts that must never reach a dataset, feed or release.
var secrets = []string{"SECRET-KEN-measure", "DRAFT-DEU-measure", "Position of SECRET", "Position of DRAFT"}

func TestOpenData(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec, public := newAPI(t, rig, secU), newAPI(t, rig, nil)
		fraAp := newAPI(t, rig, rig.User(t, auth.RoleStateApprover, "FRA"))
		kenAp := newAPI(t, rig, rig.User(t, auth.RoleStateApprover, "KEN"))
		deuAp := newAPI(t, rig, rig.User(t, auth.RoleStateApprover, "DEU"))
		c := sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2026", "opens_on": day(-24 * time.Hour), "due_on": day(30 * 24 * time.Hour), "closes_on": day(60 * 24 * time.Hour)})
		cycle := c["id"].(string)
		fraReport := report(t, fraAp, fraAp, cycle, "public", "Public cyber act", "National CSIRT")
		report(t, kenAp, kenAp, cycle, "confidential", "SECRET-KEN-measure")
		report(t, deuAp, deuAp, cycle, "", "DRAFT-DEU-measure")

		noSecrets := func(t *testing.T, where, body string) {
			t.Helper()
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s shows %q", where, s)
				}
			}
		}

		t.Run("the catalogue lists every dataset with schema.org JSON-LD", func(t *testing.T) {
			body, _ := public.get(t, "/data", 200)
			for _, want := range []string{"/data/datasets/measures", "/data/files/measures.csv", "/data/feeds/report-versions.atom", `"@type":"DataCatalog"`, "CC-BY-4.0", "/data/datapackage.json"} {
				if !strings.Contains(body, want) {
					t.Errorf("the catalogue lacks %s", want)
				}
			}
			noSecrets(t, "the catalogue", body)
			cb, _ := public.get(t, "/data/datasets/measures", 200)
			if !strings.Contains(cb, "measure_key") || !strings.Contains(cb, "capacity_building") {
				t.Error("the codebook lacks its columns or enumerations")
			}
			public.get(t, "/data/datasets/nonesuch", 404)
			dcat, h := public.get(t, "/data/catalog.jsonld", 200)
			if !strings.HasPrefix(h.Get("Content-Type"), "application/ld+json") || !strings.Contains(dcat, `"dcat:Catalog"`) {
				t.Errorf("the DCAT catalogue: %s %.200s", h.Get("Content-Type"), dcat)
			}
		})

		t.Run("files hold only public rows, typed", func(t *testing.T) {
			csv, h := public.get(t, "/data/files/measures.csv", 200)
			if !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv, "id,measure_key,report_id,version,current_version,") {
				t.Fatalf("measures.csv: %s %.200s", h.Get("Content-Type"), csv)
			}
			if !strings.Contains(csv, "Public cyber act") || strings.Count(csv, "\r\n") != 3 {
				t.Errorf("measures.csv should hold the header and France's two measures:\n%s", csv)
			}
			noSecrets(t, "measures.csv", csv)
			jl, _ := public.get(t, "/data/files/report-versions.jsonl", 200)
			lines := strings.Split(strings.TrimSpace(jl), "\n")
			if len(lines) != 1 {
				t.Fatalf("report-versions.jsonl: %d lines, want 1:\n%s", len(lines), jl)
			}
			var row map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &row); err != nil {
				t.Fatal(err)
			}
			if row["report_id"] != fraReport || row["version"] != 1.0 || row["current_version"] != true || row["state_iso3"] != "FRA" {
				t.Errorf("report-versions row: %v", row)
			}
			if _, err := time.Parse("2006-01-02T15:04:05Z", row["submitted_at"].(string)); err != nil {
				t.Errorf("submitted_at is not a Table Schema datetime: %v", err)
			}
			public.get(t, "/data/files/measures.xlsx", 404)
			public.get(t, "/data/files/nonesuch.csv", 404)
		})

		t.Run("the data package is valid and matches its files", func(t *testing.T) {
			body, _ := public.get(t, "/data/datapackage.json", 200)
			var pkg map[string]any
			if err := json.Unmarshal([]byte(body), &pkg); err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, r := range pkg["resources"].([]any) {
				p := r.(map[string]any)["path"].(string)
				b, _ := public.get(t, "/data/"+p, 200)
				files[p] = []byte(b)
			}
			for _, e := range validatePackage(pkg, files) {
				t.Error(e)
			}
		})

		t.Run("change feeds filter, validate and answer conditional requests", func(t *testing.T) {
			body, h := public.get(t, "/data/feeds/report-versions.atom?state=FRA", 200)
			var f struct {
				XMLName xml.Name
				Entries []struct {
					Title string `xml:"title"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal([]byte(body), &f); err != nil || f.XMLName.Space != "http://www.w3.org/2005/Atom" || len(f.Entries) != 1 {
				t.Fatalf("the FRA feed: %v %v\n%s", err, f.XMLName, body)
			}
			noSecrets(t, "the feed", body)
			kenya, _ := public.get(t, "/data/feeds/report-versions.atom?state_iso3=KEN", 200)
			if strings.Contains(kenya, "<entry>") {
				t.Error("Kenya's confidential report is in its feed")
			}
			etag := h.Get("ETag")
			resp := public.do(t, "GET", "/data/feeds/report-versions.atom?state=FRA", nil, map[string]string{"If-None-Match": etag})
			testrig.Body(resp)
			if etag == "" || resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match %q: %d, want 304", etag, resp.StatusCode)
			}
			resp = public.do(t, "GET", "/data/feeds/report-versions.atom?state=FRA", nil, map[string]string{"If-Modified-Since": h.Get("Last-Modified")})
			testrig.Body(resp)
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-Modified-Since: %d, want 304", resp.StatusCode)
			}
			js, _ := public.get(t, "/data/feeds/measures.json?norm=gge2015-c", 200)
			var jf map[string]any
			if err := json.Unmarshal([]byte(js), &jf); err != nil || len(jf["items"].([]any)) != 2 {
				t.Errorf("the JSON feed: %v %s", err, js)
			}
			public.get(t, "/data/feeds/report-versions.atom?colour=blue", 400)
			public.get(t, "/data/feeds/recommendations.atom", 404)
		})

		t.Run("the API describes every dataset", func(t *testing.T) {
			l := public.must(t, 200, "GET", "/api/v1/datasets", nil)
			if len(l["items"].([]any)) < 4 {
				t.Errorf("datasets: %v", l)
			}
			d := public.must(t, 200, "GET", "/api/v1/datasets/measures", nil)
			if d["rows"] != 2.0 {
				t.Errorf("measures rows: %v", d["rows"])
			}
			public.must(t, 404, "GET", "/api/v1/datasets/nonesuch", nil)
		})

		t.Run("releases are dated, immutable, citable and say what changed", func(t *testing.T) {
			public.must(t, 401, "POST", "/api/v1/data-releases", nil)
			fraAp.must(t, 403, "POST", "/api/v1/data-releases", nil)
			public.get(t, "/data/releases/latest", 404)
			r1 := sec.must(t, 201, "POST", "/api/v1/data-releases", nil)
			v1 := r1["version"].(string)
			if v1 != time.Now().UTC().Format("2006-01-02") || !strings.Contains(r1["citation"].(string), "/data/releases/"+v1) {
				t.Errorf("release: %v", r1)
			}
			resp := public.do(t, "GET", "/data/releases/latest/download", nil, nil)
			testrig.Body(resp)
			if resp.StatusCode != http.StatusFound || !strings.HasSuffix(resp.Header.Get("Location"), "/data/releases/"+v1+"/download") {
				t.Errorf("latest: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			zipBody, h := public.get(t, "/data/releases/"+v1+"/download", 200)
			if h.Get("ETag") != `"`+r1["sha256"].(string)+`"` {
				t.Errorf("ETag %s, sha256 %s", h.Get("ETag"), r1["sha256"])
			}
			zr, err := zip.NewReader(bytes.NewReader([]byte(zipBody)), int64(len(zipBody)))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = b
				noSecrets(t, "the release's "+f.Name, string(b))
			}
			var pkg map[string]any
			if err := json.Unmarshal(files["datapackage.json"], &pkg); err != nil {
				t.Fatal(err)
			}
			for _, e := range validatePackage(pkg, files) {
				t.Error(e)
			}
			if !strings.Contains(string(files["README.txt"]), "How to cite") {
				t.Error("README.txt lacks how to cite")
			}
			if cff := string(files["CITATION.cff"]); !strings.Contains(cff, "cff-version: 1.2.0") || !strings.Contains(cff, `version: "`+v1+`"`) || !strings.Contains(cff, "license: CC-BY-4.0") {
				t.Errorf("CITATION.cff:\n%s", cff)
			}
			if id, _ := pkg["id"].(string); !strings.HasSuffix(id, "/data/releases/"+v1) {
				t.Errorf("the release's datapackage.json id is %q, not its address", id)
			}
			validateWithFrictionless(t, []byte(zipBody))
			page, _ := public.get(t, "/data/releases/"+v1, 200)
			if !strings.Contains(page, r1["citation"].(string)) {
				t.Error("the release page lacks the citation")
			}
			// A second release after a correction: one row changed and one
			// added in report-versions (version 2), measures re-copied.
			fraAp.must(t, 200, "POST", "/api/v1/reports/"+fraReport+"/reopen", map[string]any{"note": "typo"})
			fraAp.must(t, 201, "POST", "/api/v1/reports/"+fraReport+"/submit", map[string]any{"visibility": "public"})
			r2 := sec.must(t, 201, "POST", "/api/v1/data-releases", nil)
			if r2["version"] != v1+".2" {
				t.Errorf("second release of the day: %v", r2["version"])
			}
			for _, ch := range r2["changes"].([]any) {
				c := ch.(map[string]any)
				if c["dataset"] == "report-versions" && (c["added"] != 1.0 || c["changed"] != 1.0 || c["withdrawn"] != 0.0) {
					t.Errorf("report-versions changes: %v", c)
				}
			}
			l := public.must(t, 200, "GET", "/api/v1/data-releases", nil)
			if len(l["items"].([]any)) != 2 {
				t.Errorf("releases: %v", l)
			}
			public.must(t, 404, "GET", "/api/v1/data-releases/1999-01-01", nil)
			public.get(t, "/data/releases", 200)
		})
	})
}

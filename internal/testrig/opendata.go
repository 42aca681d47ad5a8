package testrig

import (
	"strings"
	"testing"
)

// OpenData downloads, as the public does, everything a module publishes in
// the open-data release: for each of its datasets the CSV file, the JSON
// Lines file and, when it has one, the Atom change feed, joined into one
// text per dataset name. A module's test searches it for what must never
// be published (drafts, confidential rows) and for what must be. It fails
// the test when the module registers no dataset.
func (r *Rig) OpenData(t testing.TB, module string) map[string]string {
	t.Helper()
	c := r.Anonymous(t)
	out := map[string]string{}
	for _, d := range r.App.OpenData.All() {
		if d.Module != module {
			continue
		}
		var b strings.Builder
		b.WriteString(c.GetBody(t, "/data/files/"+d.Name+".csv"))
		b.WriteString("\n")
		b.WriteString(c.GetBody(t, "/data/files/"+d.Name+".jsonl"))
		if d.Feed != nil {
			b.WriteString("\n")
			b.WriteString(c.GetBody(t, "/data/feeds/"+d.Name+".atom"))
		}
		out[d.Name] = b.String()
	}
	if len(out) == 0 {
		t.Fatalf("module %s has no open dataset", module)
	}
	return out
}

// CheckOpenData fails the test for every secret found in a module's open
// data, and for every expected text missing from it (files as OpenData
// returns them).
func CheckOpenData(t testing.TB, files map[string]string, secrets []string, expected []string) {
	t.Helper()
	var all strings.Builder
	for name, body := range files {
		all.WriteString(body)
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("open dataset %s publishes %q", name, s)
			}
		}
	}
	for _, e := range expected {
		if !strings.Contains(all.String(), e) {
			t.Errorf("no open dataset holds %q", e)
		}
	}
}

package actors

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, q := range []string{"G0007", "g0007", "APT28", "apt28", " Fancy  Bear ", "Sofacy"} {
		g, ok := Lookup(q)
		if !ok || g.ID != "G0007" || g.Name != "APT28" {
			t.Errorf("Lookup(%q) = %+v, %v", q, g, ok)
		}
	}
	if g, ok := Lookup("Lazarus Group"); !ok || g.ID != "G0032" {
		t.Errorf("Lazarus Group = %+v", g)
	}
	for _, q := range []string{"", "G9999", "Nobody Bear", "APT34" /* revoked into OilRig's G0049 */} {
		if g, ok := Lookup(q); ok && q != "APT34" {
			t.Errorf("Lookup(%q) found %+v", q, g)
		} else if ok && g.ID == "G0057" {
			t.Errorf("the revoked group G0057 is listed")
		}
	}
}

func TestDataIsWhole(t *testing.T) {
	all := All()
	if len(all) < 150 {
		t.Fatalf("only %d groups", len(all))
	}
	if !strings.Contains(Notice(), "MITRE") || Version() == "" {
		t.Errorf("notice %q version %q", Notice(), Version())
	}
	for _, g := range all {
		if !strings.HasPrefix(g.STIXID, "intrusion-set--") || !strings.HasPrefix(g.URL, "https://attack.mitre.org/groups/G") {
			t.Errorf("%+v", g)
		}
	}
	a := All()
	a[0].Aliases = append(a[0].Aliases, "x")
	if len(All()[0].Aliases) == len(a[0].Aliases) {
		t.Error("All shares its slices")
	}
}

package vep

import (
	"testing"
)

func TestParseCVSS(t *testing.T) {
	for _, c := range []struct {
		in      string
		version string
		score   float64
		sev     string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8, "CRITICAL"},
		{"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "3.1", 1.8, "LOW"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3, "CRITICAL"},
	} {
		got, err := ParseCVSS(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got.Version != c.version || got.Score != c.score || got.Severity != c.sev {
			t.Errorf("%s: got %+v", c.in, got)
		}
	}
	for _, bad := range []string{"", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L", "CVSS:4.0/AV:N/AC:L", "CVSS:2.0/AV:N/AC:L/Au:N/C:C/I:C/A:C"} {
		if _, err := ParseCVSS(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseCVSS(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCVSS(s)
		if err == nil && (c.Score < 0 || c.Score > 10) {
			t.Fatalf("%q scored %v", s, c.Score)
		}
	})
}

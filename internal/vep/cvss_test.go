package vep

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
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

// FuzzEntryValidate feeds arbitrary text to every field of an entry: the
// validation never panics, and a refusal is always a 422 naming a field
// without echoing the input.
func FuzzEntryValidate(f *testing.F) {
	f.Add("Router", "Acme", "CVE-2024-12345", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "partner", "2024-01-02", "retain", "2024-01-03", "why")
	f.Add("", "\x00", "CVE-1-1", "CVSS:4.0/", "x", "2024-13-40", "sell", "", "")
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, product, vendor, cve, vector, how, found, decision, decided, why string) {
		in := EntryInput{Product: product, Vendor: vendor, CVE: cve, CVSSVector: vector, FoundHow: how, FoundOn: found, Decision: decision, DecidedOn: decided, Justification: map[string]string{}}
		for _, c := range Justified {
			in.Justification[c] = why
		}
		_, err := in.validate(today)
		if err == nil {
			return
		}
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status != 422 || ae.Field == "" {
			t.Fatalf("refusal %v", err)
		}
		if len(product) > 8 && strings.Contains(ae.Message, product) {
			t.Fatalf("the message echoes the product: %q", ae.Message)
		}
	})
}

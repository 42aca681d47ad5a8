package bulletin

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

func TestCanSee(t *testing.T) {
	org := &auth.User{ID: "u1", Role: auth.RoleStakeholder, OrgID: "o1"}
	other := &auth.User{ID: "u2", Role: auth.RoleStakeholder, OrgID: "o2"}
	official := &auth.User{ID: "u3", Role: auth.RoleStateEditor, StateISO3: "KEN"}
	sec := &auth.User{ID: "u4", Role: auth.RoleSecretariat}
	disabled := &auth.User{ID: "u5", Role: auth.RoleStakeholder, OrgID: "o2", Disabled: true}
	cases := []struct {
		name string
		u    *auth.User
		tlp  stix.TLP
		want bool
	}{
		{"the public sees CLEAR", nil, stix.TLPClear, true},
		{"the public does not see GREEN", nil, stix.TLPGreen, false},
		{"an official sees GREEN", official, stix.TLPGreen, true},
		{"an official sees AMBER", official, stix.TLPAmber, true},
		{"an official does not see AMBER+STRICT", official, stix.TLPAmberStrict, false},
		{"another organisation sees AMBER", other, stix.TLPAmber, true},
		{"another organisation does not see AMBER+STRICT", other, stix.TLPAmberStrict, false},
		{"the contributing organisation sees AMBER+STRICT", org, stix.TLPAmberStrict, true},
		{"the secretariat sees AMBER+STRICT", sec, stix.TLPAmberStrict, true},
		{"the contributing organisation does not see RED on a shared channel", org, stix.TLPRed, false},
		{"the secretariat does not see RED on a shared channel", sec, stix.TLPRed, false},
		{"a disabled account is the public", disabled, stix.TLPGreen, false},
		{"an unknown label is seen by nobody", sec, stix.TLP("purple"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := &Item{TLP: c.tlp, OrgID: "o1"}
			if got := CanSee(c.u, it); got != c.want {
				t.Errorf("CanSee = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseQuarter(t *testing.T) {
	for _, c := range []struct {
		in      string
		y, q    int
		wantErr bool
	}{
		{"2026 Q4", 2026, 4, false}, {"2026-q1", 2026, 1, false}, {" 2027 q2 ", 2027, 2, false},
		{"2026 Q5", 0, 0, true}, {"Q4 2026", 0, 0, true}, {"2026 Q4 extra", 0, 0, true}, {"1999 Q1", 0, 0, true}, {"", 0, 0, true},
	} {
		t.Run(c.in, func(t *testing.T) {
			y, q, err := ParseQuarter(c.in)
			if (err != nil) != c.wantErr || y != c.y || q != c.q {
				t.Errorf("ParseQuarter(%q) = %d, %d, %v", c.in, y, q, err)
			}
		})
	}
}

func TestIssueBundleIsDeterministicAndNeverAboveTheAudience(t *testing.T) {
	now := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	is := &Issue{ID: "01J0ISSUE", Year: 2026, Quarter: 4, Revision: 1, Title: "B", Sections: Kinds}
	items := []*Item{
		{ID: "a", Kind: KindActor, Title: "A", Summary: "s", TLP: stix.TLPGreen, Techniques: []string{"T1566"}, CreatedAt: now, UpdatedAt: now},
		{ID: "b", Kind: KindMitigation, Title: "M", Summary: "s", TLP: stix.TLPClear, Techniques: []string{"T1566"}, CreatedAt: now, UpdatedAt: now},
		{ID: "c", Kind: KindTrend, Title: "R", Summary: "s", TLP: stix.TLPRed, CreatedAt: now, UpdatedAt: now},
		{ID: "d", Kind: KindThreat, Title: "S", Summary: "s", TLP: stix.TLPAmberStrict, CreatedAt: now, UpdatedAt: now},
	}
	for _, aud := range []string{AudiencePublic, AudienceMembers} {
		b1, err := IssueBundle(is, items, aud)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := IssueBundle(is, items, aud)
		j1, err := stix.MarshalBundle(b1)
		if err != nil {
			t.Fatalf("%s: %v", aud, err)
		}
		j2, _ := stix.MarshalBundle(b2)
		if string(j1) != string(j2) {
			t.Errorf("%s: two exports differ", aud)
		}
		if _, err := stix.ParseBundle(j1); err != nil {
			t.Errorf("%s: the export does not parse: %v", aud, err)
		}
		for _, o := range b1.Objects {
			if tlp, ok := stix.ObjectTLP(o); ok && !tlp.AtMost(audienceMax(aud)) {
				t.Errorf("%s: %s is %s", aud, o.ID(), tlp)
			}
		}
		if strings.Contains(string(j1), `"R"`) || strings.Contains(string(j1), `"S"`) {
			t.Errorf("%s: RED or AMBER+STRICT content in the bundle", aud)
		}
	}
}

// FuzzItemInput: no input makes validation panic, and what it accepts is
// within the limits it promises.
func FuzzItemInput(f *testing.F) {
	f.Add("threat", "Title", "Summary", "clear", "T1566,t1059.001", "energy", "FRA", "https://example.org")
	f.Add("mitigation", "", "x", "TLP:AMBER+STRICT", "T9999", "nope", "xxx", "javascript:x")
	f.Fuzz(func(t *testing.T, kind, title, summary, tlp, techs, sectors, states, refs string) {
		in := ItemInput{Kind: kind, Title: title, Summary: summary, TLP: tlp, Techniques: ParseList(techs), Sectors: ParseList(sectors), States: ParseList(states), References: ParseList(refs)}
		it, err := in.validate(func(string) bool { return true })
		if err != nil {
			return
		}
		if !it.Kind.Valid() || !it.TLP.Valid() || it.Title == "" || utf8.RuneCountInString(it.Title) > 200 {
			t.Fatalf("accepted %+v", it)
		}
		for _, r := range it.References {
			if u, err := url.Parse(r); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				t.Fatalf("accepted reference %q", r)
			}
		}
	})
}

// FuzzParseAddress: an accepted address never carries a line break or a
// display name.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"a@example.org", "A <a@example.org>", "a@b", "a@example.org\r\nBcc: x@y.z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(a, "\r\n<> ") || !strings.Contains(a, "@") || a != strings.ToLower(a) {
			t.Fatalf("accepted %q as %q", s, a)
		}
	})
}

// FuzzTAXIIQuery: the filter parser never panics and bounds the page.
func FuzzTAXIIQuery(f *testing.F) {
	f.Add("limit=5&next=10&match[type]=report&added_after=2026-01-01T00:00:00Z")
	f.Add("match[version]=all&match[id]=x,y&limit=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseTAXIIQuery(v)
		if err == nil && (q.Limit < 1 || q.Limit > MaxTAXIIPage || q.Next < 0) {
			t.Fatalf("accepted %+v", q)
		}
	})
}

// eventAttr is an event-handler attribute inside a tag.
var eventAttr = regexp.MustCompile(`<[^>]*\son[a-z]+\s*=`)

// FuzzMarkdown: rendered markdown never carries a script or an event handler.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**b** [l](javascript:alert(1))", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](  JaVaScRiPt:alert(1))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := strings.ToLower(string(Markdown(s)))
		if strings.Contains(out, "<script") || eventAttr.MatchString(out) || strings.Contains(out, "href=\"javascript:") {
			t.Fatalf("unsafe output %q for %q", out, s)
		}
	})
}

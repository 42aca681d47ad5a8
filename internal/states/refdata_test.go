package states

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestAllHas193MembersAnd2Observers(t *testing.T) {
	var members, observers int
	for _, s := range All() {
		if s.Observer {
			observers++
		} else {
			members++
		}
	}
	if members != 193 || observers != 2 {
		t.Errorf("got %d Member States and %d observers, want 193 and 2", members, observers)
	}
}

func TestRegionalGroupsHaveTheirDGACMSizes(t *testing.T) {
	want := map[Group]int{
		GroupAfrican:     54,
		GroupAsiaPacific: 54,
		GroupEastern:     23,
		GroupLatin:       33,
		GroupWEOG:        29, // 28 members and the United States
	}
	got := map[Group]int{}
	for _, s := range All() {
		if !s.Observer {
			got[s.Group]++
		}
	}
	for g, n := range want {
		if got[g] != n {
			t.Errorf("%s has %d Member States, want %d", g, got[g], n)
		}
	}
	if got[GroupNone] != 0 {
		t.Errorf("%d Member States are in no group, want 0", got[GroupNone])
	}
}

func TestSpecialCasesAreRecorded(t *testing.T) {
	tests := []struct {
		name     string
		iso3     string
		group    Group
		observer bool
		note     string // a fragment the group note must contain; "" means no note
	}{
		{"the United States counts with WEOG as an observer of the group", "USA", GroupWEOG, false, "electoral purposes"},
		{"Israel is a full member of WEOG", "ISR", GroupWEOG, false, "full member"},
		{"Türkiye counts with WEOG and sits in both groups", "TUR", GroupWEOG, false, "Asia-Pacific"},
		{"Kiribati is listed with Asia-Pacific by DGACM", "KIR", GroupAsiaPacific, false, "no regional group"},
		{"Palestine is an observer in the Asia-Pacific Group", "PSE", GroupAsiaPacific, true, "observer"},
		{"the Holy See is an observer in no group", "VAT", GroupNone, true, "not a member of any regional group"},
		{"France is an ordinary WEOG member", "FRA", GroupWEOG, false, ""},
		{"Cyprus is in the Asia-Pacific Group", "CYP", GroupAsiaPacific, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := ByISO3(tt.iso3)
			if !ok {
				t.Fatalf("ByISO3(%q) found nothing", tt.iso3)
			}
			if s.Group != tt.group || s.Observer != tt.observer {
				t.Errorf("group %q observer %v, want %q %v", s.Group, s.Observer, tt.group, tt.observer)
			}
			if tt.note == "" && s.GroupNote != "" {
				t.Errorf("unexpected group note %q", s.GroupNote)
			}
			if !strings.Contains(s.GroupNote, tt.note) {
				t.Errorf("group note %q does not mention %q", s.GroupNote, tt.note)
			}
		})
	}
}

func TestNamesInTheSixLanguages(t *testing.T) {
	tests := []struct {
		iso3, lang, want string
	}{
		{"FRA", "fr", "France"},
		{"FRA", "en", "France"},
		{"CHN", "zh", "中国"},
		{"CHN", "en", "China"},
		{"TUR", "en", "Türkiye"},
		{"CIV", "en", "Côte d'Ivoire"},
		{"KOR", "en", "Republic of Korea"},
		{"RUS", "ru", "Российская Федерация"},
		{"CHN", "ru", "Китай"},
		{"VAT", "fr", "Saint-Siège"},
		{"EGY", "ar", "مصر"},
		{"ESP", "es", "España"},
		{"DEU", "de", "Germany"}, // not a UN language: falls back to English
		{"DEU", "", "Germany"},
	}
	for _, tt := range tests {
		t.Run(tt.iso3+" in "+tt.lang, func(t *testing.T) {
			s, ok := ByISO3(tt.iso3)
			if !ok {
				t.Fatalf("ByISO3(%q) found nothing", tt.iso3)
			}
			if got := s.Name(tt.lang); got != tt.want {
				t.Errorf("Name(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

func TestByISO3IgnoresCase(t *testing.T) {
	tests := []struct {
		code   string
		want   string // ISO2 of the State found, "" when none
		wantOK bool
	}{
		{"USA", "US", true},
		{"usa", "US", true},
		{"Vat", "VA", true},
		{"TWN", "", false}, // not a UN Member or observer State
		{"XK", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			s, ok := ByISO3(tt.code)
			if ok != tt.wantOK || s.ISO2 != tt.want {
				t.Errorf("ByISO3(%q) = %q, %v; want %q, %v", tt.code, s.ISO2, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAllIsSortedByEnglishName(t *testing.T) {
	all := All()
	for i := 1; i < len(all); i++ {
		if sortKey(all[i-1].Name("en")) > sortKey(all[i].Name("en")) {
			t.Errorf("%q comes before %q", all[i-1].Name("en"), all[i].Name("en"))
		}
	}
	// Accented names sort by their base letters, as in UN lists.
	pos := map[string]int{}
	for i, s := range all {
		pos[s.ISO3] = i
	}
	if !(pos["CRI"] < pos["CIV"] && pos["CIV"] < pos["HRV"]) {
		t.Error("Côte d'Ivoire is not between Costa Rica and Croatia")
	}
	if !(pos["TUN"] < pos["TUR"] && pos["TUR"] < pos["TKM"]) {
		t.Error("Türkiye is not between Tunisia and Turkmenistan")
	}
}

func TestAllReturnsACopy(t *testing.T) {
	a := All()
	a[0].Names["en"] = "changed"
	a[0].ISO3 = "ZZZ"
	b := All()
	if b[0].Names["en"] == "changed" || b[0].ISO3 == "ZZZ" {
		t.Error("changing the result of All changed the registry")
	}
	s, _ := ByISO3("FRA")
	s.Names["fr"] = "changed"
	if s, _ := ByISO3("FRA"); s.Names["fr"] != "France" {
		t.Error("changing the result of ByISO3 changed the registry")
	}
}

func TestGroupsHaveLabels(t *testing.T) {
	for _, s := range All() {
		if !s.Group.Valid() || s.Group.Label() == string(s.Group) {
			t.Errorf("%s has group %q without a label", s.ISO3, s.Group)
		}
	}
	if got := Group("nordic").Label(); got != "nordic" {
		t.Errorf("unknown group label = %q, want it unchanged", got)
	}
}

// validState is a well-formed State that the rejection tests change one field at a time.
func validState() map[string]any {
	return map[string]any{
		"iso2": "FR", "iso3": "FRA", "numeric": "250",
		"names": map[string]any{
			"ar": "فرنسا", "zh": "法国", "en": "France", "fr": "France", "ru": "Франция", "es": "Francia",
		},
		"group": "weog", "observer": false,
	}
}

func encodeDoc(t testing.TB, states ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"states": states})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseStatesRejectsInvalidData(t *testing.T) {
	with := func(key string, v any) map[string]any {
		s := validState()
		s[key] = v
		return s
	}
	withName := func(lang string, v any) map[string]any {
		s := validState()
		s["names"].(map[string]any)[lang] = v
		return s
	}
	withoutName := func(lang string) map[string]any {
		s := validState()
		delete(s["names"].(map[string]any), lang)
		return s
	}
	other := validState()
	other["iso2"], other["iso3"], other["numeric"] = "DE", "DEU", "276"

	tests := []struct {
		name string
		data []byte
		want error // nil: any error will do
	}{
		{"empty input", nil, nil},
		{"not JSON", []byte("states"), nil},
		{"an empty list", []byte(`{"states":[]}`), ErrNoStates},
		{"no list at all", []byte(`{}`), ErrNoStates},
		{"a lower-case alpha-2 code", encodeDoc(t, with("iso2", "fr")), ErrBadCode},
		{"a three-letter alpha-2 code", encodeDoc(t, with("iso2", "FRA")), ErrBadCode},
		{"a two-letter alpha-3 code", encodeDoc(t, with("iso3", "FR")), ErrBadCode},
		{"a non-ASCII alpha-3 code", encodeDoc(t, with("iso3", "FRÅ")), ErrBadCode},
		{"a two-digit numeric code", encodeDoc(t, with("numeric", "25")), ErrBadCode},
		{"a numeric code given as a number", encodeDoc(t, with("numeric", 250)), nil},
		{"a missing Arabic name", encodeDoc(t, withoutName("ar")), ErrMissingName},
		{"a blank Chinese name", encodeDoc(t, withName("zh", "  ")), ErrMissingName},
		{"a name in a seventh language", encodeDoc(t, withName("de", "Frankreich")), ErrUnknownLangKey},
		{"an unknown group", encodeDoc(t, with("group", "nordic")), ErrUnknownGroup},
		{"no group", encodeDoc(t, with("group", "")), ErrUnknownGroup},
		{"the same State twice", encodeDoc(t, validState(), validState()), ErrDuplicateCode},
		{"a reused numeric code", encodeDoc(t, validState(), func() map[string]any {
			s := validState()
			s["iso2"], s["iso3"] = "DE", "DEU"
			return s
		}()), ErrDuplicateCode},
		{"an unknown field", encodeDoc(t, with("capital", "Paris")), nil},
		{"a second document", append(encodeDoc(t, validState()), encodeDoc(t, other)...), ErrTrailingData},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			got, err := ParseStates(tt.data)
			if err == nil {
				t.Fatalf("accepted %d States", len(got))
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseStatesAcceptsValidData(t *testing.T) {
	other := validState()
	other["iso2"], other["iso3"], other["numeric"] = "DE", "DEU", "276"
	got, err := ParseStates(encodeDoc(t, validState(), other))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ISO3 != "FRA" || got[1].Name("de") != got[1].Name("en") {
		t.Errorf("got %+v", got)
	}
}

// checkStates verifies the rules ParseStates promises, independently of its code.
func checkStates(t *testing.T, states []State) {
	t.Helper()
	if len(states) == 0 {
		t.Fatal("accepted an empty list")
	}
	seen := map[string]bool{}
	for _, s := range states {
		for _, code := range []struct{ kind, v, charset string }{
			{"a2", s.ISO2, "AZ"}, {"a3", s.ISO3, "AZ"}, {"n", s.Numeric, "09"},
		} {
			want := map[string]int{"a2": 2, "a3": 3, "n": 3}[code.kind]
			if len(code.v) != want {
				t.Fatalf("accepted %s code %q", code.kind, code.v)
			}
			for _, c := range []byte(code.v) {
				if c < code.charset[0] || c > code.charset[1] {
					t.Fatalf("accepted %s code %q", code.kind, code.v)
				}
			}
			if seen[code.kind+code.v] {
				t.Fatalf("accepted duplicate %s code %q", code.kind, code.v)
			}
			seen[code.kind+code.v] = true
		}
		if len(s.Names) != 6 {
			t.Fatalf("accepted %d names for %s", len(s.Names), s.ISO3)
		}
		for _, lang := range []string{"ar", "zh", "en", "fr", "ru", "es"} {
			if strings.TrimSpace(s.Names[lang]) == "" {
				t.Fatalf("accepted a blank %s name for %s", lang, s.ISO3)
			}
		}
		switch s.Group {
		case "african", "asia-pacific", "eastern-european", "latin-american-caribbean", "weog", "none":
		default:
			t.Fatalf("accepted group %q", s.Group)
		}
	}
}

func TestEmbeddedDataIsValid(t *testing.T) {
	states, err := ParseStates(statesJSON)
	if err != nil {
		t.Fatal(err)
	}
	checkStates(t, states)
}

func FuzzParseStates(f *testing.F) {
	// A few real States as a seed: the whole embedded file is too large for the mutator to
	// make progress with, and TestEmbeddedDataIsValid covers it.
	embedded, err := ParseStates(statesJSON)
	if err != nil {
		f.Fatal(err)
	}
	seed, err := json.Marshal(map[string]any{"source": map[string]string{"d3-geo": "3.1.2"}, "states": embedded[:3]})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(encodeDoc(f, validState()))
	f.Add([]byte(`{"states":[{"iso2":"FR","iso3":"FRA","numeric":"250","names":{},"group":"weog"}]}`))
	f.Add([]byte(`{"states":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		states, err := ParseStates(data)
		if err != nil {
			if states != nil {
				t.Error("returned States with an error")
			}
			return
		}
		checkStates(t, states)
		// Whatever is accepted must survive a round trip unchanged.
		b, err := json.Marshal(map[string]any{"states": states})
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseStates(b)
		if err != nil {
			t.Fatalf("re-parsing accepted data: %v", err)
		}
		b2, _ := json.Marshal(map[string]any{"states": again})
		if !bytes.Equal(b, b2) {
			t.Error("round trip changed the data")
		}
	})
}

// InOrder lists the same States in the same order as Filter, in every
// language and group, and what it yields cannot change the next list.
func TestInOrderMatchesFilter(t *testing.T) {
	for _, lang := range append(slices.Clone(Languages), "de") {
		for _, g := range append([]GroupInfo{{Group: ""}}, Groups...) {
			want := Filter(g.Group, lang)
			var got []Entry
			for e := range InOrder(g.Group, lang) {
				got = append(got, e)
			}
			if len(got) != len(want) {
				t.Fatalf("%s %q: %d States, want %d", lang, g.Group, len(got), len(want))
			}
			for i, s := range want {
				e := got[i]
				if e.ISO3 != s.ISO3 || e.ISO2 != s.ISO2 || e.Numeric != s.Numeric || e.Name != s.Name(lang) || e.Group != s.Group || e.Observer != s.Observer {
					t.Fatalf("%s %q: entry %d is %+v, want %s", lang, g.Group, i, e, s.ISO3)
				}
			}
			got[0].Name = "changed"
		}
	}
	for e := range InOrder("", "en") {
		if e.Name == "changed" {
			t.Fatal("a caller changed the kept list")
		}
	}
}

package stix

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when in must be refused
	}{
		{"2026-03-31T12:00:00Z", "2026-03-31T12:00:00.000Z"},
		{"2026-03-31T12:00:00.1Z", "2026-03-31T12:00:00.100Z"},
		{"2026-03-31T12:00:00.123Z", "2026-03-31T12:00:00.123Z"},
		{"2023-07-21T13:08:30.508567Z", "2023-07-21T13:08:30.508567Z"},
		{"2026-03-31T12:00:00.123456789Z", "2026-03-31T12:00:00.123456789Z"},
		{"2026-03-31T12:00:00.1234567890Z", ""},
		{"2026-03-31T12:00:00+00:00", ""},
		{"2026-03-31T12:00:00.000z", ""},
		{"2026-03-31 12:00:00Z", ""},
		{"2026-03-31T24:00:00Z", ""},
		{"2026-13-01T00:00:00Z", ""},
		{"2026-03-31T12:00:00.Z", ""},
		{"2026-03-31", ""},
		{"", ""},
	}
	for _, tt := range tests {
		ts, err := ParseTimestamp(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseTimestamp(%q) accepted", tt.in)
		case tt.want != "" && err != nil:
			t.Errorf("ParseTimestamp(%q): %v", tt.in, err)
		case tt.want != "" && ts.String() != tt.want:
			t.Errorf("ParseTimestamp(%q).String() = %s, want %s", tt.in, ts, tt.want)
		}
	}
	local := time.Date(2026, 3, 31, 14, 0, 0, 123_456_789, time.FixedZone("CEST", 2*3600))
	if got := NewTimestamp(local).String(); got != "2026-03-31T12:00:00.123Z" {
		t.Errorf("NewTimestamp = %s", got)
	}
	if _, err := json.Marshal(Timestamp{}); err == nil {
		t.Error("a zero timestamp was written")
	}
}

func TestObjectAccessors(t *testing.T) {
	var o Object
	if err := json.Unmarshal([]byte(`{"z_last":1,"id":"note--f0c13633-c4ac-57db-9884-b58d2f38e55f","type":"note","labels":["a","b"],"mixed":["a",1],"nothing":null,"created":"2026-03-31T12:00:00Z"}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.Type() != "note" || o.ID() != "note--f0c13633-c4ac-57db-9884-b58d2f38e55f" {
		t.Errorf("Type, ID = %q, %q", o.Type(), o.ID())
	}
	if l, ok := o.Strings("labels"); !ok || strings.Join(l, ",") != "a,b" {
		t.Errorf("Strings(labels) = %v, %v", l, ok)
	}
	if _, ok := o.Strings("mixed"); ok {
		t.Error("a mixed list read as strings")
	}
	if _, ok := o.String("nothing"); ok {
		t.Error("null read as a string")
	}
	if ts, ok := o.Timestamp("created"); !ok || ts.String() != "2026-03-31T12:00:00.000Z" {
		t.Errorf("Timestamp(created) = %v, %v", ts, ok)
	}
	c := o.Clone()
	if err := c.Set("labels", []string{"c"}); err != nil {
		t.Fatal(err)
	}
	c.Delete("z_last")
	if l, _ := o.Strings("labels"); len(l) != 2 || !o.Has("z_last") {
		t.Error("changing a clone changed the original")
	}
	data, _ := json.Marshal(o)
	want := `{"type":"note","id":"note--f0c13633-c4ac-57db-9884-b58d2f38e55f","created":"2026-03-31T12:00:00Z","labels":["a","b"],"mixed":["a",1],"nothing":null,"z_last":1}`
	if string(data) != want {
		t.Errorf("MarshalJSON =\n%s\nwant\n%s", data, want)
	}
}

func TestObjectUnmarshalRefuses(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `{"a":1,"a":2}`, `{"a":1} {}`, `{"a":}`, `{`} {
		var o Object
		if err := o.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%s) accepted", in)
		}
	}
}

func TestValidateSingleObject(t *testing.T) {
	at := NewTimestamp(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC))
	ap := AttackPattern{Common: NewCommon(TypeAttackPattern, DeterministicID(TypeAttackPattern, SourceMitreAttack, "T1059.001"), at), Name: "PowerShell"}
	ap.ExternalReferences = []ExternalReference{MitreAttackReference("T1059.001", "https://attack.mitre.org/techniques/T1059/001")}
	if err := Validate(MustObject(ap)); err != nil {
		t.Fatalf("valid attack pattern refused: %v", err)
	}
	ap.Name = ""
	err := Validate(MustObject(ap))
	want := ap.ID + `: property "name": empty`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

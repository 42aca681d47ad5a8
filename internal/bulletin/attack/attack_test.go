package attack

import (
	"slices"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		id       string
		name     string
		fullName string
		parent   string
		tactic   string
		url      string
	}{
		{"T1566", "Phishing", "Phishing", "", "initial-access", "https://attack.mitre.org/techniques/T1566"},
		{"T1566.001", "Spearphishing Attachment", "Phishing: Spearphishing Attachment", "T1566", "initial-access", "https://attack.mitre.org/techniques/T1566/001"},
		{"T1059.001", "PowerShell", "Command and Scripting Interpreter: PowerShell", "T1059", "execution", "https://attack.mitre.org/techniques/T1059/001"},
		{" t1059.001 ", "PowerShell", "Command and Scripting Interpreter: PowerShell", "T1059", "execution", "https://attack.mitre.org/techniques/T1059/001"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, ok := Lookup(tt.id)
			if !ok {
				t.Fatal("not found")
			}
			if got.Name != tt.name || got.FullName() != tt.fullName || got.Parent != tt.parent || got.URL != tt.url {
				t.Errorf("got %+v (full name %q)", got, got.FullName())
			}
			if !slices.Contains(got.Tactics, tt.tactic) {
				t.Errorf("tactics %v lack %s", got.Tactics, tt.tactic)
			}
			if got.IsSubTechnique() != (tt.parent != "") {
				t.Errorf("IsSubTechnique = %v", got.IsSubTechnique())
			}
			if !Valid(tt.id) {
				t.Error("Valid = false")
			}
		})
	}
}

func TestRejects(t *testing.T) {
	for _, id := range []string{"T9999", "T9999.001", "T1566.999", "T1566.01", "1566", "TA0001", "M1049", "", "T1193" /* revoked */} {
		if Valid(id) {
			t.Errorf("Valid(%q) = true", id)
		}
		if _, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) found something", id)
		}
	}
}

func TestDataIsWholeAndConsistent(t *testing.T) {
	if v := Version(); v == "" || !strings.Contains(v, ".") {
		t.Errorf("Version = %q", v)
	}
	if !strings.Contains(Notice(), "MITRE") {
		t.Errorf("Notice = %q", Notice())
	}
	tactics := map[string]bool{}
	for _, tac := range Tactics() {
		tactics[tac.ShortName] = true
	}
	if len(tactics) != 14 {
		t.Errorf("%d tactics, want the 14 of Enterprise ATT&CK", len(tactics))
	}
	all := All()
	if len(all) < 600 {
		t.Fatalf("only %d techniques", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("All is not sorted by id")
	}
	for _, tech := range all {
		if tech.IsSubTechnique() && (!Valid(tech.Parent) || !strings.HasPrefix(tech.ID, tech.Parent+".")) {
			t.Errorf("%s: bad parent %q", tech.ID, tech.Parent)
		}
		for _, tac := range tech.Tactics {
			if !tactics[tac] {
				t.Errorf("%s: unknown tactic %q", tech.ID, tac)
			}
		}
	}
}

func TestResultsAreCopies(t *testing.T) {
	a, _ := Lookup("T1566")
	a.Tactics[0] = "changed"
	b, _ := Lookup("T1566")
	if b.Tactics[0] == "changed" {
		t.Error("Lookup shares its tactics slice")
	}
}

func TestSearch(t *testing.T) {
	ids := func(ts []Technique) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	tests := []struct {
		name    string
		prefix  string
		want    []string // must be contained
		notWant []string
	}{
		{"an id prefix gives the technique and its sub-techniques", "T1566", []string{"T1566", "T1566.001", "T1566.002"}, []string{"T1059"}},
		{"ids match without regard to case", "t1566.00", []string{"T1566.001"}, []string{"T1566"}},
		{"a word prefix of the name", "spear", []string{"T1566.001", "T1566.002"}, []string{"T1566"}},
		{"a later word of the name", "attach", []string{"T1566.001"}, nil},
		{"a name that starts with the prefix", "powershell", []string{"T1059.001"}, nil},
		{"nothing for an empty prefix", " ", nil, []string{"T1566"}},
		{"nothing for an unknown id", "T9999", nil, []string{"T1566"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(Search(tt.prefix))
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("Search(%q) = %v lacks %s", tt.prefix, got, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("Search(%q) contains %s", tt.prefix, w)
				}
			}
			if !slices.IsSorted(got) {
				t.Errorf("Search(%q) not sorted", tt.prefix)
			}
		})
	}
}

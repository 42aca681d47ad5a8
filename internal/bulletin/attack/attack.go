// Package attack is the MITRE ATT&CK Enterprise technique list, embedded so
// that the bulletin can check and name the techniques contributors cite
// (T1566, T1566.001) without any network access.
//
// The list is generated from MITRE's github.com/mitre/cti by
// scripts/attack/update.sh into
// data/enterprise-techniques.json; the file records the ATT&CK release
// ([Version]), the package it was built from and MITRE's attribution notice.
// Revoked and deprecated techniques are not in it.
package attack

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Technique is an ATT&CK Enterprise technique or sub-technique.
type Technique struct {
	// ID is the ATT&CK identifier: "T1566" or, for a sub-technique,
	// "T1566.001".
	ID string `json:"id"`
	// Name is ATT&CK's name: "Spearphishing Attachment" (see FullName).
	Name string `json:"name"`
	// Parent is the technique a sub-technique belongs to, or "".
	Parent string `json:"parent,omitempty"`
	// Tactics are the short names of the tactics the technique serves,
	// as in STIX kill_chain_phases: "initial-access".
	Tactics []string `json:"tactics"`
	// URL is the technique's page on attack.mitre.org.
	URL string `json:"url"`
}

// IsSubTechnique reports whether t is a sub-technique.
func (t Technique) IsSubTechnique() bool { return t.Parent != "" }

// FullName is the name as ATT&CK displays a sub-technique, with its parent:
// "Phishing: Spearphishing Attachment". For a technique it is Name.
func (t Technique) FullName() string {
	if t.Parent == "" {
		return t.Name
	}
	if p, ok := Lookup(t.Parent); ok {
		return p.Name + ": " + t.Name
	}
	return t.Name
}

// Tactic is an ATT&CK Enterprise tactic.
type Tactic struct {
	ID        string `json:"id"`        // "TA0001"
	ShortName string `json:"shortname"` // "initial-access"
	Name      string `json:"name"`      // "Initial Access"
}

//go:embed data/enterprise-techniques.json
var rawData []byte

// dataset is the parsed file; it is built once and never changed.
type dataset struct {
	Version    string      `json:"attack_version"`
	Notice     string      `json:"notice"`
	Tactics    []Tactic    `json:"tactics"`
	Techniques []Technique `json:"techniques"`
	byID       map[string]int
}

var load = sync.OnceValue(func() *dataset {
	var d dataset
	if err := json.Unmarshal(rawData, &d); err != nil {
		// The file is generated and tested; failing to read it is a build defect.
		panic(fmt.Sprintf("attack: embedded data: %v", err))
	}
	d.byID = make(map[string]int, len(d.Techniques))
	for i, t := range d.Techniques {
		d.byID[t.ID] = i
	}
	return &d
})

// Version returns the ATT&CK release the list comes from, e.g. "18.1".
func Version() string { return load().Version }

// Notice returns MITRE's attribution notice, to show wherever technique
// names are published.
func Notice() string { return load().Notice }

// normalize accepts the ways people type an id: " t1566.001 ".
func normalize(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// Lookup returns the technique with the given id. Ids are matched without
// regard to case or surrounding space.
func Lookup(id string) (Technique, bool) {
	d := load()
	i, ok := d.byID[normalize(id)]
	if !ok {
		return Technique{}, false
	}
	return clone(d.Techniques[i]), true
}

// Valid reports whether id names a current ATT&CK Enterprise technique or
// sub-technique.
func Valid(id string) bool {
	_, ok := load().byID[normalize(id)]
	return ok
}

// All returns every technique and sub-technique, sorted by id.
func All() []Technique {
	d := load()
	out := make([]Technique, len(d.Techniques))
	for i, t := range d.Techniques {
		out[i] = clone(t)
	}
	return out
}

// Tactics returns the Enterprise tactics, sorted by id.
func Tactics() []Tactic { return slices.Clone(load().Tactics) }

// Search returns the techniques whose id starts with prefix ("T1566" gives
// the technique and its sub-techniques) or one of whose name's words starts
// with it ("spear" finds the spearphishing techniques), ignoring case,
// sorted by id. An empty prefix matches nothing.
func Search(prefix string) []Technique {
	p := strings.ToLower(strings.TrimSpace(prefix))
	if p == "" {
		return nil
	}
	var out []Technique
	for _, t := range load().Techniques {
		if strings.HasPrefix(strings.ToLower(t.ID), p) || nameMatches(t.Name, p) {
			out = append(out, clone(t))
		}
	}
	return out
}

// nameMatches reports whether name, or one of its words, starts with p.
func nameMatches(name, p string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, p) {
		return true
	}
	for i := 1; i < len(n); i++ {
		if isSeparator(n[i-1]) && strings.HasPrefix(n[i:], p) {
			return true
		}
	}
	return false
}

func isSeparator(c byte) bool {
	return c == ' ' || c == '-' || c == '/' || c == '(' || c == ':'
}

// clone copies the tactics so callers cannot change the shared list.
func clone(t Technique) Technique {
	t.Tactics = slices.Clone(t.Tactics)
	return t
}

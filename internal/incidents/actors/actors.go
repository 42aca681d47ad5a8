// Package actors is MITRE ATT&CK's list of intrusion sets (threat groups),
// embedded so that the incidents module can link the initiators of an
// incident to a known group by its ATT&CK id (G0007) or any of its names
// and aliases, without network access.
//
// The list is generated from github.com/mitre/cti by
// scripts/attack/update.sh into data/intrusion-sets.json, together with the
// bulletin's technique list; the file records the ATT&CK release
// ([Version]), the commit it was built from and MITRE's attribution notice.
// Revoked and deprecated groups are not in it.
package actors

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Group is an ATT&CK intrusion set.
type Group struct {
	// ID is the ATT&CK group id, "G0007".
	ID string `json:"id"`
	// Name is ATT&CK's name for the group, "APT28".
	Name string `json:"name"`
	// Aliases are the other names ATT&CK records, without Name.
	Aliases []string `json:"aliases"`
	// STIXID is the id of the group's intrusion-set object in ATT&CK.
	STIXID string `json:"stix_id"`
	// URL is the group's page on attack.mitre.org.
	URL string `json:"url"`
}

//go:embed data/intrusion-sets.json
var rawData []byte

type dataset struct {
	Version string  `json:"attack_version"`
	Notice  string  `json:"notice"`
	Groups  []Group `json:"groups"`
	byID    map[string]int
	byName  map[string]int
}

var load = sync.OnceValue(func() *dataset {
	var d dataset
	if err := json.Unmarshal(rawData, &d); err != nil {
		panic(fmt.Sprintf("actors: embedded data: %v", err))
	}
	d.byID = make(map[string]int, len(d.Groups))
	d.byName = map[string]int{}
	for i, g := range d.Groups {
		d.byID[g.ID] = i
		// A name ATT&CK gives two groups as aliases is ambiguous; the
		// group's own name wins, then the first group by id.
		d.byName[fold(g.Name)] = i
	}
	for i, g := range d.Groups {
		for _, a := range g.Aliases {
			if _, taken := d.byName[fold(a)]; !taken {
				d.byName[fold(a)] = i
			}
		}
	}
	return &d
})

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Version is the ATT&CK release of the list, e.g. "18.1".
func Version() string { return load().Version }

// Notice is MITRE's attribution notice, to show wherever the list is used.
func Notice() string { return load().Notice }

// Lookup finds a group by its ATT&CK id ("g0007"), its name or one of its
// aliases ("Fancy Bear"), without regard to case or spacing.
func Lookup(s string) (Group, bool) {
	d := load()
	s = strings.TrimSpace(s)
	if i, ok := d.byID[strings.ToUpper(s)]; ok {
		return clone(d.Groups[i]), true
	}
	if i, ok := d.byName[fold(s)]; ok {
		return clone(d.Groups[i]), true
	}
	return Group{}, false
}

// All returns every group, sorted by id.
func All() []Group {
	d := load()
	out := make([]Group, len(d.Groups))
	for i, g := range d.Groups {
		out[i] = clone(g)
	}
	return out
}

func clone(g Group) Group {
	g.Aliases = slices.Clone(g.Aliases)
	return g
}

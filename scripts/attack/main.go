// Command attack converts a MITRE ATT&CK Enterprise data set into the small
// technique list that internal/bulletin/attack embeds
// (internal/bulletin/attack/data/enterprise-techniques.json).
//
// It reads either of two inputs, told apart by their shape:
//
//   - an official ATT&CK STIX 2.1 bundle (enterprise-attack.json or
//     enterprise-attack-<version>.json from MITRE's attack-stix-data), where
//     techniques are attack-pattern objects, tactics x-mitre-tactic objects
//     and the version is the x-mitre-collection's x_mitre_version;
//   - the ATT&CK knowledge-base file shipped in the npm package
//     @threatvectorsecurity/contextcypher
//     (server/data/security-knowledge-base/mitre-attack.json), a conversion
//     of ATT&CK whose "metadata.version" names the ATT&CK release and whose
//     techniques without a "domain" are the Enterprise ones.
//
// It also reads MITRE's own repository of ATT&CK in STIX 2.1, github.com/mitre/cti,
// which keeps one file per object: with -cti (a checkout, or the folder
// `git archive` wrote) it reads enterprise-attack/attack-pattern/,
// x-mitre-tactic/ and intrusion-set/, and writes both the technique list and
// the list of intrusion sets (threat groups, with their aliases and ATT&CK
// group ids) that internal/incidents embeds as its actors.
//
// Revoked and deprecated techniques and groups are dropped. Run it through
// update.sh, which takes the input from mitre/cti and records where it came
// from:
//
//	sh scripts/attack/update.sh [path to a mitre/cti clone or bare git directory]
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Technique is one entry of the output file.
type Technique struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Parent  string   `json:"parent,omitempty"`
	Tactics []string `json:"tactics"`
	URL     string   `json:"url"`
}

// Tactic is one Enterprise tactic of the output file.
type Tactic struct {
	ID        string `json:"id"`
	ShortName string `json:"shortname"`
	Name      string `json:"name"`
}

// Source records where the data came from.
type Source struct {
	Package   string `json:"package"`
	Version   string `json:"version"`
	Integrity string `json:"integrity,omitempty"`
	File      string `json:"file"`
	SHA256    string `json:"sha256"`
	Format    string `json:"format"`
}

// Output is the whole file.
type Output struct {
	ATTACKVersion string      `json:"attack_version"`
	Domain        string      `json:"domain"`
	Notice        string      `json:"notice"`
	GeneratedBy   string      `json:"generated_by"`
	Source        Source      `json:"source"`
	Tactics       []Tactic    `json:"tactics"`
	Techniques    []Technique `json:"techniques"`
}

// notice is the attribution MITRE's ATT&CK terms of use ask for.
const notice = "MITRE ATT&CK® data, © The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation (https://attack.mitre.org/resources/legal-and-branding/terms-of-use/)."

var (
	techniqueID = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	tacticID    = regexp.MustCompile(`^TA[0-9]{4}$`)
)

func main() {
	in := flag.String("in", "", "input file: an ATT&CK STIX bundle or the contextcypher knowledge-base file")
	out := flag.String("out", "internal/bulletin/attack/data/enterprise-techniques.json", "output file")
	pkg := flag.String("package", "", "npm package the input came from")
	version := flag.String("version", "", "version of that package")
	integrity := flag.String("integrity", "", "npm integrity of that package")
	file := flag.String("file", "", "path of the input inside the package")
	cti := flag.String("cti", "", "a mitre/cti tree (instead of -in): reads enterprise-attack/{attack-pattern,x-mitre-tactic,intrusion-set}/")
	attackVersion := flag.String("attack-version", "", "with -cti: the ATT&CK release of the tree, e.g. 18.1")
	commit := flag.String("commit", "", "with -cti: the mitre/cti commit the tree is from")
	groupsOut := flag.String("groups-out", "internal/incidents/actors/data/intrusion-sets.json", "with -cti: output file for the intrusion sets")
	flag.Parse()
	if *cti != "" {
		if err := fromCTI(*cti, *attackVersion, *commit, *out, *groupsOut); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *in == "" || *pkg == "" || *version == "" || *file == "" {
		flag.Usage()
		os.Exit(2)
	}

	data, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(data)
	o, err := convert(data)
	if err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	o.Notice = notice
	o.GeneratedBy = "scripts/attack/update.sh"
	o.Source.Package, o.Source.Version, o.Source.Integrity = *pkg, *version, *integrity
	o.Source.File, o.Source.SHA256 = *file, hex.EncodeToString(sum[:])
	if err := check(o); err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	if err := os.WriteFile(*out, encode(o), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: ATT&CK %s, %d tactics, %d techniques", *out, o.ATTACKVersion, len(o.Tactics), len(o.Techniques))
}

func convert(data []byte) (Output, error) {
	var probe struct {
		Type     string          `json:"type"`
		Metadata json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Output{}, err
	}
	switch {
	case probe.Type == "bundle":
		return fromSTIX(data)
	case probe.Metadata != nil:
		return fromKnowledgeBase(data)
	}
	return Output{}, errors.New("neither an ATT&CK STIX bundle nor a contextcypher knowledge-base file")
}

// fromSTIX reads MITRE's own STIX 2.1 bundle.
func fromSTIX(data []byte) (Output, error) {
	var bundle struct {
		Objects []struct {
			Type               string   `json:"type"`
			Name               string   `json:"name"`
			Revoked            bool     `json:"revoked"`
			Deprecated         bool     `json:"x_mitre_deprecated"`
			Domains            []string `json:"x_mitre_domains"`
			ShortName          string   `json:"x_mitre_shortname"`
			Version            string   `json:"x_mitre_version"`
			ExternalReferences []struct {
				SourceName string `json:"source_name"`
				ExternalID string `json:"external_id"`
				URL        string `json:"url"`
			} `json:"external_references"`
			KillChainPhases []struct {
				KillChainName string `json:"kill_chain_name"`
				PhaseName     string `json:"phase_name"`
			} `json:"kill_chain_phases"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		return Output{}, err
	}
	o := Output{Domain: "enterprise-attack"}
	o.Source.Format = "ATT&CK STIX 2.1 bundle"
	for _, obj := range bundle.Objects {
		if obj.Revoked || obj.Deprecated {
			continue
		}
		if len(obj.Domains) > 0 && !slices.Contains(obj.Domains, "enterprise-attack") {
			continue
		}
		var id, url string
		for _, r := range obj.ExternalReferences {
			if r.SourceName == "mitre-attack" {
				id, url = r.ExternalID, r.URL
			}
		}
		switch obj.Type {
		case "x-mitre-collection":
			o.ATTACKVersion = obj.Version
		case "x-mitre-tactic":
			o.Tactics = append(o.Tactics, Tactic{ID: id, ShortName: obj.ShortName, Name: obj.Name})
		case "attack-pattern":
			t := Technique{ID: id, Name: obj.Name, URL: url}
			for _, k := range obj.KillChainPhases {
				if k.KillChainName == "mitre-attack" {
					t.Tactics = append(t.Tactics, k.PhaseName)
				}
			}
			o.Techniques = append(o.Techniques, t)
		}
	}
	return finish(o), nil
}

// fromKnowledgeBase reads the contextcypher conversion of ATT&CK.
func fromKnowledgeBase(data []byte) (Output, error) {
	var kb struct {
		Metadata struct {
			Version string `json:"version"`
			Source  string `json:"source"`
		} `json:"metadata"`
		Techniques []struct {
			ID      string   `json:"id"`
			Name    string   `json:"name"`
			Domain  string   `json:"domain"`
			Tactics []string `json:"tactics"`
			URL     string   `json:"url"`
		} `json:"techniques"`
		Tactics []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"tactics"`
	}
	if err := json.Unmarshal(data, &kb); err != nil {
		return Output{}, err
	}
	o := Output{ATTACKVersion: kb.Metadata.Version, Domain: "enterprise-attack"}
	o.Source.Format = "contextcypher knowledge base (" + kb.Metadata.Source + ")"
	byName := map[string]string{}
	for _, t := range kb.Tactics {
		s := shortName(t.Name)
		byName[t.Name] = s
		o.Tactics = append(o.Tactics, Tactic{ID: t.ID, ShortName: s, Name: t.Name})
	}
	for _, t := range kb.Techniques {
		if t.Domain != "" { // mobile-attack and ics-attack entries
			continue
		}
		tech := Technique{ID: t.ID, Name: t.Name, URL: t.URL}
		for _, name := range t.Tactics {
			s, ok := byName[name]
			if !ok {
				return Output{}, fmt.Errorf("technique %s: unknown tactic %q", t.ID, name)
			}
			tech.Tactics = append(tech.Tactics, s)
		}
		o.Techniques = append(o.Techniques, tech)
	}
	return finish(o), nil
}

// shortName turns a tactic name into ATT&CK's x_mitre_shortname:
// "Command and Control" becomes "command-and-control".
func shortName(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), "-")
}

// finish sets parents, strips the "Parent: " prefix some sources put before
// sub-technique names, and sorts everything so the output is reproducible.
func finish(o Output) Output {
	names := map[string]string{}
	for _, t := range o.Techniques {
		if !strings.Contains(t.ID, ".") {
			names[t.ID] = t.Name
		}
	}
	tacticRank := map[string]string{}
	for _, t := range o.Tactics {
		tacticRank[t.ShortName] = t.ID
	}
	for i := range o.Techniques {
		t := &o.Techniques[i]
		if parent, _, ok := strings.Cut(t.ID, "."); ok {
			t.Parent = parent
			t.Name = strings.TrimPrefix(t.Name, names[parent]+": ")
		}
		t.URL = strings.TrimSuffix(t.URL, "/")
		slices.SortFunc(t.Tactics, func(a, b string) int { return strings.Compare(tacticRank[a], tacticRank[b]) })
		t.Tactics = slices.Compact(t.Tactics)
	}
	slices.SortFunc(o.Techniques, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(o.Tactics, func(a, b Tactic) int { return strings.Compare(a.ID, b.ID) })
	return o
}

// check refuses output that is clearly wrong rather than embed it.
func check(o Output) error {
	if o.ATTACKVersion == "" {
		return errors.New("no ATT&CK version found")
	}
	if len(o.Tactics) < 10 || len(o.Techniques) < 500 {
		return fmt.Errorf("only %d tactics and %d techniques: not the Enterprise matrix", len(o.Tactics), len(o.Techniques))
	}
	tactics := map[string]bool{}
	for _, t := range o.Tactics {
		if !tacticID.MatchString(t.ID) || t.ShortName == "" || t.Name == "" {
			return fmt.Errorf("bad tactic %+v", t)
		}
		tactics[t.ShortName] = true
	}
	seen := map[string]bool{}
	for _, t := range o.Techniques {
		switch {
		case !techniqueID.MatchString(t.ID):
			return fmt.Errorf("bad technique id %q", t.ID)
		case seen[t.ID]:
			return fmt.Errorf("technique %s appears twice", t.ID)
		case t.Name == "" || strings.Contains(t.Name, "\n"):
			return fmt.Errorf("technique %s: bad name %q", t.ID, t.Name)
		case len(t.Tactics) == 0:
			return fmt.Errorf("technique %s has no tactic", t.ID)
		case !strings.HasPrefix(t.URL, "https://attack.mitre.org/techniques/"):
			return fmt.Errorf("technique %s: unexpected url %q", t.ID, t.URL)
		}
		for _, tac := range t.Tactics {
			if !tactics[tac] {
				return fmt.Errorf("technique %s: unknown tactic %q", t.ID, tac)
			}
		}
		seen[t.ID] = true
	}
	for _, t := range o.Techniques {
		if t.Parent != "" && !seen[t.Parent] {
			return fmt.Errorf("sub-technique %s has no parent %s", t.ID, t.Parent)
		}
	}
	for _, id := range []string{"T1566", "T1566.001", "T1059.001"} {
		if !seen[id] {
			return fmt.Errorf("%s is missing", id)
		}
	}
	return nil
}

// encode writes the file with one tactic or technique per line, so that a
// new ATT&CK release shows in review as a readable diff.
func encode(o Output) []byte {
	line := func(v any) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return bytes.TrimSpace(buf.Bytes())
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	fmt.Fprintf(&b, "  \"attack_version\": %s,\n", line(o.ATTACKVersion))
	fmt.Fprintf(&b, "  \"domain\": %s,\n", line(o.Domain))
	fmt.Fprintf(&b, "  \"notice\": %s,\n", line(o.Notice))
	fmt.Fprintf(&b, "  \"generated_by\": %s,\n", line(o.GeneratedBy))
	fmt.Fprintf(&b, "  \"source\": %s,\n", line(o.Source))
	b.WriteString("  \"tactics\": [\n")
	for i, t := range o.Tactics {
		fmt.Fprintf(&b, "    %s%s\n", line(t), comma(i, len(o.Tactics)))
	}
	b.WriteString("  ],\n  \"techniques\": [\n")
	for i, t := range o.Techniques {
		fmt.Fprintf(&b, "    %s%s\n", line(t), comma(i, len(o.Techniques)))
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes()
}

func comma(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}

// Group is one ATT&CK intrusion set of the groups file.
type Group struct {
	ID      string   `json:"id"`      // "G0007"
	Name    string   `json:"name"`    // "APT28"
	Aliases []string `json:"aliases"` // other names, without Name
	STIXID  string   `json:"stix_id"` // "intrusion-set--bef4c620-…"
	URL     string   `json:"url"`
}

// GroupsOutput is the whole groups file.
type GroupsOutput struct {
	ATTACKVersion string  `json:"attack_version"`
	Domain        string  `json:"domain"`
	Notice        string  `json:"notice"`
	GeneratedBy   string  `json:"generated_by"`
	Source        Source  `json:"source"`
	Groups        []Group `json:"groups"`
}

var groupID = regexp.MustCompile(`^G[0-9]{4}$`)

// ctiObject is the part of a mitre/cti object the converter reads.
type ctiObject struct {
	Type               string   `json:"type"`
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Aliases            []string `json:"aliases"`
	Revoked            bool     `json:"revoked"`
	Deprecated         bool     `json:"x_mitre_deprecated"`
	Domains            []string `json:"x_mitre_domains"`
	ShortName          string   `json:"x_mitre_shortname"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
		URL        string `json:"url"`
	} `json:"external_references"`
	KillChainPhases []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
}

// readCTIDir reads every one-object bundle in dir, returning the objects
// and a digest of the files (names and contents, in name order).
func readCTIDir(dir string) ([]ctiObject, string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, "", err
	}
	if len(names) == 0 {
		return nil, "", fmt.Errorf("%s: no .json files", dir)
	}
	slices.Sort(names)
	h := sha256.New()
	var out []ctiObject
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, "", err
		}
		h.Write([]byte(filepath.Base(n) + "\n"))
		h.Write(data)
		var b struct {
			Objects []ctiObject `json:"objects"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			return nil, "", fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, b.Objects...)
	}
	return out, hex.EncodeToString(h.Sum(nil)), nil
}

func (o ctiObject) current() bool {
	return !o.Revoked && !o.Deprecated && (len(o.Domains) == 0 || slices.Contains(o.Domains, "enterprise-attack"))
}

func (o ctiObject) attackRef() (id, url string) {
	for _, r := range o.ExternalReferences {
		if r.SourceName == "mitre-attack" {
			return r.ExternalID, r.URL
		}
	}
	return "", ""
}

// fromCTI converts a mitre/cti tree into the technique and group files.
func fromCTI(root, version, commit, techOut, groupsOut string) error {
	if version == "" || commit == "" {
		return errors.New("-cti needs -attack-version and -commit")
	}
	base := filepath.Join(root, "enterprise-attack")
	patterns, patternSum, err := readCTIDir(filepath.Join(base, "attack-pattern"))
	if err != nil {
		return err
	}
	tactics, _, err := readCTIDir(filepath.Join(base, "x-mitre-tactic"))
	if err != nil {
		return err
	}
	sets, setSum, err := readCTIDir(filepath.Join(base, "intrusion-set"))
	if err != nil {
		return err
	}
	src := Source{Package: "github.com/mitre/cti", Version: commit, Format: "ATT&CK STIX 2.1, one object per file"}

	o := Output{ATTACKVersion: version, Domain: "enterprise-attack", Notice: notice, GeneratedBy: "scripts/attack/update.sh", Source: src}
	o.Source.File, o.Source.SHA256 = "enterprise-attack/attack-pattern/*.json", patternSum
	for _, t := range tactics {
		if !t.current() {
			continue
		}
		id, _ := t.attackRef()
		o.Tactics = append(o.Tactics, Tactic{ID: id, ShortName: t.ShortName, Name: t.Name})
	}
	for _, p := range patterns {
		if p.Type != "attack-pattern" || !p.current() {
			continue
		}
		id, url := p.attackRef()
		t := Technique{ID: id, Name: p.Name, URL: url}
		for _, k := range p.KillChainPhases {
			if k.KillChainName == "mitre-attack" {
				t.Tactics = append(t.Tactics, k.PhaseName)
			}
		}
		o.Techniques = append(o.Techniques, t)
	}
	o = finish(o)
	if err := check(o); err != nil {
		return fmt.Errorf("techniques: %w", err)
	}

	g := GroupsOutput{ATTACKVersion: version, Domain: "enterprise-attack", Notice: notice, GeneratedBy: "scripts/attack/update.sh", Source: src}
	g.Source.File, g.Source.SHA256 = "enterprise-attack/intrusion-set/*.json", setSum
	for _, s := range sets {
		if s.Type != "intrusion-set" || !s.current() {
			continue
		}
		id, url := s.attackRef()
		grp := Group{ID: id, Name: strings.TrimSpace(s.Name), STIXID: s.ID, URL: strings.TrimSuffix(url, "/"), Aliases: []string{}}
		for _, a := range s.Aliases {
			a = strings.TrimSpace(a)
			if a != "" && a != grp.Name && !slices.Contains(grp.Aliases, a) {
				grp.Aliases = append(grp.Aliases, a)
			}
		}
		slices.Sort(grp.Aliases)
		g.Groups = append(g.Groups, grp)
	}
	slices.SortFunc(g.Groups, func(a, b Group) int { return strings.Compare(a.ID, b.ID) })
	if err := checkGroups(g); err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	if err := os.WriteFile(techOut, encode(o), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(groupsOut), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(groupsOut, encodeGroups(g), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s: ATT&CK %s, %d tactics, %d techniques", techOut, o.ATTACKVersion, len(o.Tactics), len(o.Techniques))
	log.Printf("wrote %s: ATT&CK %s, %d groups", groupsOut, g.ATTACKVersion, len(g.Groups))
	return nil
}

// checkGroups refuses a groups file that is clearly wrong.
func checkGroups(g GroupsOutput) error {
	if len(g.Groups) < 100 {
		return fmt.Errorf("only %d groups", len(g.Groups))
	}
	seen := map[string]bool{}
	for _, grp := range g.Groups {
		switch {
		case !groupID.MatchString(grp.ID):
			return fmt.Errorf("bad group id %q (%s)", grp.ID, grp.Name)
		case seen[grp.ID]:
			return fmt.Errorf("group %s appears twice", grp.ID)
		case grp.Name == "" || strings.Contains(grp.Name, "\n"):
			return fmt.Errorf("group %s: bad name %q", grp.ID, grp.Name)
		case !strings.HasPrefix(grp.STIXID, "intrusion-set--"):
			return fmt.Errorf("group %s: bad STIX id %q", grp.ID, grp.STIXID)
		case !strings.HasPrefix(grp.URL, "https://attack.mitre.org/groups/"):
			return fmt.Errorf("group %s: unexpected url %q", grp.ID, grp.URL)
		}
		seen[grp.ID] = true
	}
	for _, id := range []string{"G0007", "G0032"} {
		if !seen[id] {
			return fmt.Errorf("%s is missing", id)
		}
	}
	return nil
}

// encodeGroups writes one group per line, like encode.
func encodeGroups(g GroupsOutput) []byte {
	line := func(v any) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return bytes.TrimSpace(buf.Bytes())
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	fmt.Fprintf(&b, "  \"attack_version\": %s,\n", line(g.ATTACKVersion))
	fmt.Fprintf(&b, "  \"domain\": %s,\n", line(g.Domain))
	fmt.Fprintf(&b, "  \"notice\": %s,\n", line(g.Notice))
	fmt.Fprintf(&b, "  \"generated_by\": %s,\n", line(g.GeneratedBy))
	fmt.Fprintf(&b, "  \"source\": %s,\n", line(g.Source))
	b.WriteString("  \"groups\": [\n")
	for i, grp := range g.Groups {
		fmt.Fprintf(&b, "    %s%s\n", line(grp), comma(i, len(g.Groups)))
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes()
}

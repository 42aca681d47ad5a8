package main

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestConvertReadsBothFormats(t *testing.T) {
	stix := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
	 {"type":"x-mitre-collection","x_mitre_version":"17.1"},
	 {"type":"x-mitre-tactic","name":"Initial Access","x_mitre_shortname":"initial-access","x_mitre_domains":["enterprise-attack"],
	  "external_references":[{"source_name":"mitre-attack","external_id":"TA0001","url":"https://attack.mitre.org/tactics/TA0001"}]},
	 {"type":"attack-pattern","name":"Phishing","x_mitre_domains":["enterprise-attack"],
	  "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"initial-access"}],
	  "external_references":[{"source_name":"mitre-attack","external_id":"T1566","url":"https://attack.mitre.org/techniques/T1566"}]},
	 {"type":"attack-pattern","name":"Spearphishing Attachment","x_mitre_domains":["enterprise-attack"],
	  "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"initial-access"}],
	  "external_references":[{"source_name":"mitre-attack","external_id":"T1566.001","url":"https://attack.mitre.org/techniques/T1566/001"}]},
	 {"type":"attack-pattern","name":"Spearphishing Attachment","revoked":true,
	  "external_references":[{"source_name":"mitre-attack","external_id":"T1193"}]},
	 {"type":"attack-pattern","name":"Old","x_mitre_deprecated":true,
	  "external_references":[{"source_name":"mitre-attack","external_id":"T1064"}]},
	 {"type":"attack-pattern","name":"Mobile only","x_mitre_domains":["mobile-attack"],
	  "external_references":[{"source_name":"mitre-attack","external_id":"T1660"}]}
	]}`
	kb := `{"metadata":{"version":"14.1","source":"MITRE ATT&CK Framework v14.1"},
	 "tactics":[{"id":"TA0001","name":"Initial Access"}],
	 "techniques":[
	  {"id":"T1566.001","name":"Phishing: Spearphishing Attachment","tactics":["Initial Access"],"url":"https://attack.mitre.org/techniques/T1566/001"},
	  {"id":"T1566","name":"Phishing","tactics":["Initial Access"],"url":"https://attack.mitre.org/techniques/T1566"},
	  {"id":"T1660","name":"Phishing","domain":"mobile-attack","tactics":["Initial Access"],"url":"https://attack.mitre.org/techniques/T1660"}
	 ]}`
	want := []Technique{
		{ID: "T1566", Name: "Phishing", Tactics: []string{"initial-access"}, URL: "https://attack.mitre.org/techniques/T1566"},
		{ID: "T1566.001", Name: "Spearphishing Attachment", Parent: "T1566", Tactics: []string{"initial-access"}, URL: "https://attack.mitre.org/techniques/T1566/001"},
	}
	for name, tt := range map[string]struct{ in, version string }{"stix": {stix, "17.1"}, "knowledge base": {kb, "14.1"}} {
		t.Run(name, func(t *testing.T) {
			o, err := convert([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if o.ATTACKVersion != tt.version {
				t.Errorf("version = %q", o.ATTACKVersion)
			}
			if !slices.EqualFunc(o.Techniques, want, func(a, b Technique) bool {
				return a.ID == b.ID && a.Name == b.Name && a.Parent == b.Parent && a.URL == b.URL && slices.Equal(a.Tactics, b.Tactics)
			}) {
				t.Errorf("techniques = %+v", o.Techniques)
			}
			if len(o.Tactics) != 1 || o.Tactics[0] != (Tactic{"TA0001", "initial-access", "Initial Access"}) {
				t.Errorf("tactics = %+v", o.Tactics)
			}
			var back Output
			if err := json.Unmarshal(encode(o), &back); err != nil {
				t.Fatalf("encoded file is not JSON: %v", err)
			}
		})
	}
}

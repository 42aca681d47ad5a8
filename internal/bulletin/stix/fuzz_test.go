package stix

import (
	"bytes"
	"testing"
)

// FuzzParseBundle feeds arbitrary bytes to the import gate. It must never
// panic, and whatever it accepts must export and re-import unchanged.
func FuzzParseBundle(f *testing.F) {
	good, err := MarshalBundle(fixture(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`))
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"note","type":"x"}]}`))
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","relationship_type":"uses","source_ref":"threat-actor--56f3f0db-b5d5-431c-ae56-c18f02caf500","target_ref":"attack-pattern--56f3f0db-b5d5-431c-ae56-c18f02caf500"}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"objects":[[[[[]]]]]}`))
	f.Add([]byte("\x00"))

	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		out, err := MarshalBundle(b)
		if err != nil {
			t.Fatalf("accepted but cannot export: %v", err)
		}
		again, err := ParseBundle(out)
		if err != nil {
			t.Fatalf("own export refused: %v\n%s", err, out)
		}
		out2, err := MarshalBundle(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("export not stable: %v\n%s\n%s", err, out, out2)
		}
	})
}

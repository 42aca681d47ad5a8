package stix

import (
	"fmt"
	"testing"
	"time"
)

// largeBundle is MaxObjects notes, each marked and attributed: the largest
// contribution ParseBundle accepts.
func largeBundle(b *testing.B) []byte {
	at := NewTimestamp(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC))
	objects := make([]Object, 0, MaxObjects)
	for i := range MaxObjects {
		n := Note{Common: NewCommon(TypeNote, DeterministicID(TypeNote, "bench", fmt.Sprint(i)), at),
			Content: "Observed spear-phishing against a foreign ministry, with a macro-laden attachment.", ObjectRefs: []string{DeterministicID(TypeReport, "bench")}}
		n.CreatedByRef = DeterministicID(TypeIdentity, "bench")
		n.ObjectMarkingRefs = []string{MarkingID(TLPGreen)}
		objects = append(objects, MustObject(n))
	}
	data, err := MarshalBundle(NewBundle(DeterministicID(TypeBundle, "bench"), objects...))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkParseBundle(b *testing.B) {
	data := largeBundle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBundle(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalBundle(b *testing.B) {
	parsed, err := ParseBundle(largeBundle(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalBundle(parsed); err != nil {
			b.Fatal(err)
		}
	}
}

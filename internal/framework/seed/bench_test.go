package seed

import (
	"bytes"
	"testing"
)

func benchmarkParse[T any](b *testing.B, s Source, parse func(*bytes.Reader) (T, error)) {
	src, err := SourceText(s)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(bytes.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNormsTable(b *testing.B) {
	benchmarkParse(b, ConsultationSource(), func(r *bytes.Reader) ([]NormRow, error) { return ParseNormsTable(r) })
}

func BenchmarkParseConsultation(b *testing.B) {
	benchmarkParse(b, ConsultationSource(), func(r *bytes.Reader) (Consultation, error) { return ParseConsultation(r) })
}

func BenchmarkParseStatement(b *testing.B) {
	benchmarkParse(b, StatementSource(), func(r *bytes.Reader) (Statement, error) { return ParseStatement(r) })
}

// Package seed parses the two public documents of the Cybersecurity Tech
// Accord from which the platform's framework data is derived: its 2024
// statement to the Open-Ended Working Group, which proposes a new norm on the
// protection of the ICT supply chain, and its 2020 submission to an Australian
// public consultation, which holds the table of the eleven 2015 GGE norms with
// implementation recommendations and quotes three Paris Call principles.
//
// The documents are embedded (see sources/README.md) and parsed on each call;
// the parsers also accept any reader with the same format, and report where
// and why they fail with a *ParseError.
package seed

import (
	"bytes"
	"embed"
	"fmt"
)

//go:embed sources/*.txt
var sources embed.FS

// Source describes a seed document, for attribution.
type Source struct {
	// ID is a stable identifier, the embedded file's name without extension.
	ID string
	// Title names the part of the document the data comes from.
	Title string
	// Author is the organisation that published the document.
	Author string
	// Document is the document's own title.
	Document string
	// Year is the year the document was published.
	Year int
	// File is the embedded file, under sources/.
	File string
}

const techAccord = "Cybersecurity Tech Accord"

// ConsultationSource describes the Tech Accord's submission to the Australian
// consultation on responsible State behaviour in cyberspace.
func ConsultationSource() Source {
	return Source{
		ID:       "techaccord-australia-consultation-2020",
		Title:    "Cybersecurity Tech Accord submission to Australian consultation on: Responsible state behavior in cyberspace",
		Author:   techAccord,
		Document: "Cybersecurity Tech Accord submission to Australian consultation on: Responsible state behavior in cyberspace",
		Year:     2020,
		File:     "techaccord-australia-consultation-2020.txt",
	}
}

// NormsSource describes the norms table within the consultation submission,
// the source of NormRow data.
func NormsSource() Source {
	s := ConsultationSource()
	s.Title = "2015 GGE consensus report norms and implementation recommendations"
	return s
}

// ParisCallSource describes where the Paris Call principles are quoted.
func ParisCallSource() Source {
	s := ConsultationSource()
	s.Title = "Paris Call for Trust and Security in Cyberspace principles, as quoted in the submission"
	return s
}

// StatementSource describes the Tech Accord's statement of 17 May 2024 to the
// informal dialogue with the Chair of the OEWG.
func StatementSource() Source {
	return Source{
		ID:       "techaccord-oewg-statement-2024",
		Title:    "Cybersecurity Tech Accord Statement – Informal Dialogue with the Chair of the Open-Ended Working Group",
		Author:   techAccord,
		Document: "Cybersecurity Tech Accord Statement – Informal Dialogue with the Chair of the Open-Ended Working Group",
		Year:     2024,
		File:     "techaccord-oewg-statement-2024.txt",
	}
}

// ProposedNormsSource describes the statement's annex, the source of
// ProposedNorm data.
func ProposedNormsSource() Source {
	s := StatementSource()
	s.Title = "Annex from Statement in February 2023"
	return s
}

// Sources lists the embedded documents.
func Sources() []Source {
	return []Source{StatementSource(), ConsultationSource()}
}

// SourceText returns the text of an embedded document.
func SourceText(s Source) ([]byte, error) {
	b, err := sources.ReadFile("sources/" + s.File)
	if err != nil {
		return nil, fmt.Errorf("seed source %q: %w", s.ID, err)
	}
	return b, nil
}

// parseSource parses an embedded document with parse.
func parseSource[T any](s Source, parse func(*bytes.Reader) (T, error)) (T, error) {
	var zero T
	b, err := SourceText(s)
	if err != nil {
		return zero, err
	}
	v, err := parse(bytes.NewReader(b))
	if err != nil {
		return zero, fmt.Errorf("seed source %s: %w", s.File, err)
	}
	return v, nil
}

// Norms parses the embedded norms table: the eleven norms (a)–(k) with the
// Tech Accord's recommendations.
func Norms() ([]NormRow, error) {
	return parseSource(ConsultationSource(), func(r *bytes.Reader) ([]NormRow, error) {
		return ParseNormsTable(r)
	})
}

// AustraliaConsultation parses the embedded consultation submission. (It is
// not called Consultation because that is the name of the type it returns.)
func AustraliaConsultation() (Consultation, error) {
	return parseSource(ConsultationSource(), func(r *bytes.Reader) (Consultation, error) {
		return ParseConsultation(r)
	})
}

// OEWGStatement parses the embedded statement of 17 May 2024. (It is not
// called Statement because that is the name of the type it returns.)
func OEWGStatement() (Statement, error) {
	return parseSource(StatementSource(), func(r *bytes.Reader) (Statement, error) {
		return ParseStatement(r)
	})
}

// ProposedNorms returns the new norms proposed in the embedded statement: the
// protection of the ICT supply chain.
func ProposedNorms() ([]ProposedNorm, error) {
	s, err := OEWGStatement()
	if err != nil {
		return nil, err
	}
	norms := s.ProposedNorms()
	if len(norms) == 0 {
		return nil, fmt.Errorf("seed source %s: no proposed norm found", StatementSource().File)
	}
	return norms, nil
}

// ParisCallPrinciples returns the Paris Call principles quoted in the
// embedded consultation submission.
func ParisCallPrinciples() ([]string, error) {
	c, err := AustraliaConsultation()
	if err != nil {
		return nil, err
	}
	p := c.ParisCallPrinciples()
	if len(p) == 0 {
		return nil, fmt.Errorf("seed source %s: no Paris Call principles found", ConsultationSource().File)
	}
	return p, nil
}

package capacity

import (
	"context"
	"strings"
)

// A match keeps its reasons twice: as English text (capacity_matches.reasons,
// the API's "reasons") and as codes (reason_codes: "norm:gge2015-c
// language:fr kind:training"), from which pages say them in the reader's
// language. Matches recorded before the codes have the text only; it is read
// back into reasons when every part of it is one of the labels below, and
// shown as stored otherwise.

// reasonCodes writes reasons as "code:value" words.
func reasonCodes(rs []Reason) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, r.Code+":"+r.Value)
	}
	return strings.Join(parts, " ")
}

// englishLabel is a reason's English label (Reason.Label).
func englishLabel(code, value string, normLabel func(string) string) (string, bool) {
	var label string
	switch code {
	case "norm":
		return "norm " + normLabel(value), value != ""
	case "topic":
		label = TopicLabels[value]
	case "kind":
		label = KindLabels[value]
	case "language":
		label = LanguageNames[value]
	case "region":
		label = RegionLabels[value]
	case "timing":
		return "available in the timeframe", true
	}
	return label, label != ""
}

// reasonsOf reads a match's reasons from its codes, or from its English
// text when it has no codes; ok is false when they cannot be read (the
// page then shows the text as it is).
func reasonsOf(codes, text string, normLabel func(string) string) ([]Reason, bool) {
	out := []Reason{}
	if codes = strings.TrimSpace(codes); codes != "" {
		for _, w := range strings.Fields(codes) {
			code, value, _ := strings.Cut(w, ":")
			label, ok := englishLabel(code, value, normLabel)
			if !ok {
				return nil, false
			}
			out = append(out, Reason{Code: code, Value: value, Label: label})
		}
		return out, true
	}
	if strings.TrimSpace(text) == "" {
		return out, true
	}
	for _, part := range strings.Split(text, ", ") {
		r, ok := reasonFromLabel(strings.TrimSpace(part))
		if !ok {
			return nil, false
		}
		out = append(out, r)
	}
	return out, true
}

// reasonFromLabel finds the reason an English label names.
func reasonFromLabel(label string) (Reason, bool) {
	if cite, ok := strings.CutPrefix(label, "norm "); ok && cite != "" {
		return Reason{Code: "norm", Label: label}, true
	}
	for _, x := range []struct {
		code   string
		labels map[string]string
	}{{"topic", TopicLabels}, {"kind", KindLabels}, {"language", LanguageNames}, {"region", RegionLabels}} {
		for value, l := range x.labels {
			if l == label {
				return Reason{Code: x.code, Value: value, Label: label}, true
			}
		}
	}
	if label == "available in the timeframe" {
		return Reason{Code: "timing", Value: "overlap", Label: label}, true
	}
	return Reason{}, false
}

// withReasons sets the match's machine-readable reasons (ReasonList).
func (s *Service) withReasons(ctx context.Context, es ...*Engagement) {
	label := s.labelFunc(ctx)
	for _, e := range es {
		if rs, ok := reasonsOf(e.reasonCodes, e.Reasons, label); ok {
			e.ReasonList, e.reasonsRead = rs, true
		} else {
			e.ReasonList = []Reason{}
		}
	}
}

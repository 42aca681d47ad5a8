package vep

import (
	"strings"

	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// CVSS is a parsed and scored CVSS vector.
type CVSS struct {
	Vector   string  `json:"vector"`
	Version  string  `json:"version" doc:"3.1 or 4.0"`
	Score    float64 `json:"score"`
	Severity string  `json:"severity" doc:"NONE, LOW, MEDIUM, HIGH or CRITICAL"`
}

// ParseCVSS parses a CVSS 3.1 or 4.0 vector and scores it (the base score
// for 3.1, CVSS-B/BT/BE/BTE for 4.0 as the vector's metrics give it) with
// github.com/pandatix/go-cvss. The error names the field and never echoes
// the vector.
func ParseCVSS(vector string) (CVSS, error) {
	v := strings.TrimSpace(vector)
	bad := api.Invalid("cvss_vector", "must be a CVSS 3.1 (CVSS:3.1/AV:…) or 4.0 (CVSS:4.0/AV:…) vector with every base metric")
	if len(v) > 300 {
		return CVSS{}, bad
	}
	switch {
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return CVSS{}, bad
		}
		s := c.BaseScore()
		r, err := gocvss31.Rating(s)
		if err != nil {
			return CVSS{}, bad
		}
		return CVSS{Vector: c.Vector(), Version: "3.1", Score: s, Severity: r}, nil
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return CVSS{}, bad
		}
		s := c.Score()
		r, err := gocvss40.Rating(s)
		if err != nil {
			return CVSS{}, bad
		}
		return CVSS{Vector: c.Vector(), Version: "4.0", Score: s, Severity: r}, nil
	}
	return CVSS{}, bad
}

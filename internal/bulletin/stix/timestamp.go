package stix

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Timestamp is a STIX timestamp: RFC 3339 in UTC with the "Z" designator.
// It is written with millisecond precision, as STIX 2.1 requires for created
// and modified, and with more digits only when the value carries them (an
// imported "…30.508567Z" stays as it was, so object versions still compare
// equal after a round trip).
type Timestamp struct {
	time.Time
}

// NewTimestamp returns t in UTC truncated to the millisecond, the precision
// this platform uses for everything it creates.
func NewTimestamp(t time.Time) Timestamp {
	return Timestamp{t.UTC().Truncate(time.Millisecond)}
}

// ParseTimestamp parses a STIX timestamp, accepting only the form
// YYYY-MM-DDTHH:MM:SS[.fraction]Z.
func ParseTimestamp(s string) (Timestamp, error) {
	if !timestampShape(s) {
		return Timestamp{}, errors.New("not an RFC 3339 timestamp")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Timestamp{}, errors.New("not an RFC 3339 timestamp")
	}
	return Timestamp{t.UTC()}, nil
}

// timestampShape checks the pattern of the OASIS JSON schema for timestamps:
// ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$,
// with at most nine fractional digits (what Go can represent).
func timestampShape(s string) bool {
	const base = "0000-00-00T00:00:00"
	if len(s) < len(base)+1 || s[len(s)-1] != 'Z' {
		return false
	}
	for i := 0; i < len(base); i++ {
		if base[i] == '0' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != base[i] {
			return false
		}
	}
	frac := s[len(base) : len(s)-1]
	if frac == "" {
		return true
	}
	if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
		return false
	}
	for i := 1; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return false
		}
	}
	return true
}

// String formats the timestamp the way it is written to JSON.
func (t Timestamp) String() string {
	u := t.UTC()
	if u.Nanosecond()%int(time.Millisecond) == 0 {
		return u.Format("2006-01-02T15:04:05.000Z")
	}
	s := u.Format("2006-01-02T15:04:05.000000000")
	return strings.TrimRight(s, "0") + "Z"
}

// MarshalJSON writes the timestamp as a JSON string.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return nil, errors.New("stix: zero timestamp")
	}
	return json.Marshal(t.String())
}

// UnmarshalJSON reads a JSON string with [ParseTimestamp].
func (t *Timestamp) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return errors.New("not an RFC 3339 timestamp")
	}
	p, err := ParseTimestamp(s)
	if err != nil {
		return err
	}
	*t = p
	return nil
}

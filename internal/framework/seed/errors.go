package seed

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped in a *ParseError) by the parsers. Check
// them with errors.Is; use errors.As to get the line number.
var (
	// ErrNoTable means the input has no norms table: no header row
	// ("GGE consensus report …<TAB>Recommendation") was found.
	ErrNoTable = errors.New("no norms table")
	// ErrMissingNorm means a norm letter between (a) and (k) is absent.
	ErrMissingNorm = errors.New("norm missing")
	// ErrDuplicateNorm means a norm letter appears twice.
	ErrDuplicateNorm = errors.New("norm duplicated")
	// ErrMalformedRow means a table line does not have the expected shape.
	ErrMalformedRow = errors.New("malformed table row")
	// ErrNoTitle means the document is empty.
	ErrNoTitle = errors.New("no title")
	// ErrNoDate means the statement has no date line after its title.
	ErrNoDate = errors.New("no date")
	// ErrNoBody means the statement has no paragraphs after its date.
	ErrNoBody = errors.New("no body")
	// ErrNoQuestions means the consultation has no question paragraph.
	ErrNoQuestions = errors.New("no questions")
	// ErrNoAnswer means a consultation question is not followed by an answer.
	ErrNoAnswer = errors.New("question without answer")
	// ErrTooLarge means the input exceeds MaxInputSize.
	ErrTooLarge = errors.New("input too large")
)

// ParseError reports where in the input a parser gave up and why.
type ParseError struct {
	// Line is the 1-based line of the input the error refers to.
	Line int
	// Err is one of the package's sentinel errors.
	Err error
	// Detail says what was found, for a human reader.
	Detail string
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %v: %s", e.Line, e.Err, e.Detail)
}

// Unwrap lets errors.Is match the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(line int, err error, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Err: err, Detail: fmt.Sprintf(format, args...)}
}

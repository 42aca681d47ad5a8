// Package api holds the JSON conventions every /api/v1 endpoint shares: one
// error shape, strict decoding with size limits, cursor pagination, and the
// OpenAPI 3.1 document generated from the registered operations.
package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Error is the body of every failed API request:
// {"error":{"code":"invalid_field","message":"…","field":"…"}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Format and Args are the reason before it was formatted, for pages
	// that say it in the reader's language: the catalog text under
	// "reason:" + Format (the English format is the key, as a gettext
	// msgid is), formatted with the same arguments (MessageKey). A page
	// shows Message where the catalogs have no such text; the API always
	// answers Message, in English.
	Format string `json:"-"`
	Args   []any  `json:"-"`
	// Counted says the reason depends on the number N (a count with a
	// noun: "the %d e-mails"), so pages say it through the catalog's
	// plural forms of its key (InvalidN, web.Catalog.TN).
	Counted bool `json:"-"`
	N       int  `json:"-"`
}

// MessageKey is the catalog key of the reason and its arguments, for pages
// (web.Message); "" when the reason was given already formatted.
func (e *Error) MessageKey() (string, []any) {
	if e.Format == "" {
		return "", nil
	}
	return "reason:" + e.Format, e.Args
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf builds an *Error.
func Errorf(status int, code, field, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Day is a date given as an argument of a reason ("the consultation
// closed on %s"): the API writes it in English, "2 January 2006", and a
// page in the reader's language (web.LongDate).
type Day time.Time

func (d Day) String() string { return time.Time(d).UTC().Format("2 January 2006") }

// Moment is a date and time given as an argument of a reason: "2 January
// 2006 15:04 UTC" in the API, the date in the reader's language on a page.
type Moment time.Time

func (m Moment) String() string { return time.Time(m).UTC().Format("2 January 2006 15:04 UTC") }

// Common errors.
var (
	ErrUnauthenticated = &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "sign in or send an API token (Authorization: Bearer cn_…)"}
	ErrForbidden       = &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "your account may not do this"}
	ErrNotFound        = &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such resource"}
)

// Invalid is a 422 naming the field and the reason. A reason written as a
// constant ("is required") is said in the reader's language on pages
// whose catalogs have it under "reason:" + reason (MessageKey).
func Invalid(field, reason string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: field, Message: reason, Format: reason}
}

// Invalidf is Invalid with a reason made from a format and its arguments,
// kept apart for pages (MessageKey): Invalidf("title", "must be %d to %d
// characters", 1, 200).
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// InvalidN is Invalidf with a reason that counts n things ("the %d
// e-mails would still be going"): pages say it in the plural form n takes
// in the reader's language.
func InvalidN(field string, n int, format string, args ...any) *Error {
	e := Invalidf(field, format, args...)
	e.Counted, e.N = true, n
	return e
}

// PluralN is the number the reason counts, and whether it counts one.
func (e *Error) PluralN() (int, bool) { return e.N, e.Counted }

// WriteJSON writes v as JSON with the status; empty lists are [] and empty
// maps {}, never null (EmptyLists).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(EmptyLists(v))
}

// EncodeJSON is the body WriteJSON writes for v, for an answer that is
// encoded once and kept (fixed reference data); WriteEncoded writes it.
func EncodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true)
	err := enc.Encode(EmptyLists(v))
	return b.Bytes(), err
}

// Encoded is an answer encoded once (EncodeJSON) with the digest of its
// bytes, for an answer kept in memory (audit.Kept): a request then writes
// it with its ETag (Tagged) without encoding or digesting it again.
type Encoded struct{ Body, Sum []byte }

// Encode encodes v as EncodeJSON does and digests the bytes.
func Encode(v any) (Encoded, error) {
	b, err := EncodeJSON(v)
	if err != nil {
		return Encoded{}, err
	}
	sum := sha256.Sum256(b)
	return Encoded{Body: b, Sum: sum[:]}, nil
}

// Write writes the answer (200, or 304 to a client that has it).
func (e Encoded) Write(w http.ResponseWriter, r *http.Request) {
	if Tagged(w, r, e.Sum) {
		WriteEncoded(w, http.StatusOK, e.Body)
	}
}

// WriteEncoded writes a body made by EncodeJSON, as WriteJSON would.
func WriteEncoded(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes err in the error shape. Errors that are not *Error are
// internal: they are logged by the caller and shown as a generic 500.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; it has been logged"}
	}
	WriteJSON(w, e.Status, map[string]*Error{"error": e})
}

// MaxBody is the default limit on a JSON request body.
const MaxBody = 1 << 20

// Decode reads a JSON object into v strictly: the content type must be JSON,
// the body at most limit bytes (MaxBody when 0), unknown fields and trailing
// data are refused, and type errors name the field.
func Decode(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if limit <= 0 {
		limit = MaxBody
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the body as application/json"}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err, limit)
	}
	// encoding/json would silently turn invalid UTF-8 and lone surrogates
	// into U+FFFD: refuse them first.
	if e := CheckJSONText(raw); e != nil {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Status: http.StatusBadRequest, Code: "malformed_json", Message: "the body must hold a single JSON object"}
	}
	// Every text in the request: valid, no control characters (no line
	// breaks in single-line fields), NFC, within its length; every whole
	// number within its column.
	if err := CleanValue(v); err != nil {
		return err
	}
	// Required fields are required: a missing one is refused, never taken
	// as empty (which would reset what it stands for).
	return checkRequired(raw, v)
}

func decodeError(err error, limit int64) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: fmt.Sprintf("the body is larger than %d bytes", limit)}
	case errors.As(err, &syn):
		return &Error{Status: http.StatusBadRequest, Code: "malformed_json", Message: fmt.Sprintf("malformed JSON at byte %d", syn.Offset)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: field, Message: fmt.Sprintf("must be a %s, not a JSON %s", typ.Type, typ.Value)}
	case errors.Is(err, io.EOF):
		return &Error{Status: http.StatusBadRequest, Code: "malformed_json", Message: "the body is empty; send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Status: http.StatusBadRequest, Code: "malformed_json", Message: "the JSON body ends too early"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &Error{Status: http.StatusUnprocessableEntity, Code: "unknown_field", Field: name, Message: "is not a field of this resource"}
	}
	return &Error{Status: http.StatusBadRequest, Code: "malformed_json", Message: err.Error()}
}

// List is a page of results with the cursor for the next page.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Cursor is an opaque pagination position: the sort key of the last item
// returned. It is base64url so clients treat it as opaque.
func Cursor(key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// PageParams reads ?limit= (1–max, default def) and ?cursor=.
func PageParams(r *http.Request, def, maxLimit int) (limit int, after string, err error) {
	limit = def
	if s := r.URL.Query().Get("limit"); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 1 || n > maxLimit {
			return 0, "", Errorf(http.StatusBadRequest, "invalid_parameter", "limit", "must be a whole number from 1 to %d", maxLimit)
		}
		limit = n
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, decErr := base64.RawURLEncoding.DecodeString(c)
		if decErr != nil || len(b) > 200 || Problem(string(b), false, 200) != "" {
			return 0, "", Errorf(http.StatusBadRequest, "invalid_parameter", "cursor", "is not a cursor returned by this API")
		}
		after = string(b)
	}
	return limit, after, nil
}

// checkRequired refuses a body that leaves out (or sends null for) a field
// of v tagged `api:"required"`.
func checkRequired(raw []byte, v any) error {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	req := RequiredFields(t)
	if len(req) == 0 {
		return nil
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "malformed_json", Message: "the body must hold a single JSON object"}
	}
	for _, name := range req {
		if b, ok := present[name]; !ok || string(b) == "null" {
			return Invalid(name, "is required")
		}
	}
	return nil
}

// UpdatedSinceParam documents ?updated_since= on a list.
var UpdatedSinceParam = Param{Name: "updated_since", In: "query", Description: "only what was created or changed after this instant (RFC 3339, e.g. 2026-12-01T00:00:00Z; a date alone means its start in UTC): poll with the time of your previous read to get what is new or changed"}

// UpdatedSince reads ?updated_since=: an RFC 3339 instant or a date
// (YYYY-MM-DD, its start in UTC); zero when absent; 400 naming the
// parameter when it does not parse.
func UpdatedSince(r *http.Request) (time.Time, error) {
	s := r.URL.Query().Get("updated_since")
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, Errorf(http.StatusBadRequest, "invalid_parameter", "updated_since", "must be an RFC 3339 instant such as 2026-12-01T00:00:00Z, or a date such as 2026-12-01")
}

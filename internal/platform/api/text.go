package api

// Text hygiene at the edge: the one validation every text that enters the
// platform passes, whether it comes in a JSON body (Decode), a form
// (web.Router before the handler runs), a query or path parameter (likewise)
// or a cursor (PageParams). See docs/architecture.md, "Where text is
// validated".
//
//   - Every text must be valid UTF-8, and is NFC-normalised.
//   - Single-line fields (titles, names, slugs, subjects, addresses, codes,
//     every query and path parameter) refuse every control character
//     (C0 including tab, CR and LF, DEL, C1), the line and paragraph
//     separators U+2028/U+2029 and the bidirectional embedding, override
//     and isolate characters (U+202A–U+202E, U+2066–U+2069).
//   - Multi-line fields (bodies, descriptions, notes…) allow tab, CR and LF
//     and refuse every other control character. Their line endings are
//     normalised to LF (CRLF and a lone CR become LF): browsers post a
//     textarea with CRLF, and a text saved unchanged must stay unchanged.
//   - Single-line fields hold at most MaxLine characters, multi-line ones
//     MaxMultiline, unless the field says otherwise.
//   - Whole numbers decoded from JSON must fit a 32-bit column (INTEGER on
//     PostgreSQL) unless the field is tagged `text:"int64"`.
//
// Whether a field is multi-line is decided by a struct tag
// `text:"multiline"` or `text:"line"`, else by its name (MultilineName).

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on text, in characters (runes), unless a field says otherwise.
const (
	MaxLine      = 1000    // a single-line field of a body or form
	MaxMultiline = 200_000 // a multi-line field of a body or form
	MaxParam     = 200     // a path parameter
	MaxRestParam = 1000    // a {name...} path parameter
	MaxQuery     = 1000    // a query parameter
)

// multilineNames are the field names (the last part of a JSON path or a
// form name, see MultilineName) that hold text of several lines.
var multilineNames = map[string]bool{
	"body": true, "content": true, "description": true, "summary": true, "text": true,
	"note": true, "notes": true, "comment": true, "comments": true, "reason": true,
	"justification": true, "foreword": true, "sections": true, "programme": true,
	"outcomes": true, "documents": true, "questions": true, "answers": true, "answer": true,
	"message": true, "details": true, "links": true, "references": true, "addresses": true,
	"challenges": true, "gaps": true, "abstract": true, "bundle_text": true, "markdown": true,
	"background": true, "rationale": true, "remarks": true, "agenda": true, "minutes": true,
	"recommendation": true, "response": true, "explanation": true,
}

var multilineSuffixes = []string{"_body", "_text", "_summary", "_description", "_notes", "_note", "_links", "_comment", "_reason", "_markdown"}

// MultilineName reports whether a field called name (a JSON field such as
// "content.measures[2].description" or a form field such as
// "m.3.description" or "answer_2") holds multi-line text by the naming
// convention: its last part is one of the names above (body, content,
// description, summary, text, note(s), comment(s), reason, justification,
// links, references, questions, answer(s)…), ends in one of the suffixes
// (_body, _text, _summary, _description, _notes, _links…), or starts with
// "answer_". Every other field is single-line.
func MultilineName(name string) bool {
	for strings.HasSuffix(name, "]") { // "links[2]" is named "links"
		i := strings.LastIndexByte(name, '[')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToLower(name)
	if multilineNames[name] || strings.HasPrefix(name, "answer_") {
		return true
	}
	for _, s := range multilineSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// secretName reports whether a field holds a secret typed by a person
// (passwords): it is checked but never normalised, so that the bytes hashed
// are the bytes typed.
func secretName(name string) bool {
	return strings.Contains(strings.ToLower(name), "password")
}

// tooLong is the reason of a text longer than its kind allows.
const tooLong = "must be at most %d characters long"

// badRune reports why r may not appear in a text, or "".
func badRune(r rune, multiline bool) string {
	switch {
	case r == 0:
		return "must not contain NUL characters"
	case r == '\t' || r == '\n' || r == '\r':
		if multiline {
			return ""
		}
		return "must be a single line (no tabs or line breaks)"
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return "must not contain control characters"
	case r == utf8.RuneError:
		return "must be valid UTF-8 text"
	case !multiline && (r == 0x2028 || r == 0x2029):
		return "must be a single line (no line or paragraph separators)"
	case !multiline && ((r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)):
		return "must not contain bidirectional override characters"
	}
	return ""
}

// Problem reports why s is not acceptable as a text of the kind (single- or
// multi-line) of at most max characters (0: the default for the kind), or ""
// when it is. It does not normalise.
func Problem(s string, multiline bool, max int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	if max <= 0 {
		max = MaxLine
		if multiline {
			max = MaxMultiline
		}
	}
	n := 0
	for _, r := range s {
		if why := badRune(r, multiline); why != "" {
			return why
		}
		n++
		if n > max {
			return fmt.Sprintf(tooLong, max)
		}
	}
	return ""
}

// NormalizeNewlines turns CRLF and lone CR line endings into LF.
func NormalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// CheckText validates s as the field named field (422 naming it when
// refused) and returns it NFC-normalised, with LF line endings when it is
// multi-line. max 0 means the default of the kind.
func CheckText(field, s string, multiline bool, max int) (string, error) {
	if why := Problem(s, multiline, max); why != "" {
		e := Invalid(field, why)
		limit := max
		if limit <= 0 {
			limit = MaxLine
			if multiline {
				limit = MaxMultiline
			}
		}
		if why == fmt.Sprintf(tooLong, limit) {
			e.Format, e.Args = tooLong, []any{limit}
		}
		return "", e
	}
	if secretName(field) {
		return s, nil
	}
	if multiline {
		s = NormalizeNewlines(s)
	}
	s = norm.NFC.String(s)
	if why := Problem(s, multiline, max); why != "" { // normalisation can lengthen
		return "", Invalid(field, why)
	}
	return s, nil
}

// Line validates a single-line field (title, name, slug, subject, e-mail
// address…) of at most max characters (0: MaxLine) and returns it
// NFC-normalised; the error is a 422 naming field.
func Line(field, s string, max int) (string, error) { return CheckText(field, s, false, max) }

// Multiline validates a multi-line field (tab, CR and LF allowed) of at most
// max characters (0: MaxMultiline) and returns it NFC-normalised.
func Multiline(field, s string, max int) (string, error) { return CheckText(field, s, true, max) }

// Int32 refuses (422 naming field) a whole number outside [min, max]; use
// math.MinInt32/MaxInt32 for a plain INTEGER column.
func IntRange(field string, n int64, min, max int64) error {
	if n < min || n > max {
		return Invalid(field, fmt.Sprintf("must be a whole number from %d to %d", min, max))
	}
	return nil
}

// ParamProblem checks a path or query parameter (single-line, max
// characters) and returns a 400 naming it, or nil.
func ParamProblem(name, value string, max int) *Error {
	if why := Problem(value, false, max); why != "" {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: name, Message: why}
	}
	return nil
}

// IntParamProblem checks a documented integer query parameter: a whole
// number that does not fit a 32-bit column is a 422 naming it. What is not
// a number at all is left to the handler (which answers 400 or 422).
func IntParamProblem(name, value string) *Error {
	if value == "" {
		return nil
	}
	if _, err := strconv.ParseInt(value, 10, 32); err != nil && errors.Is(err, strconv.ErrRange) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_parameter", Field: name, Message: fmt.Sprintf("must be a whole number from %d to %d", math.MinInt32, math.MaxInt32)}
	}
	return nil
}

// CheckJSONText scans a raw JSON body for what encoding/json would silently
// replace by U+FFFD: invalid UTF-8 and lone UTF-16 surrogates in \u escapes.
func CheckJSONText(b []byte) *Error {
	if !utf8.Valid(b) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_text", Field: "(body)", Message: "the body must be valid UTF-8"}
	}
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inStr {
			if c == '"' {
				inStr = true
			}
			continue
		}
		switch c {
		case '"':
			inStr = false
		case '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				hi, ok := hex4(b, i+2)
				if ok && hi >= 0xd800 && hi <= 0xdfff {
					lo, ok2 := uint16(0), false
					if hi <= 0xdbff && i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
						lo, ok2 = hex4(b, i+8)
					}
					if !ok2 || lo < 0xdc00 || lo > 0xdfff {
						return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_text", Field: "(body)", Message: "must not contain lone UTF-16 surrogates"}
					}
					i += 6
				}
			}
			i++ // skip the escaped character
		}
	}
	return nil
}

func hex4(b []byte, at int) (uint16, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 16)
	return uint16(n), err == nil
}

// textOpts are the options of a field's `text:"…"` tag.
type textOpts struct {
	kind  int // 0 by name, 1 line, 2 multiline
	max   int
	int64 bool
	raw   bool
}

func parseTextTag(tag string) textOpts {
	var o textOpts
	for _, part := range strings.Split(tag, ",") {
		switch {
		case part == "line":
			o.kind = 1
		case part == "multiline":
			o.kind = 2
		case part == "int64":
			o.int64 = true
		case part == "raw":
			o.raw = true
		case strings.HasPrefix(part, "max="):
			o.max, _ = strconv.Atoi(strings.TrimPrefix(part, "max="))
		}
	}
	return o
}

// CleanValue validates every text and number reachable from v (a pointer to
// a decoded request), NFC-normalising strings in place; the error is a 422
// naming the first refused field by its JSON path
// ("content.measures[2].title"). Struct fields may carry a tag
// `text:"line|multiline,max=N,int64,raw"` (raw: not normalised).
func CleanValue(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil
	}
	return cleanValue(rv.Elem(), "", textOpts{})
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func cleanValue(v reflect.Value, path string, o textOpts) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if v.Kind() == reflect.Interface {
			// Values inside interfaces are not addressable: check, and
			// replace by the normalised copy.
			inner := v.Elem()
			cp := reflect.New(inner.Type()).Elem()
			cp.Set(inner)
			if err := cleanValue(cp, path, o); err != nil {
				return err
			}
			if v.CanSet() {
				v.Set(cp)
			}
			return nil
		}
		return cleanValue(v.Elem(), path, o)
	case reflect.String:
		field := path
		if field == "" {
			field = "(body)"
		}
		multi := MultilineName(path)
		switch o.kind {
		case 1:
			multi = false
		case 2:
			multi = true
		}
		if o.raw || secretName(path) {
			if why := Problem(v.String(), multi, o.max); why != "" {
				return Invalid(field, why)
			}
			return nil
		}
		s, err := CheckText(field, v.String(), multi, o.max)
		if err != nil {
			return err
		}
		if v.CanSet() && s != v.String() {
			v.SetString(s)
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		if !o.int64 {
			return IntRange(pathOr(path), v.Int(), math.MinInt32, math.MaxInt32)
		}
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		if !o.int64 {
			return IntRange(pathOr(path), int64(min(v.Uint(), math.MaxInt64)), 0, math.MaxInt32)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes
		}
		for i := range v.Len() {
			if err := cleanValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), o); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		type upd struct{ k, v reflect.Value }
		var updates []upd
		for iter.Next() {
			k := iter.Key()
			name := path
			if k.Kind() == reflect.String {
				if why := Problem(k.String(), false, MaxLine); why != "" {
					return Invalid(join(path, k.String()), "the name "+why)
				}
				name = join(path, k.String())
			} else {
				name = fmt.Sprintf("%s[%v]", path, k.Interface())
			}
			// Map values are not addressable: check a copy, write it back.
			cp := reflect.New(v.Type().Elem()).Elem()
			cp.Set(iter.Value())
			elemOpts := o
			if k.Kind() != reflect.String {
				// map[int]string: the values are named by the map's field.
				name = path + "[" + fmt.Sprint(k.Interface()) + "]"
			}
			if err := cleanValue(cp, name, elemOpts); err != nil {
				return err
			}
			updates = append(updates, upd{k, cp})
		}
		for _, u := range updates {
			v.SetMapIndex(u.k, u.v)
		}
	case reflect.Struct:
		t := v.Type()
		if t == timeType {
			return nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			fo := parseTextTag(f.Tag.Get("text"))
			if f.Anonymous && name == "" {
				if err := cleanValue(v.Field(i), path, fo); err != nil {
					return err
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			if err := cleanValue(v.Field(i), join(path, name), fo); err != nil {
				return err
			}
		}
	}
	return nil
}

func pathOr(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}

package api

import "strings"

// FieldBase is the form field a refused field belongs to: the field itself,
// or for a field inside a list ("sources[0].url") the list ("sources"), so
// that a page names it by its form's label.
func FieldBase(field string) string {
	base, _, _ := strings.Cut(field, "[")
	base, _, _ = strings.Cut(base, ".")
	return base
}

// FieldPath is a refused field's place inside a list ("sources[0].url"),
// shown as code after its list's label; "" for a field of its own.
func FieldPath(field string) string {
	if strings.ContainsAny(field, "[.") {
		return field
	}
	return ""
}

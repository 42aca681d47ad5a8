package api

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Param documents a path or query parameter.
type Param struct {
	Name        string
	In          string // "path" or "query"
	Description string
	Required    bool
	Schema      string // "string", "integer", "boolean"
}

// Op documents one API operation. Request and Response are example values
// of the Go types that are decoded and encoded; their JSON Schemas are
// derived by reflection, so the document follows the code.
type Op struct {
	Method      string
	Path        string // e.g. /api/v1/norms/{id}
	Summary     string
	Description string
	Tag         string
	Access      string // the route's access rule, shown in the document
	Params      []Param
	Request     any
	Response    any
	// ContentType of a non-JSON response (e.g. text/csv); empty means JSON.
	ContentType string
	// Status is the success status; zero means 200.
	Status int
	// Errors are the error statuses the operation answers besides those
	// every operation of its kind may (ErrorStatuses): 409, 429…
	Errors []int
}

// errorText describes an error status in the document.
var errorText = map[int]string{
	400: "Bad request: a malformed parameter, cursor or JSON body (the error names the parameter)",
	401: "Unauthenticated: no session or API token, or an unknown or revoked token",
	403: "Forbidden: the account's role or the row's owner does not allow it, or a cross-origin write",
	404: "Not found (or not visible to this account)",
	409: "Conflict with the state of the resource",
	410: "Gone: the link or token was already used or has expired",
	413: "The request body is too large",
	415: "The body is not application/json",
	422: "A field or parameter was refused (the error names it)",
	429: "Too many requests; the Retry-After header says in how many seconds to try again",
	503: "Temporarily unavailable",
}

// ErrorStatuses are the error statuses op may answer, each declared in the
// document with the error schema: 400, 401 and 404 for every operation (a
// malformed parameter, a bad token, a resource not there or not visible);
// 429 where the public may call (the limit on anonymous requests); 403 for
// writes and operations not open to the public; 409 for writes;
// 413, 415 and 422 where a body is read; 422 where query or integer
// parameters are; and op.Errors.
func ErrorStatuses(op Op) []int {
	set := map[int]bool{400: true, 401: true, 404: true}
	if op.Method != "GET" || (op.Access != "" && op.Access != "public") {
		set[403] = true
	}
	if op.Method != "GET" {
		set[409] = true // a write can conflict with the state of things
	}
	if op.Request != nil {
		set[413], set[415], set[422] = true, true, true
	}
	for _, p := range op.Params {
		if p.In != "path" || p.Schema == "integer" {
			set[422] = true // a refused query parameter, an integer out of range
		}
	}
	if op.Access == "" || op.Access == "public" {
		set[429] = true // the limit on anonymous requests
	}
	for _, st := range op.Errors {
		set[st] = true
	}
	out := make([]int, 0, len(set))
	for st := range set {
		out = append(out, st)
	}
	sort.Ints(out)
	return out
}

// License is the licence of the API's content, as OpenAPI's info.license
// (a name and an SPDX identifier or a URL).
type License struct{ Name, Identifier, URL string }

// Spec collects operations and renders the OpenAPI 3.1 document.
type Spec struct {
	Title, Version, Description string
	// License is the document's info.license.
	License License

	mu  sync.Mutex
	ops []Op
}

// Add records an operation.
func (s *Spec) Add(op Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops = append(s.ops, op)
}

// Ops returns the recorded operations.
func (s *Spec) Ops() []Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Op(nil), s.ops...)
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z0-9_]+)\.{0,3}\}`)

// Document builds the OpenAPI 3.1 document as a JSON-ready map.
func (s *Spec) Document() map[string]any {
	schemas := map[string]any{}
	paths := map[string]any{}
	ops := s.Ops()
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	for _, op := range ops {
		p := pathParam.ReplaceAllString(op.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		o := map[string]any{
			"summary":     op.Summary,
			"operationId": operationID(op),
			"tags":        []string{op.Tag},
		}
		if op.Description != "" || op.Access != "" {
			o["description"] = strings.TrimSpace(op.Description + "\n\nAccess: " + op.Access)
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
			desc, typ := "", "string"
			for _, pp := range op.Params {
				if pp.Name == m[1] {
					desc = pp.Description
					if pp.Schema != "" {
						typ = pp.Schema
					}
				}
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "description": desc, "schema": map[string]any{"type": typ}})
		}
		for _, pp := range op.Params {
			if pp.In == "path" {
				continue
			}
			typ := pp.Schema
			if typ == "" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": pp.Name, "in": "query", "required": pp.Required, "description": pp.Description, "schema": map[string]any{"type": typ}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Request != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": requestSchema(reflect.TypeOf(op.Request), schemas)}}}
		}
		status := op.Status
		if status == 0 {
			status = 200
		}
		resp := map[string]any{"description": "success"}
		switch {
		case op.ContentType != "":
			resp["content"] = map[string]any{op.ContentType: map[string]any{"schema": map[string]any{"type": "string"}}}
		case op.Response != nil:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaFor(reflect.TypeOf(op.Response), schemas)}}
		}
		errRef := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorResponse"}}}}
		responses := map[string]any{strconv.Itoa(status): resp, "default": errRef}
		if op.Method == "GET" {
			resp["headers"] = map[string]any{"ETag": map[string]any{"description": "a digest of the answer; send it in If-None-Match to be told 304 when nothing changed (answers over 4 MiB are not tagged)", "schema": map[string]any{"type": "string"}}}
			responses["304"] = map[string]any{"description": "Not modified: If-None-Match named the answer's current ETag"}
		}
		for _, st := range ErrorStatuses(op) {
			text := errorText[st]
			if text == "" {
				text = "error"
			}
			responses[strconv.Itoa(st)] = map[string]any{"description": text, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorResponse"}}}}
		}
		o["responses"] = responses
		item[strings.ToLower(op.Method)] = o
	}
	schemas["ErrorResponse"] = map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string"},
				"message": map[string]any{"type": "string"},
				"field":   map[string]any{"type": "string"},
			}}}}
	info := map[string]any{"title": s.Title, "version": s.Version, "description": s.Description}
	if s.License.Name != "" {
		lic := map[string]any{"name": s.License.Name}
		if s.License.URL != "" {
			lic["url"] = s.License.URL
		}
		if s.License.Identifier != "" {
			lic["identifier"] = s.License.Identifier
		}
		info["license"] = lic
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    info,
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"token":   map[string]any{"type": "http", "scheme": "bearer", "description": "personal API token (cn_…)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "cn_session"},
			},
		},
		"security": []any{map[string]any{}, map[string]any{"token": []string{}}, map[string]any{"session": []string{}}},
	}
}

// requestSchema is the schema of a request body. Its top-level required
// fields are those tagged `api:"required"`, which Decode enforces (a
// missing or null one is a 422 naming it); other fields may be left out
// and take their documented defaults.
func requestSchema(t reflect.Type, schemas map[string]any) map[string]any {
	ref := schemaFor(t, schemas)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.Name() == "" {
		return ref
	}
	if sch, ok := schemas[schemaName(t)].(map[string]any); ok {
		delete(sch, "required")
		if req := RequiredFields(t); len(req) > 0 {
			sch["required"] = req
		}
	}
	return ref
}

// RequiredFields are the JSON names of t's fields tagged `api:"required"`.
func RequiredFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("api") != "required" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func operationID(op Op) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.Method))
	for _, part := range strings.Split(strings.TrimPrefix(op.Path, "/api/v1"), "/") {
		part = strings.Trim(part, "{}.")
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(strings.NewReplacer("-", "", "_", "").Replace(part[1:]))
	}
	return b.String()
}

var timeType = reflect.TypeOf(time.Time{})

// Schemaer is a type that encodes itself (a MarshalJSON) and so says which
// JSON Schema its encoding follows; the document uses it instead of the
// schema derived from the type's fields.
type Schemaer interface{ JSONSchema() map[string]any }

var schemaType = reflect.TypeOf((*Schemaer)(nil)).Elem()

// schemaFor derives a JSON Schema for t, registering named struct types in
// schemas and referring to them.
func schemaFor(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t.Implements(schemaType) {
		return reflect.Zero(t).Interface().(Schemaer).JSONSchema()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": schemaFor(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaFor(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			// An anonymous struct has no name to share: its schema is inline.
			props := map[string]any{}
			var required []string
			addStructFields(t, props, &required, schemas)
			s := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				sort.Strings(required)
				s["required"] = required
			}
			return s
		}
		name := schemaName(t)
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, done := schemas[name]; done {
			return ref
		}
		schemas[name] = map[string]any{} // placeholder against recursion
		props := map[string]any{}
		var required []string
		addStructFields(t, props, &required, schemas)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = required
		}
		schemas[name] = s
		return ref
	}
	return map[string]any{}
}

func addStructFields(t reflect.Type, props map[string]any, required *[]string, schemas map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addStructFields(ft, props, required, schemas)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		sch := schemaFor(f.Type, schemas)
		if f.Type.Kind() == reflect.Pointer && !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			sch = nullable(sch) // a nil pointer is written as null
		}
		if d := f.Tag.Get("doc"); d != "" {
			sch = map[string]any{"allOf": []any{sch}, "description": d}
		}
		props[name] = sch
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

func schemaName(t reflect.Type) string {
	name := t.Name()
	if name == "" {
		return "Anonymous"
	}
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	// Generic instantiations carry their type argument in brackets:
	// List[github.com/…/framework.Norm] becomes ListOfFrameworkNorm.
	if base, arg, ok := strings.Cut(name, "["); ok {
		arg = strings.TrimSuffix(arg, "]")
		arg = arg[strings.LastIndex(arg, "/")+1:]
		argPkg, argName, _ := strings.Cut(strings.TrimLeft(arg, "*"), ".")
		name = base + "Of" + strings.ToUpper(argPkg[:1]) + argPkg[1:] + argName
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + name
}

// nullable lets a schema's value also be null.
func nullable(sch map[string]any) map[string]any {
	if t, ok := sch["type"].(string); ok && len(sch) <= 2 {
		out := map[string]any{"type": []string{t, "null"}}
		if f, ok := sch["format"]; ok {
			out["format"] = f
		} else if len(sch) == 2 {
			return map[string]any{"anyOf": []any{sch, map[string]any{"type": "null"}}}
		}
		return out
	}
	return map[string]any{"anyOf": []any{sch, map[string]any{"type": "null"}}}
}

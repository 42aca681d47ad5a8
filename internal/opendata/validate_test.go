package opendata_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// validatePackage checks a Data Package descriptor and its files by the
// rules of the Frictionless specifications (Data Package, Tabular Data
// Resource, Table Schema and CSV Dialect, v1), as a third-party validator
// would: the descriptor's shape, then every cell against its field's type,
// format and constraints, primary keys unique and foreign keys resolved.
// files maps a resource's path to its bytes.
func validatePackage(pkg map[string]any, files map[string][]byte) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	namePat := regexp.MustCompile(`^([-a-z0-9._/])+$`)
	if pkg["profile"] != "tabular-data-package" {
		bad("profile %v, want tabular-data-package", pkg["profile"])
	}
	if n, _ := pkg["name"].(string); !namePat.MatchString(n) {
		bad("package name %q", n)
	}
	if c, ok := pkg["created"].(string); ok {
		if _, err := time.Parse(time.RFC3339, c); err != nil {
			bad("created %q is not RFC 3339", c)
		}
	}
	lics, _ := pkg["licenses"].([]any)
	if len(lics) == 0 {
		bad("no licenses")
	}
	for _, l := range lics {
		lm, _ := l.(map[string]any)
		if n, _ := lm["name"].(string); !regexp.MustCompile(`^([-a-zA-Z0-9._])+$`).MatchString(n) {
			bad("licence name %q", n)
		}
		if p, _ := lm["path"].(string); p != "" {
			if u, err := url.Parse(p); err != nil || u.Scheme == "" {
				bad("licence path %q", p)
			}
		}
	}
	res, _ := pkg["resources"].([]any)
	if len(res) == 0 {
		bad("no resources")
	}
	type table struct {
		fields []map[string]any
		rows   [][]any
		index  map[string]int
	}
	tables := map[string]*table{}
	schemas := map[string]map[string]any{}
	for _, r := range res {
		rm, _ := r.(map[string]any)
		name, _ := rm["name"].(string)
		if !namePat.MatchString(name) {
			bad("resource name %q", name)
		}
		if tables[name] != nil {
			bad("resource %s twice", name)
		}
		path, _ := rm["path"].(string)
		if path == "" || strings.HasPrefix(path, "/") || strings.Contains(path, "..") {
			bad("resource %s: path %q must be a relative POSIX path", name, path)
		}
		if rm["profile"] != "tabular-data-resource" {
			bad("resource %s: profile %v", name, rm["profile"])
		}
		schema, _ := rm["schema"].(map[string]any)
		if schema == nil {
			bad("resource %s: no schema", name)
			continue
		}
		schemas[name] = schema
		data, ok := files[path]
		if !ok {
			bad("resource %s: no file %s", name, path)
			continue
		}
		if b, ok := rm["bytes"].(float64); ok && int(b) != len(data) {
			bad("resource %s: bytes %v, file has %d", name, b, len(data))
		}
		if h, ok := rm["hash"].(string); ok {
			sum := sha256.Sum256(data)
			if h != "sha256:"+hex.EncodeToString(sum[:]) {
				bad("resource %s: hash %s does not match", name, h)
			}
		}
		t := &table{index: map[string]int{}}
		tables[name] = t
		fs, _ := schema["fields"].([]any)
		if len(fs) == 0 {
			bad("resource %s: no fields", name)
		}
		for i, f := range fs {
			fm, _ := f.(map[string]any)
			fname, _ := fm["name"].(string)
			if fname == "" {
				bad("resource %s: field %d has no name", name, i)
			}
			typ, _ := fm["type"].(string)
			switch typ {
			case "string", "number", "integer", "boolean", "date", "datetime", "time", "year", "yearmonth", "duration", "object", "array", "geopoint", "geojson", "any":
			default:
				bad("resource %s: field %s: type %q", name, fname, typ)
			}
			if fmt, ok := fm["format"].(string); ok && typ == "string" && fmt != "default" && fmt != "email" && fmt != "uri" && fmt != "binary" && fmt != "uuid" {
				bad("resource %s: field %s: format %q", name, fname, fmt)
			}
			if c, ok := fm["constraints"].(map[string]any); ok {
				if e, ok := c["enum"]; ok {
					if l, _ := e.([]any); len(l) == 0 {
						bad("resource %s: field %s: empty enum", name, fname)
					}
				}
				if p, ok := c["pattern"].(string); ok {
					if _, err := regexp.Compile(`^(?:` + p + `)$`); err != nil {
						bad("resource %s: field %s: pattern: %v", name, fname, err)
					}
				}
			}
			t.fields = append(t.fields, fm)
			t.index[fname] = i
		}
		// The data: header, then every cell cast by its field.
		rd := csv.NewReader(bytes.NewReader(data))
		recs, err := rd.ReadAll()
		if err != nil {
			bad("resource %s: CSV: %v", name, err)
			continue
		}
		if len(recs) == 0 {
			bad("resource %s: no header", name)
			continue
		}
		for i, h := range recs[0] {
			if i >= len(t.fields) || t.fields[i]["name"] != h {
				bad("resource %s: header %d is %q, schema says %v", name, i, h, t.fields[min(i, len(t.fields)-1)]["name"])
			}
		}
		for n, rec := range recs[1:] {
			if len(rec) != len(t.fields) {
				bad("resource %s: row %d has %d cells", name, n+2, len(rec))
				continue
			}
			row := make([]any, len(rec))
			for i, cell := range rec {
				v, err := castCell(t.fields[i], cell)
				if err != nil {
					bad("resource %s: row %d, %s: %v", name, n+2, t.fields[i]["name"], err)
				}
				row[i] = v
			}
			t.rows = append(t.rows, row)
		}
	}
	keyOf := func(t *table, row []any, names []string) (string, bool) {
		var parts []string
		for _, n := range names {
			i, ok := t.index[n]
			if !ok || row[i] == nil {
				return "", false
			}
			parts = append(parts, fmt.Sprint(row[i]))
		}
		return strings.Join(parts, "\x00"), true
	}
	for name, schema := range schemas {
		t := tables[name]
		if t == nil {
			continue
		}
		pk := names(schema["primaryKey"])
		for _, k := range pk {
			if _, ok := t.index[k]; !ok {
				bad("resource %s: primary key field %s is not a field", name, k)
			}
		}
		seen := map[string]bool{}
		for i, row := range t.rows {
			k, ok := keyOf(t, row, pk)
			if !ok {
				bad("resource %s: row %d: empty primary key", name, i+2)
			} else if seen[k] {
				bad("resource %s: row %d: primary key %q twice", name, i+2, k)
			}
			seen[k] = true
		}
		fks, _ := schema["foreignKeys"].([]any)
		for _, fk := range fks {
			fkm, _ := fk.(map[string]any)
			ref, _ := fkm["reference"].(map[string]any)
			target, _ := ref["resource"].(string)
			tt := tables[target]
			if target == "" {
				tt = t
			}
			from, to := names(fkm["fields"]), names(ref["fields"])
			if tt == nil || len(from) != len(to) || len(from) == 0 {
				bad("resource %s: foreign key to %q is broken", name, target)
				continue
			}
			have := map[string]bool{}
			for _, row := range tt.rows {
				if k, ok := keyOf(tt, row, to); ok {
					have[k] = true
				}
			}
			for i, row := range t.rows {
				if k, ok := keyOf(t, row, from); ok && !have[k] {
					bad("resource %s: row %d: %v = %q not found in %s", name, i+2, from, k, target)
				}
			}
		}
	}
	return errs
}

func names(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// castCell casts a CSV cell by Table Schema's rules for the default
// formats; "" is the missing value.
func castCell(f map[string]any, cell string) (any, error) {
	c, _ := f["constraints"].(map[string]any)
	if cell == "" {
		if c["required"] == true {
			return nil, fmt.Errorf("required but empty")
		}
		return nil, nil
	}
	var v any
	var err error
	switch f["type"] {
	case "string":
		v = cell
		switch f["format"] {
		case "uri":
			if u, e := url.Parse(cell); e != nil || u.Scheme == "" {
				err = fmt.Errorf("%q is not a URI", cell)
			}
		case "email":
			if !strings.Contains(cell, "@") {
				err = fmt.Errorf("%q is not an e-mail address", cell)
			}
		}
	case "integer":
		v, err = strconv.ParseInt(cell, 10, 64)
	case "number":
		v, err = strconv.ParseFloat(cell, 64)
	case "boolean":
		switch cell {
		case "true", "True", "TRUE", "1":
			v = true
		case "false", "False", "FALSE", "0":
			v = false
		default:
			err = fmt.Errorf("%q is not a boolean", cell)
		}
	case "date":
		_, err = time.Parse("2006-01-02", cell)
		v = cell
	case "datetime":
		_, err = time.Parse("2006-01-02T15:04:05Z", cell)
		v = cell
	default:
		v = cell
	}
	if err != nil {
		return nil, err
	}
	if e, ok := c["enum"].([]any); ok {
		found := false
		for _, x := range e {
			if fmt.Sprint(x) == cell {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%q is not one of %v", cell, e)
		}
	}
	if p, ok := c["pattern"].(string); ok && !regexp.MustCompile(`^(?:`+p+`)$`).MatchString(cell) {
		return nil, fmt.Errorf("%q does not match %s", cell, p)
	}
	return v, nil
}

package opendata

// The Frictionless Data Package (v1) descriptor of the registry: one
// tabular data resource per dataset, each with its Table Schema.
// https://specs.frictionlessdata.io/data-package/

// Licence is a licence as the descriptor names it.
type Licence struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Title string `json:"title"`
}

// File is what is known of a written file: where it is and, for a
// release, its size and checksum.
type File struct {
	Path   string
	Bytes  int64
	SHA256 string
}

// PackageInfo is the package-level metadata.
type PackageInfo struct {
	Name        string
	Title       string
	Description string
	Homepage    string
	Version     string
	Created     string // RFC 3339
	// ID identifies the package for citation: a release's stable address.
	ID string
	// Publisher is who publishes it (a contributor with the publisher role).
	Publisher string
	Keywords  []string
	Licence   Licence
	// Files gives each dataset's file (by dataset name); a dataset without
	// one gets Path name+".csv".
	Files map[string]File
}

// TableSchema is the dataset's Frictionless Table Schema.
func (d Dataset) TableSchema() map[string]any {
	fields := make([]map[string]any, 0, len(d.Fields))
	for _, f := range d.Fields {
		m := map[string]any{"name": f.Name, "type": f.Type, "description": f.Description}
		if f.Title != "" {
			m["title"] = f.Title
		}
		if f.Format != "" {
			m["format"] = f.Format
		}
		c := map[string]any{}
		if f.Required {
			c["required"] = true
		}
		if len(f.Enum) > 0 {
			c["enum"] = f.Enum
		}
		if f.Pattern != "" {
			c["pattern"] = f.Pattern
		}
		if len(c) > 0 {
			m["constraints"] = c
		}
		fields = append(fields, m)
	}
	s := map[string]any{"fields": fields, "missingValues": []string{""}}
	if len(d.PrimaryKey) == 1 {
		s["primaryKey"] = d.PrimaryKey[0]
	} else {
		s["primaryKey"] = d.PrimaryKey
	}
	if len(d.ForeignKeys) > 0 {
		fks := make([]map[string]any, 0, len(d.ForeignKeys))
		for _, fk := range d.ForeignKeys {
			fks = append(fks, map[string]any{"fields": fk.Fields, "reference": map[string]any{"resource": fk.Resource, "fields": fk.Reference}})
		}
		s["foreignKeys"] = fks
	}
	return s
}

// Resource is the dataset's tabular data resource descriptor.
func (d Dataset) Resource(f File, lic Licence) map[string]any {
	if f.Path == "" {
		f.Path = d.Name + ".csv"
	}
	r := map[string]any{
		"name": d.Name, "path": f.Path, "profile": "tabular-data-resource",
		"title": d.Title, "description": d.Description,
		"format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
		"dialect":  map[string]any{"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": true, "header": true},
		"schema":   d.TableSchema(),
		"licenses": []Licence{lic},
	}
	if f.Bytes > 0 {
		r["bytes"] = f.Bytes
	}
	if f.SHA256 != "" {
		r["hash"] = "sha256:" + f.SHA256
	}
	return r
}

// Package is the Data Package descriptor of datasets.
func Package(info PackageInfo, sets []Dataset) map[string]any {
	res := make([]map[string]any, 0, len(sets))
	for _, d := range sets {
		res = append(res, d.Resource(info.Files[d.Name], info.Licence))
	}
	p := map[string]any{
		"profile": "tabular-data-package",
		"name":    info.Name, "title": info.Title, "description": info.Description,
		"homepage":  info.Homepage,
		"licenses":  []Licence{info.Licence},
		"sources":   []map[string]string{{"title": info.Title, "path": info.Homepage}},
		"resources": res,
	}
	if info.Version != "" {
		p["version"] = info.Version
	}
	if info.Created != "" {
		p["created"] = info.Created
	}
	if info.ID != "" {
		p["id"] = info.ID
	}
	if info.Publisher != "" {
		p["contributors"] = []map[string]string{{"title": info.Publisher, "role": "publisher", "path": info.Homepage}}
	}
	if len(info.Keywords) > 0 {
		p["keywords"] = info.Keywords
	}
	return p
}

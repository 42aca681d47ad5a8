// Package opendata is the registry of the platform's open datasets: every
// public table a module publishes, described once (a Frictionless Table
// Schema: field names, types, formats, descriptions, enumerations, keys)
// and written from the database as CSV (RFC 4180) and JSON Lines, row by
// row in constant memory.
//
// A module joins by adding one file, datasets.go, with a function returning
// its datasets; the app adds them to the Registry at wiring time, as it
// adds routes. A dataset is a SELECT of public rows only: the module, which
// knows its visibility rules, writes them into the query (published
// versions, TLP:CLEAR, public reports …). The opendata feature module
// (internal/opendata) serves the catalogue, the data package, the releases
// and the change feeds from the registry.
package opendata

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Field types, as Table Schema names them.
const (
	String   = "string"
	Integer  = "integer"
	Number   = "number"
	Boolean  = "boolean"
	Date     = "date"     // YYYY-MM-DD
	DateTime = "datetime" // YYYY-MM-DDThh:mm:ssZ, UTC
)

// Field describes one column.
type Field struct {
	Name        string
	Title       string
	Description string
	Type        string
	// Format is a Table Schema format of a string field: "uri", "email".
	Format string
	// Enum lists every value the field may take (empty: free).
	Enum []string
	// Pattern is a regular expression (XML Schema flavour) every value matches.
	Pattern string
	// Required fields are never empty.
	Required bool
}

// ForeignKey says that Fields refer to the primary key of another dataset.
type ForeignKey struct {
	Fields    []string
	Resource  string // the other dataset's name
	Reference []string
}

// Feed makes a dataset's newest rows a change feed (Atom and JSON).
type Feed struct {
	// Title of the feed, e.g. "Published reports".
	Title string
	// Time is the datetime field the feed is ordered by (newest first).
	Time string
	// Filters are the fields a reader may filter on (?field=value).
	Filters []string
	// Entry makes an entry's title, summary and page path from a row.
	Entry func(r Row) (title, summary, path string)
}

// Dataset is one public table.
type Dataset struct {
	// Name is the file name without extension: lower case, digits and -.
	Name string
	// Module is the feature module that publishes it.
	Module      string
	Title       string
	Description string
	Fields      []Field
	PrimaryKey  []string
	ForeignKeys []ForeignKey
	// Query selects the public rows, one column per field in Fields' order
	// and named as the field (AS name), ordered by the primary key (so that
	// files are stable). It must never
	// select anything non-public: drafts, confidential or restricted
	// content, TLP above CLEAR, sealed fields.
	Query string
	Args  []any
	// Params, when set, gives the query's arguments at the time of
	// reading, for rules that depend on it (results shown once a deadline
	// has passed). The registry reads the time from the application's clock.
	Params func(now time.Time) []any
	// Source, instead of Query, computes the rows in Go (figures derived
	// from stored documents): it calls emit with one value per field, in
	// Fields' order and primary-key order, reading through q. A dataset
	// with a Source has no feed.
	Source func(ctx context.Context, q db.Querier, emit func(vals ...any) error) error
	// Changed names the datetime field whose latest value is the dataset's
	// last change ("" when it has none).
	Changed string
	// Feed, when set, publishes the newest rows as a change feed.
	Feed *Feed

	// now is the time Params reads (set by the registry; zero: the system's).
	now time.Time
}

// At returns the dataset as read at a given time (what Params receives).
func (d Dataset) At(now time.Time) Dataset {
	d.now = now
	return d
}

// args are the query's arguments now.
func (d Dataset) args() []any {
	if d.Params == nil {
		return d.Args
	}
	now := d.now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	return d.Params(now)
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,62}$`)
var fieldPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Check reports what is wrong with a dataset's description.
func (d Dataset) Check() error {
	if !namePattern.MatchString(d.Name) {
		return fmt.Errorf("dataset %q: name must be lower-case letters, digits and -", d.Name)
	}
	if d.Module == "" || d.Title == "" || d.Description == "" || (d.Query == "") == (d.Source == nil) {
		return fmt.Errorf("dataset %s: module, title, description and a query or (not and) a source are required", d.Name)
	}
	if d.Source != nil && (d.Feed != nil || d.Params != nil) {
		return fmt.Errorf("dataset %s: a dataset computed by a source has no feed and no parameters", d.Name)
	}
	seen := map[string]string{}
	for _, f := range d.Fields {
		if !fieldPattern.MatchString(f.Name) {
			return fmt.Errorf("dataset %s: field name %q must be lower-case letters, digits and _", d.Name, f.Name)
		}
		if seen[f.Name] != "" {
			return fmt.Errorf("dataset %s: field %s twice", d.Name, f.Name)
		}
		switch f.Type {
		case String, Integer, Number, Boolean, Date, DateTime:
		default:
			return fmt.Errorf("dataset %s: field %s: unknown type %q", d.Name, f.Name, f.Type)
		}
		if f.Description == "" {
			return fmt.Errorf("dataset %s: field %s has no description", d.Name, f.Name)
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(`^(?:` + f.Pattern + `)$`); err != nil {
				return fmt.Errorf("dataset %s: field %s: pattern: %w", d.Name, f.Name, err)
			}
		}
		seen[f.Name] = f.Type
	}
	if len(d.Fields) == 0 || len(d.PrimaryKey) == 0 {
		return fmt.Errorf("dataset %s: fields and a primary key are required", d.Name)
	}
	for _, k := range d.PrimaryKey {
		if seen[k] == "" {
			return fmt.Errorf("dataset %s: primary key %s is not a field", d.Name, k)
		}
	}
	for _, fk := range d.ForeignKeys {
		if len(fk.Fields) == 0 || len(fk.Fields) != len(fk.Reference) || fk.Resource == "" {
			return fmt.Errorf("dataset %s: foreign key %v is incomplete", d.Name, fk.Fields)
		}
		for _, k := range fk.Fields {
			if seen[k] == "" {
				return fmt.Errorf("dataset %s: foreign key field %s is not a field", d.Name, k)
			}
		}
	}
	if d.Changed != "" && seen[d.Changed] != DateTime {
		return fmt.Errorf("dataset %s: changed field %s is not a datetime field", d.Name, d.Changed)
	}
	if d.Feed != nil {
		if seen[d.Feed.Time] != DateTime || d.Feed.Entry == nil || d.Feed.Title == "" {
			return fmt.Errorf("dataset %s: a feed needs a title, a datetime time field and an entry function", d.Name)
		}
		for _, f := range d.Feed.Filters {
			if seen[f] == "" {
				return fmt.Errorf("dataset %s: feed filter %s is not a field", d.Name, f)
			}
		}
	}
	return nil
}

// Field returns the named field.
func (d Dataset) Field(name string) (Field, bool) {
	for _, f := range d.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Registry holds every dataset, in the order they were added.
type Registry struct {
	// Now is the application's clock, handed to the datasets' Params (nil:
	// the system clock).
	Now  func() time.Time
	mu   sync.RWMutex
	sets []Dataset
}

func (r *Registry) bind(d Dataset) Dataset {
	if r.Now != nil {
		return d.At(r.Now())
	}
	return d
}

// Add registers datasets; a bad description or a name taken twice is an
// error (a programming mistake, found at start-up).
func (r *Registry) Add(ds ...Dataset) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		if err := d.Check(); err != nil {
			return err
		}
		for _, o := range r.sets {
			if o.Name == d.Name {
				return fmt.Errorf("dataset %s registered twice", d.Name)
			}
		}
		r.sets = append(r.sets, d)
	}
	return nil
}

// All returns the datasets in registration order, as read now.
func (r *Registry) All() []Dataset {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := slices.Clone(r.sets)
	for i := range out {
		out[i] = r.bind(out[i])
	}
	return out
}

// Get returns the named dataset.
func (r *Registry) Get(name string) (Dataset, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, d := range r.sets {
		if d.Name == name {
			return r.bind(d), true
		}
	}
	return Dataset{}, false
}

// Row is one row as read: values by field, nil for NULL.
type Row struct {
	fields []Field
	vals   []any
}

// Get returns a field's value (string, int64, float64, bool or time.Time),
// nil when NULL or unknown.
func (r Row) Get(name string) any {
	for i, f := range r.fields {
		if f.Name == name {
			return r.vals[i]
		}
	}
	return nil
}

// String returns a field's value as text, as the CSV holds it.
func (r Row) String(name string) string {
	for i, f := range r.fields {
		if f.Name == name {
			return text(f, r.vals[i])
		}
	}
	return ""
}

// Each runs the dataset's query and calls fn for every row, in order. The
// row is reused: fn must not keep it.
func (d Dataset) Each(ctx context.Context, q db.Querier, fn func(Row) error) error {
	if d.Source != nil {
		return d.eachSource(ctx, q, fn)
	}
	return d.each(ctx, q, d.Query, d.args(), fn)
}

// eachSource runs a computed dataset.
func (d Dataset) eachSource(ctx context.Context, q db.Querier, fn func(Row) error) error {
	row := Row{fields: d.Fields, vals: make([]any, len(d.Fields))}
	return d.Source(ctx, q, func(vals ...any) error {
		if len(vals) != len(d.Fields) {
			return fmt.Errorf("dataset %s: a row of %d values for %d fields", d.Name, len(vals), len(d.Fields))
		}
		for i, f := range d.Fields {
			v, err := convert(f, normalise(vals[i]))
			if err != nil {
				return fmt.Errorf("dataset %s: field %s: %w", d.Name, f.Name, err)
			}
			row.vals[i] = v
		}
		return fn(row)
	})
}

// normalise turns the Go values a source emits into what a driver returns.
func normalise(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return *x
	}
	return v
}

func (d Dataset) each(ctx context.Context, q db.Querier, query string, args []any, fn func(Row) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("dataset %s: %w", d.Name, err)
	}
	defer rows.Close()
	n := len(d.Fields)
	raw := make([]any, n)
	ptrs := make([]any, n)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	row := Row{fields: d.Fields, vals: make([]any, n)}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("dataset %s: %w", d.Name, err)
		}
		for i, f := range d.Fields {
			v, err := convert(f, raw[i])
			if err != nil {
				return fmt.Errorf("dataset %s: field %s: %w", d.Name, f.Name, err)
			}
			row.vals[i] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// convert turns what a driver returned into the field's Go type.
func convert(f Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch f.Type {
	case Integer:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int:
			return int64(x), nil
		case float64:
			return int64(x), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
	case Number:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			return strconv.ParseBool(x)
		}
	case DateTime, Date:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			if x == "" {
				return nil, nil
			}
			if f.Type == Date && len(x) == 10 {
				return x, nil
			}
			t, err := ParseTime(x)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
	default:
		switch x := v.(type) {
		case string:
			return x, nil
		case time.Time:
			return x.UTC().Format(time.RFC3339), nil
		default:
			return fmt.Sprint(x), nil
		}
	}
	return nil, fmt.Errorf("unexpected %T for a %s", v, f.Type)
}

// ParseTime reads a time as SQLite returns it from an expression (MAX(…))
// or as text.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	// Go's time.Time.String(), as some drivers store it.
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSuffix(s, " m=")); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

// text is a value as a CSV cell: Table Schema's default formats, "" for NULL.
func text(f Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case time.Time:
		if f.Type == Date {
			return x.UTC().Format("2006-01-02")
		}
		return x.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
	}
	return fmt.Sprint(v)
}

// jsonValue is a value as JSON: numbers and booleans typed, times as text.
func jsonValue(f Field, v any) any {
	if _, ok := v.(time.Time); ok {
		return text(f, v)
	}
	return v
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Written tells how many rows and bytes a writer produced.
type Written struct {
	Rows  int64
	Bytes int64
}

// WriteCSV writes the dataset as CSV (UTF-8, RFC 4180, CRLF line ends, a
// header row of field names).
func (d Dataset) WriteCSV(ctx context.Context, q db.Querier, w io.Writer) (Written, error) {
	return d.WriteCSVRows(ctx, q, w, nil)
}

// WriteCSVRows is WriteCSV calling onRow with every row's primary key and
// cells (reused: onRow must not keep them), e.g. to compare releases.
func (d Dataset) WriteCSVRows(ctx context.Context, q db.Querier, w io.Writer, onRow func(key string, cells []string)) (Written, error) {
	c := &counter{w: w}
	var keyIdx []int
	for _, k := range d.PrimaryKey {
		for i, f := range d.Fields {
			if f.Name == k {
				keyIdx = append(keyIdx, i)
			}
		}
	}
	var key strings.Builder
	cw := csv.NewWriter(c)
	cw.UseCRLF = true
	cells := make([]string, len(d.Fields))
	for i, f := range d.Fields {
		cells[i] = f.Name
	}
	if err := cw.Write(cells); err != nil {
		return Written{}, err
	}
	var n int64
	err := d.Each(ctx, q, func(r Row) error {
		for i, f := range d.Fields {
			cells[i] = text(f, r.vals[i])
		}
		n++
		if n%512 == 0 {
			cw.Flush()
		}
		if onRow != nil {
			key.Reset()
			for j, i := range keyIdx {
				if j > 0 {
					key.WriteByte(0)
				}
				key.WriteString(cells[i])
			}
			onRow(key.String(), cells)
		}
		return cw.Write(cells)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return Written{Rows: n, Bytes: c.n}, err
}

// WriteJSONL writes the dataset as JSON Lines: one object a row, keys in
// field order.
func (d Dataset) WriteJSONL(ctx context.Context, q db.Querier, w io.Writer) (Written, error) {
	c := &counter{w: w}
	var n int64
	var buf []byte
	err := d.Each(ctx, q, func(r Row) error {
		buf = append(buf[:0], '{')
		for i, f := range d.Fields {
			if i > 0 {
				buf = append(buf, ',')
			}
			k, _ := json.Marshal(f.Name)
			buf = append(buf, k...)
			buf = append(buf, ':')
			v, err := json.Marshal(jsonValue(f, r.vals[i]))
			if err != nil {
				return err
			}
			buf = append(buf, v...)
		}
		buf = append(buf, '}', '\n')
		n++
		_, err := c.Write(buf)
		return err
	})
	return Written{Rows: n, Bytes: c.n}, err
}

// Stats are a dataset's size now.
type Stats struct {
	Rows    int64      `json:"rows"`
	Changed *time.Time `json:"last_changed"`
}

// Stats counts the rows and finds the last change.
func (d Dataset) Stats(ctx context.Context, q db.Querier) (Stats, error) {
	var s Stats
	if d.Source != nil {
		err := d.Each(ctx, q, func(r Row) error {
			s.Rows++
			if t, ok := r.Get(d.Changed).(time.Time); ok && d.Changed != "" && (s.Changed == nil || t.After(*s.Changed)) {
				s.Changed = &t
			}
			return nil
		})
		return s, err
	}
	var changed any = nil
	sel := "COUNT(*), NULL"
	if d.Changed != "" {
		sel = "COUNT(*), MAX(" + d.Changed + ")"
	}
	if err := q.QueryRowContext(ctx, "SELECT "+sel+" FROM ("+d.plainQuery()+") od_sub", d.args()...).Scan(&s.Rows, &changed); err != nil {
		return s, fmt.Errorf("dataset %s: stats: %w", d.Name, err)
	}
	if changed != nil {
		v, err := convert(Field{Type: DateTime}, changed)
		if err != nil {
			return s, fmt.Errorf("dataset %s: stats: %w", d.Name, err)
		}
		if t, ok := v.(time.Time); ok {
			s.Changed = &t
		}
	}
	return s, nil
}

// plainQuery is the query without its final ORDER BY, for wrapping it in a
// subquery (PostgreSQL keeps an inner ORDER BY but need not; SQLite would
// sort for nothing).
func (d Dataset) plainQuery() string {
	q := d.Query
	if i := strings.LastIndex(strings.ToUpper(q), "ORDER BY"); i > 0 && !strings.Contains(q[i:], ")") {
		q = q[:i]
	}
	return q
}

// ErrUnknownFilter is returned for a filter the feed does not offer.
var ErrUnknownFilter = errors.New("unknown filter")

// Newest reads the feed's newest rows, at most limit, matching filters
// (field → value, fields among Feed.Filters), newest first.
func (d Dataset) Newest(ctx context.Context, q db.Querier, filters map[string]string, limit int, fn func(Row) error) error {
	if d.Feed == nil {
		return ErrUnknownFilter
	}
	// Rows without a time (not yet decided …) are not news.
	query := "SELECT * FROM (" + d.plainQuery() + ") od_sub WHERE " + d.Feed.Time + " IS NOT NULL"
	args := slices.Clone(d.args())
	keys := make([]string, 0, len(filters))
	for k := range filters {
		if !slices.Contains(d.Feed.Filters, k) {
			return fmt.Errorf("%w: %s", ErrUnknownFilter, k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		query += " AND " + k + " = ?"
		args = append(args, filters[k])
	}
	query += " ORDER BY " + d.Feed.Time + " DESC LIMIT " + strconv.Itoa(limit)
	return d.each(ctx, q, query, args, fn)
}

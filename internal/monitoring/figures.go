package monitoring

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// Cell is one figure of a table: a count, or a text (a name, a status).
// A dashboard's chart, HTML table, CSV and JSON are all drawn from the same
// cells, so they cannot disagree.
type Cell struct {
	N    int
	Text string
	Num  bool
}

// Count makes a numeric cell.
func Count(n int) Cell { return Cell{N: n, Num: true} }

// Text makes a text cell.
func Text(s string) Cell { return Cell{Text: s} }

// String is the cell as shown and written to CSV.
func (c Cell) String() string {
	if c.Num {
		return strconv.Itoa(c.N)
	}
	return c.Text
}

// MarshalJSON writes a number or a string.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.Num {
		return []byte(strconv.Itoa(c.N)), nil
	}
	return json.Marshal(c.Text)
}

// JSONSchema is the schema of a cell's JSON: a whole number or a text.
func (Cell) JSONSchema() map[string]any {
	return map[string]any{"type": []string{"integer", "string"}}
}

// Column is a column of a table: a stable key (CSV and JSON header) and its
// label in the page's language.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Row is a row: a stable key (an ISO3 code, a cycle name, a norm id), its
// label, and one cell per column.
type Row struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Cells []Cell `json:"values"`
}

// Figures is the table behind a chart.
type Figures struct {
	Caption  string   `json:"caption"`
	RowLabel string   `json:"row_label"`
	Columns  []Column `json:"columns"`
	Rows     []Row    `json:"rows"`
}

// WriteCSV writes the figures as CSV: key and label, then one column per
// column key.
func (f Figures) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"key", "label"}
	for _, c := range f.Columns {
		head = append(head, c.Key)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range f.Rows {
		rec := []string{r.Key, csvSafe(r.Label)}
		for _, c := range r.Cells {
			rec = append(rec, csvSafe(c.String()))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a text cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '@' || (s[0] == '-' && len(s) > 1 && (s[1] < '0' || s[1] > '9'))) {
		return "'" + s
	}
	return s
}

// Column returns the numbers of the column with key k, by row.
func (f Figures) Column(k string) []float64 {
	idx := -1
	for i, c := range f.Columns {
		if c.Key == k {
			idx = i
		}
	}
	out := make([]float64, len(f.Rows))
	if idx < 0 {
		return out
	}
	for i, r := range f.Rows {
		out[i] = float64(r.Cells[idx].N)
	}
	return out
}

// Labels returns the row labels.
func (f Figures) Labels() []string {
	out := make([]string, len(f.Rows))
	for i, r := range f.Rows {
		out[i] = r.Label
	}
	return out
}

// HTML renders the figures as an accessible table (caption, header cells
// with scope), once per built view rather than on every request.
func (f Figures) HTML() template.HTML {
	var b strings.Builder
	b.Grow(64 * (len(f.Rows) + 1) * (len(f.Columns) + 1))
	// A wide table scrolls; the region takes focus so it scrolls by keyboard.
	b.WriteString(`<div class="table-wrap" tabindex="0" role="region" aria-label="` + html.EscapeString(f.Caption) + `"><table>` + "\n<caption>")
	b.WriteString(html.EscapeString(f.Caption))
	b.WriteString("</caption>\n<thead><tr><th scope=\"col\">")
	b.WriteString(html.EscapeString(f.RowLabel))
	b.WriteString("</th>")
	for _, c := range f.Columns {
		b.WriteString(`<th scope="col">`)
		b.WriteString(html.EscapeString(c.Label))
		b.WriteString("</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>")
	for _, r := range f.Rows {
		b.WriteString(`<tr><th scope="row">`)
		b.WriteString(html.EscapeString(r.Label))
		b.WriteString("</th>")
		for _, c := range r.Cells {
			if c.Num {
				b.WriteString(`<td class="num">`)
			} else {
				b.WriteString("<td>")
			}
			b.WriteString(html.EscapeString(c.String()))
			b.WriteString("</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody>\n</table></div>")
	return template.HTML(b.String())
}

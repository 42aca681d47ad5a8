package monitoring

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/web"
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
	// Lang is the language the HTML table writes its numbers in
	// (web.FormatNumber); CSV and JSON keep plain numbers.
	Lang string `json:"-"`
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

// numeric reports, per column, whether it holds numbers only (or nothing),
// so its header is aligned with them.
func (f Figures) numeric() []bool {
	out := make([]bool, len(f.Columns))
	for i := range out {
		out[i] = true
		for _, r := range f.Rows {
			if i < len(r.Cells) && !r.Cells[i].Num && r.Cells[i].Text != "" {
				out[i] = false
				break
			}
		}
	}
	return out
}

// tableID makes a stable id for a caption from its text.
func tableID(caption string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(caption); i++ {
		h ^= uint32(caption[i])
		h *= 16777619
	}
	return "t" + strconv.FormatUint(uint64(h), 36)
}

// open writes the scrolling region and the caption. A table wider than
// its column scrolls in its own region, which takes focus so it scrolls
// by keyboard and is named by the caption; the caption's text keeps to the
// region's width, so it is never cut off while the table scrolls.
func open(b *strings.Builder, caption, class string) {
	id := tableID(caption)
	b.WriteString(`<div class="table-wrap figures" tabindex="0" role="region" aria-labelledby="` + id + `"><table`)
	if class != "" {
		b.WriteString(` class="` + class + `"`)
	}
	b.WriteString(">\n<caption><span id=\"" + id + "\">")
	b.WriteString(html.EscapeString(caption))
	b.WriteString("</span></caption>\n")
}

func cell(b *strings.Builder, c Cell, lang string) {
	if c.Num {
		b.WriteString(`<td class="num">`)
		b.WriteString(web.FormatNumber(lang, c.N))
		b.WriteString("</td>")
		return
	}
	b.WriteString("<td>")
	b.WriteString(html.EscapeString(c.Text))
	b.WriteString("</td>")
}

func colHeader(b *strings.Builder, label string, num bool) {
	if num {
		b.WriteString(`<th scope="col" class="num">`)
	} else {
		b.WriteString(`<th scope="col">`)
	}
	b.WriteString(html.EscapeString(label))
	b.WriteString("</th>")
}

// HTML renders the figures as an accessible table (caption, header cells
// with scope, numbers and their headers aligned to the end), once per
// built view rather than on every request. Row names are isolated (bdi):
// a name in English keeps its order on an Arabic page.
func (f Figures) HTML() template.HTML {
	var b strings.Builder
	b.Grow(64 * (len(f.Rows) + 1) * (len(f.Columns) + 1))
	open(&b, f.Caption, "")
	b.WriteString("<thead><tr>")
	colHeader(&b, f.RowLabel, false)
	num := f.numeric()
	for i, c := range f.Columns {
		colHeader(&b, c.Label, num[i])
	}
	b.WriteString("</tr></thead>\n<tbody>")
	for _, r := range f.Rows {
		b.WriteString(`<tr><th scope="row"><bdi>`)
		b.WriteString(html.EscapeString(r.Label))
		b.WriteString("</bdi></th>")
		for _, c := range r.Cells {
			cell(&b, c, f.Lang)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody>\n</table></div>")
	return template.HTML(b.String())
}

// TransposedHTML renders the figures with rows and columns swapped: one
// row per column of the figures and one column per row. Few long-named
// columns over many short rows (measure types over cycles) read better
// this way and fit the page; corner names the row headers.
func (f Figures) TransposedHTML(corner string) template.HTML {
	var b strings.Builder
	b.Grow(64 * (len(f.Rows) + 1) * (len(f.Columns) + 1))
	open(&b, f.Caption, "transposed")
	b.WriteString("<thead><tr>")
	colHeader(&b, corner, false)
	for _, r := range f.Rows {
		colHeader(&b, r.Label, true)
	}
	b.WriteString("</tr></thead>\n<tbody>")
	for i, c := range f.Columns {
		b.WriteString(`<tr><th scope="row">`)
		b.WriteString(html.EscapeString(c.Label))
		b.WriteString("</th>")
		for _, r := range f.Rows {
			if i < len(r.Cells) {
				cell(&b, r.Cells[i], f.Lang)
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody>\n</table></div>")
	return template.HTML(b.String())
}

// MatrixHTML renders figures whose columns come in groups of len(parts)
// (a cycle's measures, then its implemented measures) as rows × groups:
// each row of the figures becomes a row group with one line per part, and
// each group one column headed by its name. A norm × cycle matrix of 21
// columns becomes 11 narrow ones.
func (f Figures) MatrixHTML(groups, parts []string) template.HTML {
	var b strings.Builder
	b.Grow(64 * (len(f.Rows)*len(parts) + 1) * (len(groups) + 2))
	open(&b, f.Caption, "matrix")
	b.WriteString(`<thead><tr><th scope="col" colspan="2">`)
	b.WriteString(html.EscapeString(f.RowLabel))
	b.WriteString("</th>")
	for _, g := range groups {
		colHeader(&b, g, true)
	}
	b.WriteString("</tr></thead>\n")
	for _, r := range f.Rows {
		b.WriteString("<tbody>")
		for p, part := range parts {
			b.WriteString("<tr>")
			if p == 0 {
				b.WriteString(`<th scope="rowgroup" rowspan="` + strconv.Itoa(len(parts)) + `"><bdi>`)
				b.WriteString(html.EscapeString(r.Label))
				b.WriteString("</bdi></th>")
			}
			b.WriteString(`<th scope="row" class="part">`)
			b.WriteString(html.EscapeString(part))
			b.WriteString("</th>")
			for g := range groups {
				if i := g*len(parts) + p; i < len(r.Cells) {
					cell(&b, r.Cells[i], f.Lang)
				}
			}
			b.WriteString("</tr>")
		}
		b.WriteString("</tbody>\n")
	}
	b.WriteString("</table></div>")
	return template.HTML(b.String())
}

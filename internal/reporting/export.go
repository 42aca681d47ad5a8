package reporting

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// CSVHeader is the first row of a report's CSV export.
var CSVHeader = []string{"state", "cycle", "version", "record", "norm_id", "norm", "measure_key", "title", "type", "status", "date", "links", "other_norms", "text"}

// csvCell defuses spreadsheet formulas: a cell starting with =, +, -, @ or a
// tab is prefixed with an apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes a report version as CSV: one row per measure, one per
// norm's challenges and capacity gaps, and one for the international-law
// position ("record" says which).
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, v View) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	base := []string{v.Report.StateISO3, v.Report.CycleName, fmt.Sprint(v.Version)}
	row := func(cells ...string) error {
		out := append(append([]string(nil), base...), cells...)
		for i := range out {
			out[i] = csvCell(out[i])
		}
		return cw.Write(out)
	}
	for _, m := range v.Content.Measures {
		links := make([]string, len(m.Links))
		for i, l := range m.Links {
			links[i] = l.URL
		}
		if err := row("measure", m.NormID, s.normLabel(ctx, m.NormID), m.Key, m.Title, m.Type, m.Status, m.Date, strings.Join(links, " "), strings.Join(m.OtherNorms, " "), m.Description); err != nil {
			return err
		}
	}
	for _, n := range v.Content.Notes {
		if n.Challenges != "" {
			_ = row("challenges", n.NormID, s.normLabel(ctx, n.NormID), "", "", "", "", "", "", "", n.Challenges)
		}
		if n.CapacityGaps != "" {
			_ = row("capacity_gaps", n.NormID, s.normLabel(ctx, n.NormID), "", "", "", "", "", "", "", n.CapacityGaps)
		}
	}
	if v.Content.ILawSummary != "" || len(v.Content.ILawLinks) > 0 {
		links := make([]string, len(v.Content.ILawLinks))
		for i, l := range v.Content.ILawLinks {
			links[i] = l.URL
		}
		_ = row("international_law", "", "", "", "", "", "", "", strings.Join(links, " "), "", v.Content.ILawSummary)
	}
	cw.Flush()
	return cw.Error()
}

func exportName(v View, ext string) string {
	return fmt.Sprintf("report-%s-%s-v%d.%s", strings.ToLower(v.Report.StateISO3), v.Report.CycleName, v.Version, ext)
}

// openForExport reads the report the request names at the version it asks
// for, with its measures when whole (else for writeWhole), or answers why
// not.
func (m *Module) openForExport(w http.ResponseWriter, r *http.Request, whole bool) (View, bool) {
	ver, err := versionParam(r)
	if err == nil {
		var v View
		v, err = m.Svc.open(r.Context(), r.PathValue("id"), ver, whole)
		if err == nil {
			return v, true
		}
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		m.apiFail(w, r, err)
	} else {
		m.fail(w, r, err)
	}
	return View{}, false
}

func (m *Module) exportJSON(w http.ResponseWriter, r *http.Request) {
	v, ok := m.openForExport(w, r, false)
	if !ok {
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(v, "json")+`"`)
	m.writeWhole(w, r, v)
}

func (m *Module) exportCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := m.openForExport(w, r, true)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(v, "csv")+`"`)
	if err := m.Svc.WriteCSV(r.Context(), w, v); err != nil {
		m.Svc.P.Log.Error("csv export", "err", err)
	}
}

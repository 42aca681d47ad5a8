package incidents

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Import formats.
const (
	FormatCFR  = "cfr-csv" // the CFR Cyber Operations Tracker's columns
	FormatJSON = "json"    // the platform's own dataset JSON (incidents.json)
)

// MaxImportBytes bounds an imported file.
const MaxImportBytes = 10 << 20

// MaxImportRecords bounds the incidents of one file.
const MaxImportRecords = 5000

// ImportError refuses a whole file: the line (CSV) or the incident's
// position (JSON, from 1) and the reason.
type ImportError struct {
	Line   int
	Field  string
	Reason string
	// format and args are the reason before it was formatted, for pages
	// (MessageKey); a detail from a parser (Go's CSV or JSON reader) is an
	// argument, in English.
	format string
	args   []any
}

// importErr is an ImportError whose reason is format with args.
func importErr(line int, field, format string, args ...any) *ImportError {
	return &ImportError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...), format: format, args: args}
}

// importFieldErr is an ImportError for a record's refused field, with the
// field's reason.
func importFieldErr(line int, field string, fe *FieldError) *ImportError {
	key, args := fe.MessageKey()
	return &ImportError{Line: line, Field: field, Reason: fe.Reason, format: strings.TrimPrefix(key, "reason:"), args: args}
}

// MessageKey is the reason's catalog key, "reason:" and its English
// format, and the format's arguments (web.Catalog.ErrorText).
func (e *ImportError) MessageKey() (string, []any) {
	if e.format == "" {
		return "reason:" + e.Reason, nil
	}
	return "reason:" + e.format, e.args
}

func (e *ImportError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// ImportResult is what an import made.
type ImportResult struct {
	Format    string   `json:"format"`
	Drafts    []string `json:"drafts" doc:"ids of the draft incidents (secretariat)"`
	Proposals []string `json:"proposals" doc:"ids of the proposals (organisations)"`
	// Statements counts the attribution statements recorded with the draft
	// incidents (secretariat, JSON only); an organisation's proposals carry
	// incidents alone.
	Statements int `json:"statements" doc:"statements recorded with the draft incidents (secretariat, format json)"`
}

// cfrColumns are the CFR tracker's columns; Title, Date, Description and
// Victims are required in the header.
var cfrColumns = []string{"title", "date", "affiliations", "description", "response", "victims", "sponsor", "type", "category", "sources"}

var cfrTypes = map[string]string{
	"espionage": "espionage", "denial of service": "ddos", "distributed denial of service": "ddos", "data destruction": "destruction",
	"defacement": "defacement", "doxing": "hack-and-leak", "financial theft": "data-theft", "sabotage": "disruption",
	"ransomware": "ransomware", "influence operation": "influence", "hack and leak": "hack-and-leak", "data theft": "data-theft",
}

var cfrCategories = map[string]string{
	"government": "government", "military": "military", "private sector": "private", "civil society": "civil-society",
	"": "government",
}

var usDate = regexp.MustCompile(`^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$`)

func cfrDate(s string) string {
	s = strings.TrimSpace(s)
	if m := usDate.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s-%02s-%02s", m[3], m[1], m[2])
	}
	return s
}

var stateByName = func() map[string]string {
	m := map[string]string{}
	for _, st := range states.All() {
		m[strings.ToLower(st.Name("en"))] = st.ISO3
		m[strings.ToLower(st.ISO3)] = st.ISO3
	}
	for k, v := range map[string]string{"united states": "USA", "russia": "RUS", "china": "CHN", "iran": "IRN", "north korea": "PRK",
		"south korea": "KOR", "united kingdom": "GBR", "uk": "GBR", "us": "USA", "syria": "SYR", "vietnam": "VNM", "taiwan": ""} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}()

func splitCell(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '\n' || r == '\r' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseCFR reads a CSV in the tracker's columns into incident inputs,
// refusing the whole file at the first bad line.
func parseCFR(data []byte) ([]IncidentInput, error) {
	if !utf8.Valid(data) {
		return nil, importErr(1, "", "the file is not UTF-8 text")
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, importErr(1, "", "no header row: %s", err.Error())
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range cfrColumns {
			if h == c {
				known = true
			}
		}
		if !known {
			return nil, importErr(1, h, "is not a column of the CFR tracker (%s)", strings.Join(cfrColumns, ", "))
		}
		col[h] = i
	}
	for _, req := range []string{"title", "date", "description", "victims", "sources"} {
		if _, ok := col[req]; !ok {
			return nil, importErr(1, req, "the column is required")
		}
	}
	var out []IncidentInput
	for {
		line, _ := r.FieldPos(0)
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ImportError{Line: pe.Line, Reason: pe.Err.Error(), format: "the file is not valid CSV: %s", args: []any{pe.Err.Error()}}
			}
			return nil, &ImportError{Line: line, Reason: err.Error(), format: "the file is not valid CSV: %s", args: []any{err.Error()}}
		}
		line, _ = r.FieldPos(0)
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(out) >= MaxImportRecords {
			return nil, importErr(line, "", "at most %d incidents per file", MaxImportRecords)
		}
		typ, ok := cfrTypes[strings.ToLower(get("type"))]
		if !ok {
			if get("type") == "" {
				typ = "other"
			} else {
				return nil, importErr(line, "Type", "%q is not a type of the tracker", get("type"))
			}
		}
		sector, ok := cfrCategories[strings.ToLower(get("category"))]
		if !ok {
			return nil, importErr(line, "Category", "%q is not a category of the tracker", get("category"))
		}
		in := IncidentInput{Name: get("title"), Summary: get("description"), Start: cfrDate(get("date")), Type: typ}
		for _, v := range splitCell(get("victims")) {
			code, ok := stateByName[strings.ToLower(v)]
			if !ok {
				return nil, importErr(line, "Victims", "%q is not a State's name or ISO3 code", v)
			}
			in.Receivers = append(in.Receivers, Receiver{State: code, Sector: sector})
		}
		sponsor := ""
		if sp := get("sponsor"); sp != "" {
			code, ok := stateByName[strings.ToLower(sp)]
			if !ok {
				return nil, importErr(line, "Sponsor", "%q is not a State's name or ISO3 code", sp)
			}
			sponsor = code
		}
		for _, a := range splitCell(get("affiliations")) {
			in.Initiators = append(in.Initiators, Initiator{Name: a, State: sponsor})
		}
		for _, u := range strings.Fields(strings.ReplaceAll(get("sources"), ";", " ")) {
			title := u
			if pu, err := url.Parse(u); err == nil && pu.Host != "" {
				title = pu.Host
			}
			in.Sources = append(in.Sources, Source{URL: u, Title: title})
		}
		var extra []string
		if sponsor != "" {
			extra = append(extra, "suspected sponsor "+sponsor)
		}
		if resp := get("response"); resp != "" {
			extra = append(extra, "response "+resp)
		}
		if len(extra) > 0 {
			in.Summary += "\n\nCFR Cyber Operations Tracker: " + strings.Join(extra, "; ") + "."
		}
		if _, err := in.validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, importFieldErr(line, fe.Field, fe)
			}
			return nil, err
		}
		out = append(out, in)
	}
	if len(out) == 0 {
		return nil, importErr(2, "", "the file holds no incident")
	}
	return out, nil
}

// importRecord is one incident of a file, with the statements the
// platform's JSON carries (none from a CFR file).
type importRecord struct {
	Incident   IncidentInput
	Statements []importStatement
}

// importStatement is a statement of the platform's JSON: what an
// attributor writes, and the named State's answer if one was recorded.
// The export's other fields (id, status, days, dates of the record) are
// the platform's own and are made anew.
type importStatement struct {
	AttributionInput
	Response     string `json:"response,omitempty"`
	ResponseDate string `json:"response_date,omitempty"`
	ResponseURL  string `json:"response_url,omitempty"`
}

// parseOwnJSON reads the platform's dataset JSON ({"incidents":[…]}) with
// each incident's statements ("attributions"); responses (measures) are
// not imported.
func parseOwnJSON(data []byte) ([]importRecord, error) {
	var doc struct {
		Incidents []json.RawMessage `json:"incidents"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, importErr(1, "", "not the platform's dataset JSON: %s", err.Error())
	}
	if len(doc.Incidents) == 0 {
		return nil, importErr(1, "", "the file holds no incident")
	}
	if len(doc.Incidents) > MaxImportRecords {
		return nil, importErr(1, "", "at most %d incidents per file", MaxImportRecords)
	}
	var out []importRecord
	for i, raw := range doc.Incidents {
		var rec importRecord
		if err := json.Unmarshal(raw, &rec.Incident); err != nil {
			return nil, &ImportError{Line: i + 1, Reason: err.Error(), format: "the incident is not valid JSON: %s", args: []any{err.Error()}}
		}
		var with struct {
			Attributions []importStatement `json:"attributions"`
		}
		if err := json.Unmarshal(raw, &with); err != nil {
			return nil, &ImportError{Line: i + 1, Field: "attributions", Reason: err.Error(), format: "the statements are not valid JSON: %s", args: []any{err.Error()}}
		}
		if len(with.Attributions) > 100 {
			return nil, importErr(i+1, "attributions", "at most %d statements per incident", 100)
		}
		rec.Statements = with.Attributions
		if _, err := rec.Incident.validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, importFieldErr(i+1, fe.Field, fe)
			}
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// Import reads a file into drafts for review: draft incidents for the
// secretariat, proposals for a member of an organisation. Every record is
// checked before any is written; a bad file is refused whole
// (*ImportError with the line and the reason) and nothing is written.
func (s *Service) Import(ctx context.Context, u *auth.User, format string, data []byte) (*ImportResult, error) {
	if !isSecretariat(u) && (u == nil || u.OrgID == "") {
		return nil, ErrForbidden
	}
	if len(data) > MaxImportBytes {
		return nil, importErr(1, "", "the file is larger than %d bytes", MaxImportBytes)
	}
	var recs []importRecord
	var err error
	switch format {
	case FormatCFR:
		var ins []IncidentInput
		ins, err = parseCFR(data)
		for _, in := range ins {
			recs = append(recs, importRecord{Incident: in})
		}
	case FormatJSON:
		recs, err = parseOwnJSON(data)
	default:
		return nil, invalid("format", "must be %s or %s", FormatCFR, FormatJSON)
	}
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Format: format, Drafts: []string{}, Proposals: []string{}}
	var topics []LawTopic
	if isSecretariat(u) {
		if topics, err = s.lawTopics(ctx); err != nil {
			return nil, err
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := time.Now().UTC()
		normKnown := s.normKnown(ctx, tx)
		for i, rec := range recs {
			x, err := rec.Incident.validate()
			if err != nil {
				return err
			}
			if isSecretariat(u) {
				if err := s.createIncident(ctx, tx, u, &x, StatusDraft, "import", now); err != nil {
					return err
				}
				res.Drafts = append(res.Drafts, x.ID)
				// The statements, recorded by the secretariat as made in
				// public, with the named State's answer; any refusal
				// refuses the file, and the transaction writes nothing.
				for k, st := range rec.Statements {
					a, err := s.addAttribution(ctx, tx, u, &x, st.AttributionInput, normKnown, topics, now)
					if err == nil && st.Response != "" {
						err = s.answer(ctx, tx, u, a, AnswerInput{Response: st.Response, Date: st.ResponseDate, URL: st.ResponseURL}, now)
					}
					if err != nil {
						var fe *FieldError
						if errors.As(err, &fe) {
							return importFieldErr(i+1, fmt.Sprintf("attributions[%d].%s", k, fe.Field), fe)
						}
						var se *StateError
						if errors.As(err, &se) {
							return &ImportError{Line: i + 1, Field: fmt.Sprintf("attributions[%d]", k), Reason: se.Reason}
						}
						return err
					}
					res.Statements++
				}
				continue
			}
			p, err := s.propose(ctx, tx, u, "", x.input(), "Imported ("+format+").", now)
			if err != nil {
				return err
			}
			res.Proposals = append(res.Proposals, p.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

type importData struct {
	Error   *ImportError
	Result  *ImportResult
	Formats []string
}

func (m *Module) importPage(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "incidents/import.html", "incidents.import", importData{Formats: []string{FormatCFR, FormatJSON}})
}

func (m *Module) importForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+1<<20)
	var data []byte
	if f, _, err := r.FormFile("file"); err == nil {
		data, _ = io.ReadAll(io.LimitReader(f, MaxImportBytes+1))
		f.Close()
	}
	if e := web.CheckForm(r); e != nil {
		m.site.Error(w, r, http.StatusUnprocessableEntity, "incidents.error.invalid")
		return
	}
	d := importData{Formats: []string{FormatCFR, FormatJSON}}
	res, err := m.svc.Import(r.Context(), user(r), r.FormValue("format"), data)
	var ie *ImportError
	var fe *FieldError
	switch {
	case errors.As(err, &ie):
		d.Error = ie
		m.site.Render(w, r, http.StatusUnprocessableEntity, "incidents/import.html", "incidents.import", d)
		return
	case errors.As(err, &fe):
		d.Error = importFieldErr(0, fe.Field, fe)
		m.site.Render(w, r, http.StatusUnprocessableEntity, "incidents/import.html", "incidents.import", d)
		return
	case err != nil:
		m.pageFail(w, r, err)
		return
	}
	d.Result = res
	m.site.Render(w, r, http.StatusOK, "incidents/import.html", "incidents.import", d)
}

func (m *Module) apiImport(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxImportBytes+1))
	if err != nil {
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "bad_body", "", "the body could not be read"))
		return
	}
	res, err := m.svc.Import(r.Context(), user(r), r.URL.Query().Get("format"), data)
	var ie *ImportError
	if errors.As(err, &ie) {
		field := ie.Field
		if field == "" {
			field = "(file)"
		}
		api.WriteError(w, &api.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_file", Field: field, Message: ie.Error()})
		return
	}
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, res)
}

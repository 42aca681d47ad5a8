package positions

import (
	"encoding/csv"
	"errors"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

// stanceClass is the map class of an answer: the answers of a question in
// order take the categorical colours; "not stated" is hatched.
func stanceClass(q Question, answer string) string {
	for i, a := range q.Answers {
		if a.ID == answer {
			return "chart-s" + strconv.Itoa(i%8)
		}
	}
	return "chart-noreport"
}

// questionChart is a question's stances as a map and a table.
type questionChart struct {
	QuestionView
	Map    template.HTML
	Rows   []countRow
	CSVURL string
}

type countRow struct {
	Answer string
	Label  string
	Count  int
	States []string
}

func (m *Module) buildQuestionChart(r *http.Request, q Question, lang string) (questionChart, error) {
	v, err := m.questionView(r, q.ID, lang)
	if err != nil {
		return questionChart{}, err
	}
	v.Question = q
	t := func(k string, a ...any) string { return m.site.Catalog.T(lang, k, a...) }
	c := questionChart{QuestionView: v, CSVURL: "/positions/questions/" + q.ID + "/stances.csv"}
	areas := map[string]chart.Area{}
	byAnswer := map[string][]string{}
	for _, s := range v.Stances {
		label := q.AnswerLabel(s.Answer)
		areas[s.State] = chart.Area{Class: stanceClass(q, s.Answer), Label: s.StateName + ": " + label}
		byAnswer[s.Answer] = append(byAnswer[s.Answer], s.StateName)
	}
	var legend []chart.LegendItem
	for _, a := range q.Answers {
		legend = append(legend, chart.LegendItem{Class: stanceClass(q, a.ID), Label: a.Label})
		names := byAnswer[a.ID]
		sort.Strings(names)
		c.Rows = append(c.Rows, countRow{Answer: a.ID, Label: a.Label, Count: v.Counts[a.ID], States: names})
	}
	legend = append(legend, chart.LegendItem{Class: "chart-noreport", Label: t("positions.not_stated")})
	c.Rows = append(c.Rows, countRow{Answer: "not-stated", Label: t("positions.not_stated"), Count: v.Counts["not-stated"]})
	c.Map = chart.Map{Title: q.Text, Desc: m.site.Catalog.TN(lang, "positions.map.desc", len(v.Stances), len(v.Stances)), Base: m.base, Areas: areas,
		Default: chart.Area{Class: "chart-noreport", Label: t("positions.not_stated")}, Legend: legend}.SVG()
	return c, nil
}

type topicData struct {
	Topic    Topic
	Topics   []Topic
	Filter   PassageFilter
	Passages []TopicPassage
	Charts   []questionChart
	Groups   []states.GroupInfo
	Years    []int
	Langs    []string
	Error    *api.Error
	Query    string
}

func (m *Module) topicPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	t, err := TopicByID(ctx, m.svc.DB, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	d := topicData{Topic: t.In(lang), Groups: states.Groups}
	status := http.StatusOK
	f, ferr := parsePassageFilter(r)
	f.Topic = t.ID
	d.Filter = f
	if ferr != nil {
		errors.As(ferr, &d.Error)
		status = http.StatusBadRequest
		f = PassageFilter{Topic: t.ID}
	}
	if d.Passages, err = passages(ctx, m.svc.DB, f, lang); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	// The choices of the filters come from the topic's passages.
	years, langs := map[int]bool{}, map[string]bool{}
	if f == (PassageFilter{Topic: t.ID}) || f == (PassageFilter{Topic: t.ID, Sort: f.Sort}) {
		for _, p := range d.Passages {
			years[p.Year], langs[p.Lang] = true, true
		}
	} else {
		rows, err := m.svc.DB.QueryContext(ctx, `SELECT DISTINCT d.year, p.lang FROM positions_passage_topics t
			JOIN positions_passages p ON p.id = t.passage_id JOIN positions_documents d ON d.id = t.document_id
			WHERE t.topic_id = ? AND t.published = ? AND d.status = ?`, t.ID, true, StatusPublished)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for rows.Next() {
			var y int
			var l string
			if err := rows.Scan(&y, &l); err != nil {
				rows.Close()
				m.site.ServerError(w, r, err)
				return
			}
			years[y], langs[l] = true, true
		}
		rows.Close()
	}
	for y := range years {
		d.Years = append(d.Years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(d.Years)))
	for l := range langs {
		d.Langs = append(d.Langs, l)
	}
	sort.Strings(d.Langs)
	qs, err := m.questions(ctx, t.ID, lang)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, q := range qs {
		c, err := m.buildQuestionChart(r, q, lang)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		d.Charts = append(d.Charts, c)
	}
	m.site.Render(w, r, status, "positions/topic.html", d.Topic.Title, d)
}

// stancesCSV writes a question's stances: every State, with its answer or
// "not-stated".
func (m *Module) stancesCSV(w http.ResponseWriter, r *http.Request) {
	lang := web.Lang(r)
	v, err := m.questionView(r, r.PathValue("id"), lang)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	got := map[string]StateStance{}
	for _, s := range v.Stances {
		got[s.State] = s
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="stances-`+v.ID+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"state", "state_name", "region", "answer", "answer_label", "document", "issued_on"})
	for _, st := range allStates() {
		s, ok := got[st.ISO3]
		row := []string{st.ISO3, defuse(st.Name(lang)), string(st.Group), "not-stated", "", "", ""}
		if ok {
			row[3], row[4], row[5], row[6] = s.Answer, defuse(v.AnswerLabel(s.Answer)), s.Document, s.IssuedOn
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

// defuse prefixes a cell that a spreadsheet could read as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ---- comparison of two to four States ----

type compareData struct {
	Codes   string
	States  []states.State
	Names   []string
	Rows    []compareRow
	Stances []compareStance
	Error   *api.Error
}

type compareRow struct {
	Topic Topic
	Cells [][]Passage
}

type compareStance struct {
	Question Question
	// Answers are each document's answer; an empty ID is "not stated".
	Answers []Answer
}

func (m *Module) comparePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	var d compareData
	raw := r.URL.Query()["states"]
	var codes []string
	for _, v := range raw {
		codes = append(codes, strings.FieldsFunc(strings.ToUpper(v), func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	d.Codes = strings.Join(codes, ",")
	status := http.StatusOK
	seen := map[string]bool{}
	for _, c := range codes {
		st, ok := states.ByISO3(c)
		if !ok {
			d.Error = api.Invalid("states", c+" is not the ISO3 code of a State")
			break
		}
		if !seen[st.ISO3] {
			seen[st.ISO3] = true
			d.States = append(d.States, st)
		}
	}
	if d.Error == nil && len(codes) > 0 && (len(d.States) < 2 || len(d.States) > 4) {
		d.Error = api.Invalid("states", "choose two to four States")
	}
	if d.Error != nil {
		status = http.StatusBadRequest
		d.States = nil
	}
	if len(d.States) > 0 {
		docs := make([]Position, len(d.States))
		for i, st := range d.States {
			d.Names = append(d.Names, st.Name(lang))
			list, err := listDocs(ctx, m.svc.DB, DocFilter{State: st.ISO3, Kind: KindNational, Statuses: []string{StatusPublished}}, lang)
			if err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			if len(list) > 0 {
				if docs[i], err = loadPosition(ctx, m.svc.DB, list[0].ID, lang); err != nil {
					m.site.ServerError(w, r, err)
					return
				}
			}
		}
		topics, err := m.svc.topics(ctx)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, t := range topics {
			row := compareRow{Topic: t.In(lang), Cells: make([][]Passage, len(docs))}
			any := false
			for i, doc := range docs {
				for _, p := range doc.Passages {
					for _, id := range p.Topics {
						if id == t.ID {
							row.Cells[i] = append(row.Cells[i], p)
							any = true
						}
					}
				}
			}
			if any {
				d.Rows = append(d.Rows, row)
			}
		}
		qs, err := m.questions(ctx, "", lang)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, q := range qs {
			cs := compareStance{Question: q}
			for _, doc := range docs {
				a := Answer{Label: m.site.Catalog.T(lang, "positions.not_stated")}
				for _, s := range doc.Stances {
					if s.Question == q.ID {
						a = Answer{ID: s.Answer, Label: q.AnswerLabel(s.Answer)}
					}
				}
				cs.Answers = append(cs.Answers, a)
			}
			d.Stances = append(d.Stances, cs)
		}
	}
	m.site.Render(w, r, status, "positions/compare.html", m.site.Catalog.T(lang, "positions.compare.title"), d)
}

// passageDiff is one line of the comparison of two versions of a State's
// position, passage by passage (matched by reference).
type passageDiff struct {
	Ref      string
	Change   string // same, changed, added, removed
	Old, New string
}

type diffData struct {
	Old, New Position
	Lines    []passageDiff
}

// diffPage compares a document with another of the same State: what was
// added, removed or changed, passage by passage.
func (m *Module) diffPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	newer, err := m.svc.Get(ctx, r.PathValue("id"), lang)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	older, err := m.svc.Get(ctx, r.URL.Query().Get("with"), lang)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if older.Kind != KindNational || newer.Kind != KindNational || older.State != newer.State {
		m.fail(w, r, api.Invalid("with", "compare two positions of the same State"))
		return
	}
	if older.IssuedOn > newer.IssuedOn {
		older, newer = newer, older
	}
	d := diffData{Old: older, New: newer}
	oldBy := map[string]string{}
	for _, p := range older.Passages {
		oldBy[p.Ref] = p.Text
	}
	seen := map[string]bool{}
	for _, p := range newer.Passages {
		seen[p.Ref] = true
		o, ok := oldBy[p.Ref]
		switch {
		case !ok:
			d.Lines = append(d.Lines, passageDiff{Ref: p.Ref, Change: "added", New: p.Text})
		case o == p.Text:
			d.Lines = append(d.Lines, passageDiff{Ref: p.Ref, Change: "same", Old: o, New: p.Text})
		default:
			d.Lines = append(d.Lines, passageDiff{Ref: p.Ref, Change: "changed", Old: o, New: p.Text})
		}
	}
	for _, p := range older.Passages {
		if !seen[p.Ref] {
			d.Lines = append(d.Lines, passageDiff{Ref: p.Ref, Change: "removed", Old: p.Text})
		}
	}
	m.site.Render(w, r, http.StatusOK, "positions/diff.html", m.site.Catalog.T(lang, "positions.diff.title"), d)
}

package positions

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

func (m *Module) pageRoutes(r *web.Router) {
	staff := web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover)
	r.Handle("GET /positions", web.Public, m.index)
	r.Handle("GET /positions/topics/{id}", web.Public, m.topicPage)
	r.Handle("GET /positions/documents/{id}", web.Public, m.documentPage)
	r.Handle("GET /positions/new", staff, m.newForm)
	r.Handle("POST /positions/documents", staff, m.createForm)
	r.Handle("GET /positions/documents/{id}/edit", web.StateStaff, m.editForm)
	r.Handle("POST /positions/documents/{id}", web.StateStaff, m.updateForm)
	r.Handle("POST /positions/documents/{id}/publish", web.StateApprover, m.publishForm)
	r.Handle("POST /positions/documents/{id}/confirm", web.StateApprover, m.confirmForm)
	r.Handle("GET /positions/states/{iso3}", web.Public, m.statePage)
	r.Handle("POST /positions/documents/{id}/file", staff, m.attachFileForm)
	r.Handle("GET /positions/documents/{id}/file", web.Public, m.fileDownload)
	m.readingRoutes(r)
	m.proposalRoutes(r)
	m.exportRoutes(r)
}

type topicCount struct {
	Topic
	States int
}

type indexData struct {
	Topics  []topicCount
	Recent  []Position
	Drafts  []Position
	CanAdd  bool
	States  []Position
	Pending []Position
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	topics, err := m.svc.topics(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	counts, err := topicCounts(ctx, m.svc.DB)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := indexData{}
	for _, t := range topics {
		d.Topics = append(d.Topics, topicCount{Topic: t.In(lang), States: counts[t.ID]})
	}
	d.Recent, err = listDocs(ctx, m.svc.DB, DocFilter{Statuses: []string{StatusPublished}, Limit: 20}, lang)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	u := auth.UserFrom(ctx)
	if u != nil && (u.Role.IsState() || u.Role == auth.RoleSecretariat) {
		d.CanAdd = true
		w.Header().Set("Cache-Control", "no-store")
	}
	if u != nil && u.Role.IsState() {
		if d.Drafts, err = m.svc.Drafts(ctx, lang); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		// The State's own published documents, of which those the
		// secretariat entered and the State has not yet confirmed.
		own, err := listDocs(ctx, m.svc.DB, DocFilter{State: u.StateISO3, Statuses: []string{StatusPublished}}, lang)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, p := range own {
			if p.State == u.StateISO3 && p.BySecretariat && !p.Confirmed {
				d.Pending = append(d.Pending, p)
			}
		}
	}
	m.site.Render(w, r, http.StatusOK, "positions/index.html", m.site.Catalog.T(lang, "positions.title"), d)
}

type documentData struct {
	Doc        Position
	Topics     map[string]string
	Questions  map[string]Question
	CanEdit    bool
	CanPublish bool
	CanConfirm bool
	CanAttach  bool
	History    []Position
}

func (m *Module) documentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	p, err := m.svc.Get(ctx, r.PathValue("id"), lang)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	d := documentData{Doc: p, Topics: map[string]string{}, Questions: map[string]Question{}}
	topics, err := m.svc.topics(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, t := range topics {
		d.Topics[t.ID] = t.In(lang).Title
	}
	qs, err := m.questions(ctx, "", lang)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, q := range qs {
		d.Questions[q.ID] = q
	}
	if u := auth.UserFrom(ctx); u != nil {
		w.Header().Set("Cache-Control", "no-store")
		own := u.Role.IsState() && u.StateISO3 == p.State
		d.CanEdit = own && p.Status == StatusDraft
		d.CanPublish = d.CanEdit && u.Role == auth.RoleStateApprover
		d.CanConfirm = own && u.Role == auth.RoleStateApprover && p.BySecretariat && !p.Confirmed && p.Status == StatusPublished
		d.CanAttach = mayAttach(u, p)
	}
	if p.Kind == KindNational && p.Status != StatusDraft {
		hist, err := listDocs(ctx, m.svc.DB, DocFilter{State: p.State, Kind: KindNational, Statuses: []string{StatusPublished, StatusSuperseded}}, lang)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		d.History = hist
	}
	m.site.Render(w, r, http.StatusOK, "positions/document.html", p.Title, d)
}

// ---- the document form ----

type slot struct {
	N      int
	Ref    string
	Text   string
	Lang   string
	Topics map[string]bool
}

type formData struct {
	Action       string
	Editing      bool
	Secretariat  bool
	In           PositionInput
	Languages    string
	Endorsements string
	Slots        []slot
	Topics       []Topic
	Questions    []Question
	Stances      map[string]StanceInput
	Error        *api.Error
	StateOptions []states.State
	DocID        string
}

func (m *Module) renderForm(w http.ResponseWriter, r *http.Request, status int, action, docID string, in PositionInput, formErr *api.Error) {
	ctx := r.Context()
	lang := web.Lang(r)
	u := auth.UserFrom(ctx)
	d := formData{Action: action, Editing: docID != "", DocID: docID, In: in, Languages: strings.Join(in.Languages, ", "), Error: formErr, Stances: map[string]StanceInput{},
		Secretariat: u != nil && u.Role == auth.RoleSecretariat}
	topics, err := m.svc.topics(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, t := range topics {
		d.Topics = append(d.Topics, t.In(lang))
	}
	if d.Questions, err = m.questions(ctx, "", lang); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, s := range in.Stances {
		d.Stances[s.Question] = s
	}
	n := max(5, len(in.Passages)+2)
	for i := range n {
		s := slot{N: i + 1, Topics: map[string]bool{}}
		if i < len(in.Passages) {
			p := in.Passages[i]
			s.Ref, s.Text, s.Lang = p.Ref, p.Text, p.Lang
			for _, t := range p.Topics {
				s.Topics[t] = true
			}
		}
		d.Slots = append(d.Slots, s)
	}
	var lines []string
	for _, e := range in.Endorsements {
		lines = append(lines, e.State+" "+e.EndorsedOn)
	}
	d.Endorsements = strings.Join(lines, "\n")
	if d.Secretariat {
		d.StateOptions = states.Filter("", lang)
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, status, "positions/form.html", m.site.Catalog.T(lang, "positions.form.title"), d)
}

func (m *Module) newForm(w http.ResponseWriter, r *http.Request) {
	m.renderForm(w, r, http.StatusOK, "/positions/documents", "", PositionInput{Languages: []string{"en"}}, nil)
}

// inputFromForm reads the document form. Empty passage slots are skipped;
// a slot with only some fields filled is kept, so validation names it.
func inputFromForm(r *http.Request) (PositionInput, error) {
	if err := r.ParseForm(); err != nil {
		return PositionInput{}, api.Errorf(http.StatusBadRequest, "bad_form", "", "the form could not be read")
	}
	f := r.PostForm
	in := PositionInput{Kind: f.Get("kind"), State: f.Get("state"), Group: f.Get("group"), Title: f.Get("title"), IssuedOn: f.Get("issued_on"), SourceURL: f.Get("source_url"), Body: f.Get("body")}
	for _, l := range strings.FieldsFunc(f.Get("languages"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		in.Languages = append(in.Languages, l)
	}
	slots, _ := strconv.Atoi(f.Get("slots"))
	slots = min(max(slots, 0), 500)
	number := map[int]int{} // slot number -> passage number
	for i := 1; i <= slots; i++ {
		k := strconv.Itoa(i)
		p := PassageInput{Ref: f.Get("p" + k + "_ref"), Text: f.Get("p" + k + "_text"), Lang: f.Get("p" + k + "_lang"), Topics: f["p"+k+"_topics"]}
		if strings.TrimSpace(p.Ref) == "" && strings.TrimSpace(p.Text) == "" && len(p.Topics) == 0 {
			continue
		}
		in.Passages = append(in.Passages, p)
		number[i] = len(in.Passages)
	}
	for key, vals := range f {
		qid, ok := strings.CutPrefix(key, "stance_")
		if !ok || len(vals) == 0 || vals[0] == "" {
			continue
		}
		st := StanceInput{Question: qid, Answer: vals[0]}
		if ps := f.Get("stancep_" + qid); ps != "" {
			n, err := strconv.Atoi(ps)
			if err != nil {
				return in, api.Invalid("stances", "the passage of a stance must be a passage number")
			}
			st.Passage = number[n]
			if n != 0 && st.Passage == 0 {
				return in, api.Invalid("stances", fmt.Sprintf("passage %d is empty", n))
			}
		}
		in.Stances = append(in.Stances, st)
	}
	for _, l := range strings.Split(f.Get("endorsements_text"), "\n") {
		fields := strings.Fields(l)
		if len(fields) == 0 {
			continue
		}
		e := EndorsementInput{State: strings.ToUpper(fields[0])}
		if len(fields) > 1 {
			e.EndorsedOn = fields[1]
		}
		in.Endorsements = append(in.Endorsements, e)
	}
	return in, nil
}

func (m *Module) createForm(w http.ResponseWriter, r *http.Request) {
	in, err := inputFromForm(r)
	var p Position
	if err == nil {
		p, err = m.svc.Create(r.Context(), in)
	}
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status != http.StatusForbidden {
		m.renderForm(w, r, ae.Status, "/positions/documents", "", in, ae)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/documents/"+p.ID, "positions.saved")
}

func (m *Module) editForm(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Get(r.Context(), r.PathValue("id"), web.Lang(r))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if p.Status != StatusDraft {
		m.fail(w, r, api.Errorf(http.StatusConflict, "not_editable", "", "this position is %s and cannot be edited; write a new position to supersede it", p.Status))
		return
	}
	m.renderForm(w, r, http.StatusOK, "/positions/documents/"+p.ID, p.ID, inputOf(p), nil)
}

func (m *Module) updateForm(w http.ResponseWriter, r *http.Request) {
	docID := r.PathValue("id")
	in, err := inputFromForm(r)
	if err == nil {
		_, err = m.svc.Update(r.Context(), docID, in)
	}
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity {
		m.renderForm(w, r, ae.Status, "/positions/documents/"+docID, docID, in, ae)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/documents/"+docID, "positions.saved")
}

func (m *Module) publishForm(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Publish(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/documents/"+p.ID, "positions.published")
}

func (m *Module) confirmForm(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Confirm(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/documents/"+p.ID, "positions.confirmed")
}

// ---- a State's positions ----

type stateData struct {
	State   states.State
	Name    string
	Docs    []Position
	Current *Position
	ByTopic []topicPassages
	Stances []stanceRow
}

type topicPassages struct {
	Topic    Topic
	Passages []Passage
}

type stanceRow struct {
	Question Question
	Answer   string
}

func (m *Module) statePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	st, ok := states.ByISO3(r.PathValue("iso3"))
	if !ok {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	d := stateData{State: st, Name: st.Name(lang)}
	var err error
	if d.Docs, err = listDocs(ctx, m.svc.DB, DocFilter{State: st.ISO3, Statuses: []string{StatusPublished, StatusSuperseded}}, lang); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, p := range d.Docs {
		if p.Kind == KindNational && p.Status == StatusPublished {
			full, err := loadPosition(ctx, m.svc.DB, p.ID, lang)
			if err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			d.Current = &full
			break
		}
	}
	if d.Current != nil {
		topics, err := m.svc.topics(ctx)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, t := range topics {
			tp := topicPassages{Topic: t.In(lang)}
			for _, p := range d.Current.Passages {
				for _, id := range p.Topics {
					if id == t.ID {
						tp.Passages = append(tp.Passages, p)
					}
				}
			}
			if len(tp.Passages) > 0 {
				d.ByTopic = append(d.ByTopic, tp)
			}
		}
		qs, err := m.questions(ctx, "", lang)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, q := range qs {
			row := stanceRow{Question: q}
			for _, s := range d.Current.Stances {
				if s.Question == q.ID {
					row.Answer = q.AnswerLabel(s.Answer)
				}
			}
			d.Stances = append(d.Stances, row)
		}
	}
	m.site.Render(w, r, http.StatusOK, "positions/state.html", d.Name, d)
}

func (m *Module) readingRoutes(r *web.Router) {
	r.Handle("GET /positions/questions/{id}/stances.csv", web.Public, m.stancesCSV)
	r.Handle("GET /positions/compare", web.Public, m.comparePage)
	r.Handle("GET /positions/search", web.Public, m.searchPage)
	r.Handle("GET /positions/documents/{id}/diff", web.Public, m.diffPage)
}

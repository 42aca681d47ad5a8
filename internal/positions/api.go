package positions

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

const apiBase = "/api/v1/positions"

// TopicView is a topic with its questions.
type TopicView struct {
	Topic
	Questions []Question `json:"questions"`
}

// QuestionView is a question with every State's current answer and the
// counts per answer ("not-stated" counts the States without one).
type QuestionView struct {
	Question
	Counts  map[string]int `json:"counts"`
	Stances []StateStance  `json:"stances"`
}

func (m *Module) apiRoutes(r *web.Router) {
	tag := "positions"
	pid := func(name, d string) []api.Param {
		return []api.Param{{Name: name, In: "path", Required: true, Description: d}}
	}
	staff := web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover)
	r.API(api.Op{Method: "GET", Path: apiBase + "/topics", Summary: "The topics of international law, with their questions", Tag: tag,
		Params: []api.Param{{Name: "lang", In: "query", Description: "language of titles and descriptions"}}, Response: api.List[TopicView]{}}, web.Public, m.apiTopics)
	r.API(api.Op{Method: "POST", Path: apiBase + "/topics", Summary: "Add a topic (secretariat)", Tag: tag, Request: TopicInput{}, Response: Topic{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateTopic)
	r.API(api.Op{Method: "GET", Path: apiBase + "/topics/{id}", Summary: "One topic with its questions", Tag: tag, Params: pid("id", "topic identifier, e.g. sovereignty"), Response: TopicView{}}, web.Public, m.apiTopic)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/topics/{id}", Summary: "Change a topic's titles and descriptions (a new version; secretariat)", Tag: tag, Params: pid("id", "topic"), Request: TopicInput{}, Response: Topic{}}, web.Secretariat, m.apiUpdateTopic)
	r.API(api.Op{Method: "GET", Path: apiBase + "/questions", Summary: "The questions with their closed answer sets", Tag: tag,
		Params: []api.Param{{Name: "topic", In: "query"}}, Response: api.List[Question]{}}, web.Public, m.apiQuestions)
	r.API(api.Op{Method: "POST", Path: apiBase + "/questions", Summary: "Add a question to a topic (secretariat)", Tag: tag, Request: QuestionInput{}, Response: Question{}, Status: http.StatusCreated}, web.Secretariat, m.apiAddQuestion)
	r.API(api.Op{Method: "GET", Path: apiBase + "/questions/{id}/stances", Summary: "Every State's current answer to a question, with counts", Tag: tag, Params: pid("id", "question"), Response: QuestionView{}}, web.Public, m.apiStances)
	r.API(api.Op{Method: "GET", Path: apiBase + "/documents", Summary: "Published position documents (current and superseded), newest first, a page at a time", Tag: tag,
		Params: []api.Param{{Name: "state", In: "query", Description: "ISO3: its own and the joint positions it endorses"}, {Name: "kind", In: "query", Description: "national or joint"},
			{Name: "limit", In: "query", Schema: "integer", Description: "1 to 200, default 50"}, {Name: "cursor", In: "query", Description: "next_cursor of the page before"}}, Response: api.List[Position]{}}, web.Public, m.apiDocuments)
	r.API(api.Op{Method: "POST", Path: apiBase + "/documents", Summary: "Draft your State's position (State staff), or enter a State's or a joint position from its public source (secretariat)", Tag: tag,
		Request: PositionInput{}, Response: Position{}, Status: http.StatusCreated}, staff, m.apiCreate)
	r.API(api.Op{Method: "GET", Path: apiBase + "/documents/{id}", Summary: "One position document with its passages, stances and endorsements (a draft only to its State)", Tag: tag, Params: pid("id", "document id"), Response: Position{}}, web.Public, m.apiDocument)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/documents/{id}", Summary: "Replace a draft (its State's staff)", Tag: tag, Params: pid("id", "document id"), Request: PositionInput{}, Response: Position{}}, web.StateStaff, m.apiUpdate)
	r.API(api.Op{Method: "POST", Path: apiBase + "/documents/{id}/publish", Summary: "Publish a draft; it supersedes the State's earlier position (its approver)", Tag: tag, Params: pid("id", "document id"), Response: Position{}}, web.StateApprover, m.apiPublish)
	r.API(api.Op{Method: "POST", Path: apiBase + "/documents/{id}/confirm", Summary: "Confirm a position the secretariat entered for your State (its approver)", Tag: tag, Params: pid("id", "document id"), Response: Position{}}, web.StateApprover, m.apiConfirm)
	r.API(api.Op{Method: "GET", Path: apiBase + "/drafts", Summary: "Your State's drafts", Tag: tag, Response: api.List[Position]{}}, web.StateStaff, m.apiDrafts)
	r.API(api.Op{Method: "GET", Path: apiBase + "/passages", Summary: "Published, current passages, filtered by topic, State, region, year and language", Tag: tag,
		Params:   []api.Param{{Name: "topic", In: "query"}, {Name: "state", In: "query"}, {Name: "region", In: "query"}, {Name: "year", In: "query", Schema: "integer"}, {Name: "lang", In: "query", Description: "passage language"}, {Name: "sort", In: "query", Description: "date or state"}},
		Response: api.List[TopicPassage]{}}, web.Public, m.apiPassages)
	r.API(api.Op{Method: "GET", Path: apiBase + "/search", Summary: "Full-text search of the published passages, with topic, State, region and year facets", Tag: tag,
		Params:   []api.Param{{Name: "q", In: "query"}, {Name: "topic", In: "query"}, {Name: "state", In: "query"}, {Name: "region", In: "query"}, {Name: "year", In: "query", Schema: "integer"}, {Name: "limit", In: "query", Schema: "integer"}, {Name: "offset", In: "query", Schema: "integer"}},
		Response: search.Results{}}, web.Public, m.apiSearch)
}

func (m *Module) topicViews(r *http.Request, lang string) ([]TopicView, error) {
	topics, err := m.svc.topics(r.Context())
	if err != nil {
		return nil, err
	}
	qs, err := Questions(r.Context(), m.svc.DB, "")
	if err != nil {
		return nil, err
	}
	out := make([]TopicView, 0, len(topics))
	for _, t := range topics {
		v := TopicView{Topic: t.In(lang), Questions: []Question{}}
		for _, q := range qs {
			if q.Topic == t.ID {
				v.Questions = append(v.Questions, q)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func apiLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); webLang(l) {
		return l
	}
	return "en"
}

func (m *Module) apiTopics(w http.ResponseWriter, r *http.Request) {
	list, err := m.topicViews(r, apiLang(r))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[TopicView]{Items: list})
}

func (m *Module) apiTopic(w http.ResponseWriter, r *http.Request) {
	t, err := TopicByID(r.Context(), m.svc.DB, r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	qs, err := Questions(r.Context(), m.svc.DB, t.ID)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, TopicView{Topic: t.In(apiLang(r)), Questions: qs})
}

func (m *Module) apiCreateTopic(w http.ResponseWriter, r *http.Request) {
	var in TopicInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	t, err := m.svc.SaveTopic(r.Context(), "", in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, t)
}

func (m *Module) apiUpdateTopic(w http.ResponseWriter, r *http.Request) {
	var in TopicInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	if in.ID != "" && in.ID != r.PathValue("id") {
		api.WriteError(w, api.Invalid("id", "a topic's identifier cannot change"))
		return
	}
	t, err := m.svc.SaveTopic(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, t)
}

func (m *Module) apiQuestions(w http.ResponseWriter, r *http.Request) {
	list, err := Questions(r.Context(), m.svc.DB, r.URL.Query().Get("topic"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Question]{Items: list})
}

func (m *Module) apiAddQuestion(w http.ResponseWriter, r *http.Request) {
	var in QuestionInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	q, err := m.svc.AddQuestion(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, q)
}

// questionView counts every State's current answer to a question.
func (m *Module) questionView(r *http.Request, qid, lang string) (QuestionView, error) {
	q, err := QuestionByID(r.Context(), m.svc.DB, qid)
	if err != nil {
		return QuestionView{}, err
	}
	st, err := stances(r.Context(), m.svc.DB, q.ID, lang)
	if err != nil {
		return QuestionView{}, err
	}
	v := QuestionView{Question: q, Stances: st, Counts: map[string]int{}}
	for _, a := range q.Answers {
		v.Counts[a.ID] = 0
	}
	for _, s := range st {
		v.Counts[s.Answer]++
	}
	v.Counts["not-stated"] = numStates() - len(st)
	return v, nil
}

func (m *Module) apiStances(w http.ResponseWriter, r *http.Request) {
	v, err := m.questionView(r, r.PathValue("id"), apiLang(r))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, v)
}

func (m *Module) apiDocuments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := DocFilter{State: strings.ToUpper(q.Get("state")), Kind: q.Get("kind"), Statuses: []string{StatusPublished, StatusSuperseded}}
	if f.State != "" && !states.Known(f.State) {
		api.WriteError(w, api.Invalid("state", "is not the ISO3 code of a State"))
		return
	}
	if f.Kind != "" && f.Kind != KindNational && f.Kind != KindJoint {
		api.WriteError(w, api.Invalid("kind", "must be national or joint"))
		return
	}
	limit, after, err := api.PageParams(r, 50, 200)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	if after != "" {
		var ok bool
		if f.AfterIssued, f.AfterID, ok = strings.Cut(after, "|"); !ok || f.AfterID == "" {
			api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", "cursor", "is not a cursor of this list"))
			return
		}
	}
	f.Limit = limit + 1
	list, err := listDocs(r.Context(), m.svc.DB, f, apiLang(r))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = last.IssuedOn + "|" + last.ID
	}
	api.WriteJSON(w, http.StatusOK, api.List[Position]{Items: list, NextCursor: api.Cursor(next)})
}

func (m *Module) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in PositionInput
	if err := api.Decode(w, r, &in, 4<<20); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.Create(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, p)
}

func (m *Module) apiDocument(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Get(r.Context(), r.PathValue("id"), apiLang(r))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if p.Status == StatusDraft {
		w.Header().Set("Cache-Control", "no-store")
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var in PositionInput
	if err := api.Decode(w, r, &in, 4<<20); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiPublish(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Publish(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiConfirm(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Confirm(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiDrafts(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Drafts(r.Context(), apiLang(r))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, api.List[Position]{Items: list})
}

// parsePassageFilter reads the filters of a topic's passages.
func parsePassageFilter(r *http.Request) (PassageFilter, error) {
	q := r.URL.Query()
	f := PassageFilter{Topic: q.Get("topic"), State: strings.ToUpper(q.Get("state")), Region: q.Get("region"), Lang: q.Get("lang_filter"), Sort: q.Get("sort")}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		f.Lang = q.Get("lang")
	}
	if f.State != "" && !states.Known(f.State) {
		return f, api.Invalid("state", "is not the ISO3 code of a State")
	}
	if f.Region != "" && !states.Group(f.Region).Valid() {
		return f, api.Invalid("region", "is not a regional group")
	}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1945 || n > 2200 {
			return f, api.Invalid("year", "must be a year such as 2021")
		}
		f.Year = n
	}
	if f.Lang != "" && !langRE.MatchString(f.Lang) {
		return f, api.Invalid("lang", "must be a language code such as en")
	}
	if f.Sort != "" && f.Sort != "date" && f.Sort != "state" {
		return f, api.Invalid("sort", "must be date or state")
	}
	return f, nil
}

func (m *Module) apiPassages(w http.ResponseWriter, r *http.Request) {
	f, err := parsePassageFilter(r)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	if f.Topic != "" {
		if _, err := TopicByID(r.Context(), m.svc.DB, f.Topic); err != nil {
			if err == ErrNotFound {
				api.WriteError(w, api.Invalid("topic", "is not a topic"))
				return
			}
			m.apiFail(w, r, err)
			return
		}
	}
	list, err := passages(r.Context(), m.svc.DB, f, "en")
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[TopicPassage]{Items: list})
}

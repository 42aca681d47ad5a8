package participation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

const apiBase = "/api/v1/participation"

func (m *Module) apiRoutes(r *web.Router) {
	pslug := func(d string) []api.Param {
		return []api.Param{{Name: "slug", In: "path", Required: true, Description: d}}
	}
	pid := []api.Param{{Name: "id", In: "path", Required: true, Description: "application id"}}
	tag := "participation"
	r.API(api.Op{Method: "GET", Path: apiBase + "/bodies", Summary: "List the bodies and their accreditation modalities", Tag: tag, Response: api.List[Body]{}}, web.Public, m.apiBodies)
	r.API(api.Op{Method: "POST", Path: apiBase + "/bodies", Summary: "Create a body", Tag: tag, Request: BodyInput{}, Response: Body{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateBody)
	r.API(api.Op{Method: "GET", Path: apiBase + "/bodies/{slug}", Summary: "A body, its sessions and what its applications would yield under each modality", Tag: tag, Params: pslug("body"), Response: bodyView{}}, web.Public, m.apiBody)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/bodies/{slug}", Summary: "Change a body's name and modalities", Tag: tag, Params: pslug("body"), Request: BodyInput{}, Response: Body{}}, web.Secretariat, m.apiUpdateBody)
	r.API(api.Op{Method: "POST", Path: apiBase + "/bodies/{slug}/circulate", Summary: "Circulate the submitted applications to the Member States (starts the objection period)", Tag: tag, Params: pslug("body"), Response: map[string]int{"circulated": 3}}, web.Secretariat, m.apiCirculate)
	r.API(api.Op{Method: "POST", Path: apiBase + "/bodies/{slug}/sessions", Summary: "Add a session to a body", Tag: tag, Params: pslug("body"), Request: SessionInput{}, Response: Session{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateSession)
	r.API(api.Op{Method: "GET", Path: apiBase + "/sessions", Summary: "List every session", Tag: tag, Response: api.List[Session]{}}, web.Public, m.apiSessions)
	r.API(api.Op{Method: "GET", Path: apiBase + "/sessions/{slug}", Summary: "A session: applications, objections (where named), tallies, outcomes and the modality comparison", Tag: tag, Params: pslug("session"), Response: SessionReport{}}, web.Public, m.apiSession)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/sessions/{slug}", Summary: "Change a session's details, programme and outcomes", Tag: tag, Params: pslug("session"), Request: SessionInput{}, Response: Session{}}, web.Secretariat, m.apiUpdateSession)
	r.API(api.Op{Method: "GET", Path: apiBase + "/sessions/{slug}/statements", Summary: "A session's published statements (and those waiting for a check, for the secretariat)", Tag: tag, Params: pslug("session"), Response: api.List[Statement]{}}, web.Public, m.apiStatements)
	r.API(api.Op{Method: "POST", Path: apiBase + "/sessions/{slug}/statements", Summary: "Submit a statement in markdown (accredited organisations, State staff); upload PDFs with the web form", Tag: tag, Params: pslug("session"), Request: StatementInput{}, Response: Statement{}, Status: http.StatusCreated}, web.Roles(auth.RoleStakeholder, auth.RoleStateEditor, auth.RoleStateApprover), m.apiSubmitStatement)
	r.API(api.Op{Method: "POST", Path: apiBase + "/statements/{id}/review", Summary: "Publish or reject a submitted statement", Tag: tag, Params: []api.Param{{Name: "id", In: "path", Required: true}}, Request: reviewInput{}, Response: Statement{}}, web.Secretariat, m.apiReview)
	r.API(api.Op{Method: "GET", Path: apiBase + "/organisations", Summary: "The registry of stakeholder organisations", Tag: tag,
		Params:   []api.Param{{Name: "q", In: "query", Description: "name contains"}, {Name: "type", In: "query"}, {Name: "ecosoc", In: "query"}, {Name: "hq", In: "query", Description: "ISO3"}, api.UpdatedSinceParam, {Name: "limit", In: "query", Schema: "integer"}, {Name: "cursor", In: "query"}},
		Response: api.List[Organisation]{}}, web.Public, m.apiOrganisations)
	r.API(api.Op{Method: "POST", Path: apiBase + "/organisations", Summary: "Register an organisation with its profile (secretariat; to import an existing registry, one organisation per request)", Tag: tag,
		Request: OrganisationInput{Slug: "cybersecurity-tech-accord", Name: "Cybersecurity Tech Accord", ProfileInput: ProfileInput{Type: "business"}}, Response: Organisation{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateOrganisation)
	r.API(api.Op{Method: "GET", Path: apiBase + "/organisations/{slug}", Summary: "An organisation's profile and full accreditation history, with its objection streak", Tag: tag, Params: pslug("organisation"), Response: History{}}, web.Public, m.apiOrganisation)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/organisations/{slug}", Summary: "Edit an organisation's profile (its own users)", Tag: tag, Params: pslug("organisation"), Request: ProfileInput{}, Response: Organisation{}}, web.Roles(auth.RoleStakeholder, auth.RoleSecretariat), m.apiUpdateProfile)
	r.API(api.Op{Method: "POST", Path: apiBase + "/applications", Summary: "Apply for accreditation to a session, or standing to a body", Tag: tag, Request: ApplicationInput{Session: "oewg-s1", Justification: "We operate ..."}, Response: Application{}, Status: http.StatusCreated}, web.Stakeholder, m.apiApply)
	r.API(api.Op{Method: "GET", Path: apiBase + "/applications/{id}", Summary: "One application (a draft only to its organisation)", Tag: tag, Params: pid, Response: Application{}}, web.Public, m.apiApplication)
	r.API(api.Op{Method: "POST", Path: apiBase + "/applications/{id}/submit", Summary: "Submit a draft application", Tag: tag, Params: pid, Response: Application{}}, web.Stakeholder, m.apiSubmit)
	r.API(api.Op{Method: "POST", Path: apiBase + "/applications/{id}/objection", Summary: "Object to an application for your State (approvers, within the objection period, once)", Tag: tag, Params: pid, Request: objectInput{}, Response: Application{}}, web.StateApprover, m.apiObject)
	r.API(api.Op{Method: "DELETE", Path: apiBase + "/applications/{id}/objection", Summary: "Withdraw your State's objection before the period ends", Tag: tag, Params: pid, Response: Application{}}, web.StateApprover, m.apiWithdraw)
	r.API(api.Op{Method: "POST", Path: apiBase + "/applications/{id}/vote", Summary: "Cast your State's vote (approvers, within the voting period, once)", Tag: tag, Params: pid, Request: voteInput{Choice: "yes"}, Response: Application{}}, web.StateApprover, m.apiVote)
	// A State's objections and votes grow every year: both are paged,
	// newest first (stateListPage).
	pState := []api.Param{{Name: "iso3", In: "path", Required: true, Description: "ISO 3166-1 alpha-3"},
		{Name: "limit", In: "query", Schema: "integer", Description: fmt.Sprintf("1–%d, default %d", maxStatePage, defaultStatePage)},
		{Name: "cursor", In: "query", Description: "the next_cursor of the previous page"}}
	r.API(api.Op{Method: "GET", Path: apiBase + "/states/{iso3}/objections", Summary: "Objections a State lodged, in bodies that name objecting States, newest first, paginated", Tag: tag, Params: pState, Response: api.List[StateObjection]{}}, web.Public, m.apiStateObjections)
	r.API(api.Op{Method: "GET", Path: apiBase + "/states/{iso3}/votes", Summary: "How a State voted in recorded votes, once each closed (votes by secret ballot and open votes are never shown), newest first, paginated", Tag: tag, Params: pState, Response: api.List[StateVoteRecord]{}}, web.Public, m.apiStateVotes)
	r.API(api.Op{Method: "GET", Path: apiBase + "/consultations", Summary: "List consultations", Tag: tag, Response: api.List[Consultation]{}}, web.Public, m.apiConsultations)
	r.API(api.Op{Method: "POST", Path: apiBase + "/consultations", Summary: "Open a consultation (secretariat or State staff)", Tag: tag, Request: ConsultationInput{}, Response: Consultation{}, Status: http.StatusCreated}, web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover), m.apiOpenConsultation)
	r.API(api.Op{Method: "GET", Path: apiBase + "/consultations/{slug}", Summary: "A consultation with its published submissions (also the JSON export)", Tag: tag, Params: append(pslug("consultation"), api.Param{Name: "q", In: "query", Description: "search the answers"}), Response: consultationView{}}, web.Public, m.apiConsultation)
	r.API(api.Op{Method: "GET", Path: apiBase + "/consultations/{slug}/submission", Summary: "Your organisation's submission, draft or submitted", Tag: tag, Params: pslug("consultation"), Response: Submission{}}, web.Stakeholder, m.apiMySubmission)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/consultations/{slug}/submission", Summary: "Save answers question by question, and submit", Tag: tag, Params: pslug("consultation"), Request: AnswerInput{Answers: map[int]string{1: "…"}}, Response: Submission{}}, web.Stakeholder, m.apiSaveAnswers)
}

// apiFail writes a service error in the API's error shape.
func (m *Module) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		api.WriteError(w, ae)
	case errors.Is(err, ErrNotFound):
		api.WriteError(w, api.ErrNotFound)
	case errors.Is(err, ErrForbidden):
		api.WriteError(w, api.ErrForbidden)
	default:
		m.site.ServerError(w, r, err)
	}
}

func (m *Module) apiBodies(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Bodies(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []Body{}
	}
	api.WriteJSON(w, http.StatusOK, api.List[Body]{Items: list})
}

func (m *Module) apiCreateBody(w http.ResponseWriter, r *http.Request) {
	var in BodyInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	b, err := m.svc.CreateBody(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, b)
}

type bodyView struct {
	Body       Body          `json:"body"`
	Sessions   []Session     `json:"sessions"`
	Standing   []Application `json:"standing_applications"`
	Comparison []Comparison  `json:"comparison"`
	Decided    int           `json:"decided_or_circulated"`
}

func (m *Module) bodyView(r *http.Request, slug string) (bodyView, error) {
	ctx := r.Context()
	b, err := m.svc.BodyBySlug(ctx, slug)
	if err != nil {
		return bodyView{}, err
	}
	v := bodyView{Body: b}
	if v.Sessions, err = m.svc.Sessions(ctx, b.ID); err != nil {
		return v, err
	}
	if v.Standing, err = m.svc.listApps(ctx, `a.body_id = ? AND a.session_id = '' ORDER BY o.name`, b.ID); err != nil {
		return v, err
	}
	v.Comparison, v.Decided, err = m.svc.BodyComparison(ctx, b)
	if v.Sessions == nil {
		v.Sessions = []Session{}
	}
	return v, err
}

func (m *Module) apiBody(w http.ResponseWriter, r *http.Request) {
	v, err := m.bodyView(r, r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, v)
}

func (m *Module) apiUpdateBody(w http.ResponseWriter, r *http.Request) {
	var in BodyInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	b, err := m.svc.UpdateBody(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, b)
}

func (m *Module) apiCirculate(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.Circulate(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, map[string]int{"circulated": n})
}

func (m *Module) apiCreateSession(w http.ResponseWriter, r *http.Request) {
	var in SessionInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	x, err := m.svc.CreateSession(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, x)
}

func (m *Module) apiUpdateSession(w http.ResponseWriter, r *http.Request) {
	var in SessionInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	x, err := m.svc.UpdateSession(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, x)
}

func (m *Module) apiSessions(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Sessions(r.Context(), "")
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []Session{}
	}
	api.WriteJSON(w, http.StatusOK, api.List[Session]{Items: list})
}

func (m *Module) apiSession(w http.ResponseWriter, r *http.Request) {
	rep, err := m.svc.SessionReport(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rep)
}

func (m *Module) apiStatements(w http.ResponseWriter, r *http.Request) {
	x, err := m.svc.SessionBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	u := auth.UserFrom(r.Context())
	list, err := m.svc.Statements(r.Context(), x.ID, u.Has(auth.RoleSecretariat))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Statement]{Items: list})
}

func (m *Module) apiSubmitStatement(w http.ResponseWriter, r *http.Request) {
	var in StatementInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	st, err := m.svc.SubmitStatement(r.Context(), r.PathValue("slug"), in, nil)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, st)
}

type reviewInput struct {
	Publish bool `json:"publish"`
}

func (m *Module) apiReview(w http.ResponseWriter, r *http.Request) {
	var in reviewInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	st, err := m.svc.ReviewStatement(r.Context(), r.PathValue("id"), in.Publish)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, st)
}

func (m *Module) apiOrganisations(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 50, 500)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	since, err := api.UpdatedSince(r)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	q := r.URL.Query()
	list, err := m.svc.Organisations(r.Context(), OrgFilter{Query: q.Get("q"), Type: q.Get("type"), ECOSOC: q.Get("ecosoc"), HQ: strings.ToUpper(q.Get("hq")), After: after, Limit: limit, UpdatedSince: since})
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	out := api.List[Organisation]{Items: list}
	if len(list) == limit {
		out.NextCursor = api.Cursor(list[len(list)-1].Slug)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (m *Module) apiCreateOrganisation(w http.ResponseWriter, r *http.Request) {
	var in OrganisationInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	o, err := m.svc.CreateOrganisation(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, o)
}

func (m *Module) apiOrganisation(w http.ResponseWriter, r *http.Request) {
	h, err := m.svc.OrganisationHistory(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, h)
}

func (m *Module) apiUpdateProfile(w http.ResponseWriter, r *http.Request) {
	var in ProfileInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	o, err := m.svc.UpdateProfile(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, o)
}

// MaxApplicationBody bounds an application's JSON body.
const MaxApplicationBody = 64 << 10

func (m *Module) apiApply(w http.ResponseWriter, r *http.Request) {
	var in ApplicationInput
	if err := api.Decode(w, r, &in, MaxApplicationBody); err != nil {
		api.WriteError(w, err)
		return
	}
	a, err := m.svc.Apply(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, a)
}

func (m *Module) apiApplication(w http.ResponseWriter, r *http.Request) {
	a, err := m.svc.Application(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, a)
}

func (m *Module) apiSubmit(w http.ResponseWriter, r *http.Request) {
	a, err := m.svc.Submit(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, a)
}

type objectInput struct {
	Reason string `json:"reason"`
}

type voteInput struct {
	Choice string `json:"choice"`
}

func (m *Module) apiAfterAct(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	a, err := m.svc.Application(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, a)
}

func (m *Module) apiObject(w http.ResponseWriter, r *http.Request) {
	var in objectInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	m.apiAfterAct(w, r, m.svc.Object(r.Context(), r.PathValue("id"), in.Reason))
}

func (m *Module) apiWithdraw(w http.ResponseWriter, r *http.Request) {
	m.apiAfterAct(w, r, m.svc.WithdrawObjection(r.Context(), r.PathValue("id")))
}

func (m *Module) apiVote(w http.ResponseWriter, r *http.Request) {
	var in voteInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	m.apiAfterAct(w, r, m.svc.Vote(r.Context(), r.PathValue("id"), in.Choice))
}

// defaultStatePage and maxStatePage bound a page of a State's objections
// or votes in the API (?limit=), as the compendium's practices.
const (
	defaultStatePage = 50
	maxStatePage     = 200
)

// statePageParams reads a State list's path and page parameters: an
// unknown State is ErrNotFound, a bad limit or cursor a 400 naming it.
func statePageParams(r *http.Request) (iso3, after string, limit int, err error) {
	iso3 = strings.ToUpper(r.PathValue("iso3"))
	if !states.Known(iso3) {
		return "", "", 0, ErrNotFound
	}
	limit, after, err = api.PageParams(r, defaultStatePage, maxStatePage)
	return iso3, after, limit, err
}

// badStateCursor is the answer to a cursor that decodes but names no row
// of the State's list: the same for an unknown application as for a row
// the list leaves out, so that it tells nothing of those.
func badStateCursor(list string) error {
	return api.Errorf(http.StatusBadRequest, "invalid_parameter", "cursor", "names no %s of this State's list: start from the first page", list)
}

func (m *Module) apiStateObjections(w http.ResponseWriter, r *http.Request) {
	writeStatePage(m, w, r, "objection", m.svc.StateObjectionsPage)
}

func (m *Module) apiStateVotes(w http.ResponseWriter, r *http.Request) {
	writeStatePage(m, w, r, "vote", m.svc.StateVotesPage)
}

// writeStatePage answers a page of one of a State's lists (objections,
// votes): page reads it after the cursor's row; list names its rows in the
// refusal of a cursor that names none.
func writeStatePage[T any](m *Module, w http.ResponseWriter, r *http.Request, list string, page func(ctx context.Context, iso3, after string, limit int) ([]T, string, error)) {
	iso3, after, limit, err := statePageParams(r)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	items, next, err := page(r.Context(), iso3, after, limit)
	if errors.Is(err, ErrBadCursor) {
		err = badStateCursor(list)
	}
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[T]{Items: items, NextCursor: api.Cursor(next)})
}

func (m *Module) apiConsultations(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Consultations(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Consultation]{Items: list})
}

func (m *Module) apiOpenConsultation(w http.ResponseWriter, r *http.Request) {
	var in ConsultationInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	c, err := m.svc.OpenConsultation(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, c)
}

type consultationView struct {
	Consultation Consultation `json:"consultation"`
	Submissions  []Submission `json:"submissions"`
}

func (m *Module) apiConsultation(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.ConsultationBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	subs, err := m.svc.PublishedSubmissions(r.Context(), c, r.URL.Query().Get("q"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, consultationView{Consultation: c, Submissions: subs})
}

func (m *Module) apiMySubmission(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.ConsultationBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	sub, err := m.svc.MySubmission(r.Context(), c)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, sub)
}

func (m *Module) apiSaveAnswers(w http.ResponseWriter, r *http.Request) {
	var in AnswerInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	sub, err := m.svc.SaveAnswers(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, sub)
}

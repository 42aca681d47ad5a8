package positions

import (
	"encoding/csv"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

func (m *Module) proposalRoutes(r *web.Router) {
	r.Handle("GET /positions/proposals", web.Public, m.proposalsPage)
	r.Handle("POST /positions/proposals", web.Secretariat, m.createProposalForm)
	r.Handle("GET /positions/proposals/{id}", web.Public, m.proposalPage)
	r.Handle("GET /positions/proposals/{id}/positions.csv", web.Public, m.proposalCSV)
	r.Handle("POST /positions/proposals/{id}/status", web.Secretariat, m.statusForm)
	r.Handle("POST /positions/proposals/{id}/stances", web.Roles(auth.RoleSecretariat, auth.RoleStateApprover), m.stanceForm)
	r.Handle("POST /positions/proposals/{id}/endorse", web.Stakeholder, m.endorseForm)
	r.Handle("GET /positions/following", web.SignedIn, m.followingPage)
	r.Handle("POST /positions/follow", web.SignedIn, m.followForm)

	tag := "positions"
	pid := []api.Param{{Name: "id", In: "path", Required: true, Description: "proposal identifier, e.g. supply-chain"}}
	r.API(api.Op{Method: "GET", Path: apiBase + "/proposals", Summary: "Proposed norms with their status", Tag: tag, Response: api.List[Proposal]{}}, web.Public, m.apiProposals)
	r.API(api.Op{Method: "POST", Path: apiBase + "/proposals", Summary: "Record a proposal (secretariat)", Tag: tag, Request: ProposalInput{}, Response: Proposal{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateProposal)
	r.API(api.Op{Method: "GET", Path: apiBase + "/proposals/{id}", Summary: "A proposal's consensus view: counts, current positions, amendments, what stands between it and consensus, the timeline, the history and stakeholder endorsements", Tag: tag, Params: pid, Response: Consensus{}}, web.Public, m.apiConsensus)
	r.API(api.Op{Method: "POST", Path: apiBase + "/proposals/{id}/status", Summary: "Change a proposal's status, dated (secretariat); followers are e-mailed", Tag: tag, Params: pid, Request: StatusInput{}, Response: Proposal{}}, web.Secretariat, m.apiStatus)
	r.API(api.Op{Method: "POST", Path: apiBase + "/proposals/{id}/positions", Summary: "Record a State's position on a proposal (its approver, or the secretariat from a public statement)", Tag: tag, Params: pid, Request: StanceOnProposalInput{}, Response: ProposalStance{}, Status: http.StatusCreated}, web.Roles(auth.RoleSecretariat, auth.RoleStateApprover), m.apiRecordStance)
	r.API(api.Op{Method: "POST", Path: apiBase + "/proposals/{id}/endorsements", Summary: "Endorse a proposal for your organisation (stakeholders; shown apart from States' positions)", Tag: tag, Params: pid, Request: EndorseInput{}, Response: ProposalEndorsement{}, Status: http.StatusCreated}, web.Stakeholder, m.apiEndorse)
	r.API(api.Op{Method: "GET", Path: apiBase + "/follows", Summary: "What you follow", Tag: tag, Response: api.List[string]{}}, web.SignedIn, m.apiFollows)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/follows", Summary: "Follow or stop following a topic or a proposal", Tag: tag, Request: FollowInput{}, Response: api.List[string]{}}, web.SignedIn, m.apiSetFollow)
}

// ---- API ----

func (m *Module) apiProposals(w http.ResponseWriter, r *http.Request) {
	list, err := Proposals(r.Context(), m.svc.DB)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Proposal]{Items: list})
}

func (m *Module) apiCreateProposal(w http.ResponseWriter, r *http.Request) {
	var in ProposalInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.CreateProposal(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, p)
}

func (m *Module) apiConsensus(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.ConsensusView(r.Context(), r.PathValue("id"), apiLang(r))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, c)
}

func (m *Module) apiStatus(w http.ResponseWriter, r *http.Request) {
	var in StatusInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.ChangeStatus(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiRecordStance(w http.ResponseWriter, r *http.Request) {
	var in StanceOnProposalInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	st, err := m.svc.RecordStance(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, st)
}

func (m *Module) apiEndorse(w http.ResponseWriter, r *http.Request) {
	var in EndorseInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.Endorse(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, e)
}

func (m *Module) apiFollows(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Follows(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[string]{Items: list})
}

func (m *Module) apiSetFollow(w http.ResponseWriter, r *http.Request) {
	var in FollowInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	if err := m.svc.SetFollow(r.Context(), in); err != nil {
		m.apiFail(w, r, err)
		return
	}
	m.apiFollows(w, r)
}

// ---- pages ----

type proposalsData struct {
	Stances   []string
	Proposals []proposalRow
	Error     *api.Error
	In        ProposalInput
}

type proposalRow struct {
	Proposal
	Counts map[string]int
}

func (m *Module) renderProposals(w http.ResponseWriter, r *http.Request, status int, in ProposalInput, formErr *api.Error) {
	ctx := r.Context()
	lang := web.Lang(r)
	list, err := Proposals(ctx, m.svc.DB)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	counts, err := ProposalCounts(ctx, m.svc.DB, "")
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := proposalsData{Error: formErr, In: in, Stances: ProposalStances}
	for _, p := range list {
		d.Proposals = append(d.Proposals, proposalRow{Proposal: p, Counts: countsOf(counts, p.ID)})
	}
	if auth.UserFrom(ctx) != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, status, "positions/proposals.html", m.site.Catalog.T(lang, "positions.proposals.title"), d)
}

func (m *Module) proposalsPage(w http.ResponseWriter, r *http.Request) {
	m.renderProposals(w, r, http.StatusOK, ProposalInput{}, nil)
}

func (m *Module) createProposalForm(w http.ResponseWriter, r *http.Request) {
	in := ProposalInput{ID: r.PostFormValue("id"), NormID: r.PostFormValue("norm_id"), Title: r.PostFormValue("title"), Text: r.PostFormValue("text"), Rationale: r.PostFormValue("rationale"),
		ProposedBy: r.PostFormValue("proposed_by"), SourceURL: r.PostFormValue("source_url"), Body: r.PostFormValue("body"), Session: r.PostFormValue("session"), ProposedOn: r.PostFormValue("proposed_on")}
	in.ProposerStates = strings.FieldsFunc(r.PostFormValue("proposer_states"), func(r rune) bool { return r == ',' || r == ' ' })
	p, err := m.svc.CreateProposal(r.Context(), in)
	var ae *api.Error
	if errors.As(err, &ae) {
		m.renderProposals(w, r, ae.Status, in, ae)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/proposals/"+p.ID, "positions.saved")
}

type proposalData struct {
	Consensus
	Map         template.HTML
	TimelineSVG template.HTML
	Stances     []string
	Statuses    []string
	SourceKinds []string
	Error       *api.Error
	StanceIn    StanceOnProposalInput
	Following   bool
	SignedIn    bool
	Today       string
	States      []states.State
	Rows        []positionRow
}

// positionRow is a State's current position with its labels translated
// once, not per cell in the template.
type positionRow struct {
	ProposalStance
	StanceLabel, SourceLabel string
}

// stanceClass of a stance on a proposal: categorical colours, hatched when
// not stated.
func proposalClass(stance string) string {
	for i, s := range ProposalStances[:4] {
		if s == stance {
			return "chart-s" + strconv.Itoa(i)
		}
	}
	return "chart-noreport"
}

func (m *Module) renderProposal(w http.ResponseWriter, r *http.Request, status int, in StanceOnProposalInput, formErr *api.Error) {
	ctx := r.Context()
	lang := web.Lang(r)
	c, err := m.svc.ConsensusView(ctx, r.PathValue("id"), lang)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	t := func(k string, a ...any) string { return m.site.Catalog.T(lang, k, a...) }
	d := proposalData{Consensus: c, Stances: ProposalStances, Statuses: ProposalStatuses, SourceKinds: SourceKinds, Error: formErr, StanceIn: in, Today: now().Format("2006-01-02")}
	areas := map[string]chart.Area{}
	labels := map[string]string{}
	for _, k := range append(append([]string{}, ProposalStances...), SourceKinds...) {
		labels[k] = t("positions.stance." + k)
	}
	for _, k := range SourceKinds {
		labels[k] = t("positions.source_kind." + k)
	}
	bySec := t("positions.recorded_by_secretariat")
	d.Rows = make([]positionRow, 0, len(c.Positions))
	for _, st := range c.Positions {
		areas[st.State] = chart.Area{Class: proposalClass(st.Stance), Label: st.StateName + ": " + labels[st.Stance]}
		row := positionRow{ProposalStance: st, StanceLabel: labels[st.Stance], SourceLabel: labels[st.SourceKind]}
		if st.BySecretariat {
			row.SourceLabel += " — " + bySec
		}
		d.Rows = append(d.Rows, row)
	}
	var legend []chart.LegendItem
	for _, s := range ProposalStances {
		legend = append(legend, chart.LegendItem{Class: proposalClass(s), Label: t("positions.stance." + s)})
	}
	d.Map = chart.Map{Title: c.Proposal.Title, Desc: t("positions.consensus.map_desc"), Base: m.base, Areas: areas,
		Default: chart.Area{Class: "chart-noreport", Label: t("positions.stance.not-stated")}, Legend: legend}.SVG()
	if len(c.Timeline) > 1 {
		lines := chart.Lines{Title: t("positions.consensus.timeline"), Desc: t("positions.consensus.timeline_desc"), RTL: web.IsRTL(lang), Lang: lang}
		for _, p := range c.Timeline {
			lines.X = append(lines.X, p.Date)
		}
		for _, s := range ProposalStances[:4] {
			se := chart.Series{Name: t("positions.stance." + s)}
			for _, p := range c.Timeline {
				se.Values = append(se.Values, float64(p.Counts[s]))
			}
			lines.Series = append(lines.Series, se)
		}
		d.TimelineSVG = lines.SVG()
	}
	if u := auth.UserFrom(ctx); u != nil {
		w.Header().Set("Cache-Control", "no-store")
		d.SignedIn = true
		if f, err := m.svc.Follows(ctx); err == nil {
			for _, x := range f {
				d.Following = d.Following || x == "proposal:"+c.Proposal.ID
			}
		}
		if u.Role == auth.RoleSecretariat {
			d.States = states.Filter("", lang)
		}
	}
	m.site.Render(w, r, status, "positions/proposal.html", c.Proposal.Title, d)
}

func (m *Module) proposalPage(w http.ResponseWriter, r *http.Request) {
	m.renderProposal(w, r, http.StatusOK, StanceOnProposalInput{SourceKind: "statement"}, nil)
}

func (m *Module) statusForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.ChangeStatus(r.Context(), r.PathValue("id"), StatusInput{Status: r.PostFormValue("status"), OnDate: r.PostFormValue("on_date"), Note: r.PostFormValue("note")})
	var ae *api.Error
	if errors.As(err, &ae) {
		m.renderProposal(w, r, ae.Status, StanceOnProposalInput{SourceKind: "statement"}, ae)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/proposals/"+r.PathValue("id"), "positions.saved")
}

func (m *Module) stanceForm(w http.ResponseWriter, r *http.Request) {
	in := StanceOnProposalInput{State: r.PostFormValue("state"), Stance: r.PostFormValue("stance"), Amendment: r.PostFormValue("amendment_text"), Reason: r.PostFormValue("reason"),
		StatedOn: r.PostFormValue("stated_on"), SourceKind: r.PostFormValue("source_kind"), SourceRef: r.PostFormValue("source_ref")}
	_, err := m.svc.RecordStance(r.Context(), r.PathValue("id"), in)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status != http.StatusForbidden {
		m.renderProposal(w, r, ae.Status, in, ae)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/proposals/"+r.PathValue("id"), "positions.saved")
}

func (m *Module) endorseForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.Endorse(r.Context(), r.PathValue("id"), EndorseInput{Note: r.PostFormValue("note")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/proposals/"+r.PathValue("id"), "positions.saved")
}

func (m *Module) proposalCSV(w http.ResponseWriter, r *http.Request) {
	lang := web.Lang(r)
	c, err := m.svc.ConsensusView(r.Context(), r.PathValue("id"), lang)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	got := map[string]ProposalStance{}
	for _, s := range c.Positions {
		got[s.State] = s
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="proposal-`+c.Proposal.ID+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"state", "state_name", "region", "stance", "amendment", "reason", "stated_on", "source_kind", "source_ref", "by_secretariat"})
	for _, st := range allStates() {
		s, ok := got[st.ISO3]
		row := []string{st.ISO3, defuse(st.Name(lang)), string(st.Group), "not-stated", "", "", "", "", "", ""}
		if ok {
			row[3], row[4], row[5], row[6], row[7], row[8] = s.Stance, defuse(s.Amendment), defuse(s.Reason), s.StatedOn, s.SourceKind, defuse(s.SourceRef)
			if s.BySecretariat {
				row[9] = "yes"
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

type followingData struct {
	Targets   []string
	Proposals []string
	Topics    []Topic
}

func (m *Module) followingPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	d := followingData{}
	var err error
	if d.Targets, err = m.svc.Follows(ctx); err != nil {
		m.fail(w, r, err)
		return
	}
	for _, t := range d.Targets {
		if p, ok := strings.CutPrefix(t, "proposal:"); ok {
			d.Proposals = append(d.Proposals, p)
		}
	}
	topics, err := m.svc.topics(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, t := range topics {
		d.Topics = append(d.Topics, t.In(lang))
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, http.StatusOK, "positions/following.html", m.site.Catalog.T(lang, "positions.following"), d)
}

func (m *Module) followForm(w http.ResponseWriter, r *http.Request) {
	in := FollowInput{Target: r.PostFormValue("target"), Follow: r.PostFormValue("follow") == "1"}
	if err := m.svc.SetFollow(r.Context(), in); err != nil {
		m.fail(w, r, err)
		return
	}
	back := web.SafeNext(r.PostFormValue("next"), "/positions/following")
	m.site.Redirect(w, r, back, "positions.follow_saved")
}

package reporting

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// threadData is a report's comment thread as a page shows it, with the
// form that adds to it. Only the State's own users get one.
type threadData struct {
	ReportID string
	// Section is what the form comments on ("" the report as a whole);
	// All says the thread lists every section's comments.
	Section  string
	All      bool
	Comments []commentRow
	Body     string
	Errors   web.FormErrors
	// Return says the form returns to the section's edit page.
	Return string
}

type commentRow struct {
	Comment
	SectionLabel string // "(c) Protect critical infrastructure", or "" for the report
}

// handoffData is the hand-off panel of the report's page and task list.
type handoffData struct {
	Report      Report
	CanSend     bool // any of the State's users, while drafting and not waiting
	CanReturn   bool // an approver, while waiting for approval
	WaitsForYou bool
	Sections    []sectionOption
	Comment     string
	Errors      web.FormErrors
}

type sectionOption struct {
	ID, Label string
}

// sectionLabels names every section in the reader's language.
func (m *Module) sectionOptions(r *http.Request) ([]sectionOption, error) {
	ctx := r.Context()
	norms, err := m.Svc.ReportableNorms(ctx)
	if err != nil {
		return nil, err
	}
	local, err := m.Svc.FW.Norms(ctx, "", web.Lang(r))
	if err != nil {
		return nil, err
	}
	titles := map[string]string{}
	for _, n := range local {
		titles[n.ID] = n.ShortTitle
	}
	out := make([]sectionOption, 0, len(norms)+1)
	for _, n := range norms {
		out = append(out, sectionOption{ID: n.ID, Label: n.Label() + " " + titles[n.ID]})
	}
	return append(out, sectionOption{ID: SectionILaw, Label: m.site.Catalog.T(web.Lang(r), "reporting.ilaw")}), nil
}

// thread builds the comment thread of a report for its own users (nil for
// everyone else): every comment when section is "*", else that section's.
func (m *Module) thread(r *http.Request, rep Report, section string) (*threadData, error) {
	if !auth.UserFrom(r.Context()).ActsFor(rep.StateISO3) {
		return nil, nil
	}
	cs, err := m.Svc.Comments(r.Context(), rep.ID, section)
	if err != nil {
		return nil, err
	}
	opts, err := m.sectionOptions(r)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, o := range opts {
		labels[o.ID] = o.Label
	}
	t := &threadData{ReportID: rep.ID, Section: section, All: section == "*"}
	if t.All {
		t.Section = ""
	}
	for _, c := range cs {
		t.Comments = append(t.Comments, commentRow{Comment: c, SectionLabel: labels[c.Section]})
	}
	return t, nil
}

// handoff builds the hand-off panel for the State's own users (nil for
// everyone else).
func (m *Module) handoff(r *http.Request, rep Report) (*handoffData, error) {
	u := auth.UserFrom(r.Context())
	if !u.ActsFor(rep.StateISO3) {
		return nil, nil
	}
	h := &handoffData{Report: rep, WaitsForYou: awaitingFor(rep, u)}
	if rep.Status == StatusDraft {
		h.CanSend = rep.Handoff != HandoffAwaiting
		h.CanReturn = rep.Handoff == HandoffAwaiting && u.Role == auth.RoleStateApprover
	}
	if h.CanReturn {
		var err error
		if h.Sections, err = m.sectionOptions(r); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// problemErrors turns a comment's refusal into the form's field errors.
func (m *Module) problemErrors(r *http.Request, p *Problem, id string) web.FormErrors {
	var out web.FormErrors
	for _, fp := range p.All() {
		fid := id
		if fp.Field == "section" {
			fid = "comment-section"
		}
		out = append(out, web.FieldError{ID: fid, Label: m.site.Catalog.T(web.Lang(r), "reporting.comment"), Message: m.problemText(r, fp)})
	}
	return out
}

// sendForApproval is the editor's "send for approval".
func (m *Module) sendForApproval(w http.ResponseWriter, r *http.Request) {
	rep, err := m.Svc.SendForApproval(r.Context(), r.PathValue("id"), SendInput{Comment: r.PostFormValue("comment")})
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
		m.renderThread(w, r, p.Status, "", r.PostFormValue("comment"), m.problemErrors(r, p, "comment-body"), "")
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/reports/"+rep.ID+"/edit", "reporting.sent_for_approval")
}

// returnToEditors is the approver's "return to the editors with comments".
func (m *Module) returnToEditors(w http.ResponseWriter, r *http.Request) {
	in := ReturnInput{Section: r.PostFormValue("section"), Comment: r.PostFormValue("comment")}
	rep, err := m.Svc.ReturnToEditors(r.Context(), r.PathValue("id"), in)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
		d, derr := m.showData(r, false)
		if derr != nil {
			m.fail(w, r, derr)
			return
		}
		if d.Handoff != nil {
			d.Handoff.Comment = in.Comment
			d.Handoff.Errors = m.problemErrors(r, p, "return-comment")
			for i := range d.Handoff.Errors {
				if d.Handoff.Errors[i].ID == "comment-section" {
					d.Handoff.Errors[i].ID = "return-section"
				}
			}
		}
		m.site.Render(w, r, p.Status, "reporting/show.html", d.StateName+" "+d.View.Report.CycleName, d)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/reports/"+rep.ID, "reporting.returned")
}

// addComment writes a comment from a thread's form and returns to where
// the form was: the section's edit page or the report's page, at the
// thread. A refusal shows the thread on its own page with the text kept.
func (m *Module) addComment(w http.ResponseWriter, r *http.Request) {
	in := CommentInput{Section: r.PostFormValue("section"), Body: r.PostFormValue("body")}
	back := r.PostFormValue("return")
	c, err := m.Svc.AddComment(r.Context(), r.PathValue("id"), in)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
		m.renderThread(w, r, p.Status, in.Section, in.Body, m.problemErrors(r, p, "comment-body"), back)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	to := "/reports/" + c.ReportID + "#comments"
	if back == "section" && c.Section != "" {
		to = "/reports/" + c.ReportID + "/edit/" + c.Section + "#comments"
	}
	m.site.Redirect(w, r, to, "reporting.comment_added")
}

type threadPage struct {
	Report    Report
	StateName string
	Thread    *threadData
}

// comments is the report's whole comment thread on its own page (where a
// refused comment is shown again).
func (m *Module) comments(w http.ResponseWriter, r *http.Request) {
	m.renderThread(w, r, http.StatusOK, strings.TrimSpace(r.URL.Query().Get("section")), "", nil, "")
}

func (m *Module) renderThread(w http.ResponseWriter, r *http.Request, status int, section, body string, errs web.FormErrors, back string) {
	rep, _, err := m.Svc.ownReport(r.Context(), m.Svc.P.DB, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	t, err := m.thread(r, rep, "*")
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if err := m.Svc.loadNorms(r.Context()); err != nil {
		m.fail(w, r, err)
		return
	}
	if section != "" && m.Svc.isSection(section) {
		t.Section = section
	}
	t.Body, t.Errors, t.Return = body, errs, back
	d := threadPage{Report: rep, StateName: stateName(rep.StateISO3, web.Lang(r)), Thread: t}
	m.site.Render(w, r, status, "reporting/comments.html", d.StateName+" "+rep.CycleName, d)
}

// ---- API ----

func (m *Module) apiComments(w http.ResponseWriter, r *http.Request) {
	section := "*"
	if q := r.URL.Query(); q.Has("section") {
		section = q.Get("section")
	}
	cs, err := m.Svc.Comments(r.Context(), r.PathValue("id"), section)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, api.List[Comment]{Items: cs})
}

func (m *Module) apiAddComment(w http.ResponseWriter, r *http.Request) {
	var in CommentInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	c, err := m.Svc.AddComment(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, c)
}

func (m *Module) apiSend(w http.ResponseWriter, r *http.Request) {
	var in SendInput
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in, 64<<10); err != nil {
			api.WriteError(w, err)
			return
		}
	}
	rep, err := m.Svc.SendForApproval(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, rep)
}

func (m *Module) apiReturn(w http.ResponseWriter, r *http.Request) {
	var in ReturnInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	rep, err := m.Svc.ReturnToEditors(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, rep)
}

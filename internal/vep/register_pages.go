package vep

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// private marks an answer that must never be kept by a cache or a browser.
func private(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
}

type permissionsData struct {
	State  string
	Grants []Grant
}

func (m *Module) permissionsPage(w http.ResponseWriter, r *http.Request) {
	private(w)
	gs, err := m.svc.Grants(r.Context())
	if err != nil {
		m.fail(w, r, err, "/vep")
		return
	}
	u := auth.UserFrom(r.Context())
	m.site.Render(w, r, http.StatusOK, "vep/permissions.html", "", permissionsData{State: u.StateISO3, Grants: gs})
}

func (m *Module) grantForm(w http.ResponseWriter, r *http.Request) {
	private(w)
	if _, err := m.svc.GrantPermission(r.Context(), r.PostFormValue("user_id")); err != nil {
		m.fail(w, r, err, "/vep/permissions")
		return
	}
	m.site.Redirect(w, r, "/vep/permissions", "vep.flash.granted")
}

func (m *Module) withdrawForm(w http.ResponseWriter, r *http.Request) {
	private(w)
	if err := m.svc.RevokePermission(r.Context(), r.PathValue("user")); err != nil {
		m.fail(w, r, err, "/vep/permissions")
		return
	}
	m.site.Redirect(w, r, "/vep/permissions", "vep.flash.withdrawn")
}

type registerData struct {
	Entries   []Entry
	Due       []Entry
	Form      Form
	Failed    *Failure
	FoundHow  []string
	Decisions []string
	Justified []string
}

func (m *Module) registerPage(w http.ResponseWriter, r *http.Request) {
	m.renderRegister(w, r, http.StatusOK, Form{Values: url.Values{}}, nil)
}

func (m *Module) renderRegister(w http.ResponseWriter, r *http.Request, status int, f Form, failed *Failure) {
	private(w)
	entries, err := m.svc.Entries(r.Context())
	if err != nil {
		m.fail(w, r, err, "/vep")
		return
	}
	d := registerData{Entries: entries, Form: f, Failed: failed, FoundHow: FoundHow, Decisions: Decisions, Justified: Justified}
	for _, e := range entries {
		if e.ReviewStatus == "due" || e.ReviewStatus == "overdue" {
			d.Due = append(d.Due, e)
		}
	}
	m.site.Render(w, r, status, "vep/register.html", "", d)
}

// entryFrom reads the entry form.
func entryFrom(r *http.Request) EntryInput {
	f := r.PostFormValue
	in := EntryInput{Product: f("product"), Vendor: f("vendor"), CVE: f("cve"), CVSSVector: f("cvss_vector"), FoundHow: f("found_how"), FoundOn: f("found_on"),
		Decision: f("decision"), DecidedOn: f("decided_on"), VendorNotifiedOn: f("vendor_notified_on"), PatchedOn: f("patched_on"), Justification: map[string]string{}}
	for _, c := range Justified {
		in.Justification[c] = f(c + "_reason")
	}
	return in
}

func entryValues(e Entry) url.Values {
	v := url.Values{"product": {e.Product}, "vendor": {e.Vendor}, "cve": {e.CVE}, "cvss_vector": {e.CVSSVector}, "found_how": {e.FoundHow}, "found_on": {e.FoundOn},
		"decision": {e.Decision}, "decided_on": {e.DecidedOn}, "vendor_notified_on": {e.VendorNotifiedOn}, "patched_on": {e.PatchedOn}}
	for k, s := range e.Justification {
		v.Set(k+"_reason", s)
	}
	return v
}

var entryFields = func() fields {
	fs := fields{}
	for _, n := range []string{"product", "vendor", "cve", "cvss_vector", "found_how", "found_on", "decision", "decided_on", "vendor_notified_on", "patched_on"} {
		fs[n] = field{ID: n, Label: "vep.entry." + n}
	}
	fs["justification"] = field{ID: "j_national_security", Label: "vep.entry.justification"}
	for _, c := range Justified {
		fs["justification."+c] = field{ID: "j_" + c, Label: "vep.criterion." + c}
	}
	return fs
}()

var reviewFields = func() fields {
	fs := fields{"reviewed_on": {ID: "r-reviewed_on", Label: "vep.review.reviewed_on"}, "decision": {ID: "r-decision", Label: "vep.entry.decision"},
		"justification": {ID: "r-j_national_security", Label: "vep.entry.justification"}}
	for _, c := range Justified {
		fs["justification."+c] = field{ID: "r-j_" + c, Label: "vep.criterion." + c}
	}
	return fs
}()

func (m *Module) recordForm(w http.ResponseWriter, r *http.Request) {
	private(w)
	e, err := m.svc.Record(r.Context(), entryFrom(r))
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, entryFields); ok {
			m.renderRegister(w, r, status, f, failed)
			return
		}
		m.fail(w, r, err, "/vep/register")
		return
	}
	m.site.Redirect(w, r, "/vep/register/"+e.ID, "vep.flash.recorded")
}

type entryData struct {
	Entry      Entry
	Form       Form
	ReviewForm Form
	Failed     *Failure
	FoundHow   []string
	Decisions  []string
	Justified  []string
}

func (m *Module) entryPage(w http.ResponseWriter, r *http.Request) {
	m.renderEntry(w, r, http.StatusOK, nil, nil, nil)
}

func (m *Module) renderEntry(w http.ResponseWriter, r *http.Request, status int, f, rf *Form, failed *Failure) {
	private(w)
	e, err := m.svc.Entry(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/vep/register")
		return
	}
	d := entryData{Entry: e, Failed: failed, FoundHow: FoundHow, Decisions: Decisions, Justified: Justified,
		Form: Form{Values: entryValues(e)}, ReviewForm: Form{Values: url.Values{"reviewed_on": {m.svc.today().Format("2006-01-02")}, "decision": {"retain"}}}}
	if f != nil {
		d.Form = *f
	}
	if rf != nil {
		d.ReviewForm = *rf
	}
	m.site.Render(w, r, status, "vep/entry.html", "", d)
}

func (m *Module) updateForm(w http.ResponseWriter, r *http.Request) {
	private(w)
	id := r.PathValue("id")
	if _, err := m.svc.Update(r.Context(), id, entryFrom(r)); err != nil {
		if f, failed, status, ok := m.refusal(r, err, entryFields); ok {
			m.renderEntry(w, r, status, &f, nil, failed)
			return
		}
		m.fail(w, r, err, "/vep/register")
		return
	}
	m.site.Redirect(w, r, "/vep/register/"+id, "vep.flash.saved")
}

func (m *Module) reviewForm(w http.ResponseWriter, r *http.Request) {
	private(w)
	id := r.PathValue("id")
	in := ReviewInput{ReviewedOn: r.PostFormValue("reviewed_on"), Decision: r.PostFormValue("decision"), Justification: map[string]string{}}
	for _, c := range Justified {
		in.Justification[c] = r.PostFormValue(c + "_reason")
	}
	if _, err := m.svc.AddReview(r.Context(), id, in); err != nil {
		if f, failed, status, ok := m.refusal(r, err, reviewFields); ok {
			m.renderEntry(w, r, status, nil, &f, failed)
			return
		}
		m.fail(w, r, err, "/vep/register/"+id)
		return
	}
	m.site.Redirect(w, r, "/vep/register/"+id, "vep.flash.reviewed")
}

// registerCSV exports the State's own register to its permitted users.
func (m *Module) registerCSV(w http.ResponseWriter, r *http.Request) {
	private(w)
	entries, err := m.svc.Entries(r.Context())
	if err != nil {
		m.fail(w, r, err, "/vep")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vep-register.csv"`)
	cw := csv.NewWriter(w)
	head := []string{"id", "product", "vendor", "cve", "cvss_vector", "cvss_version", "cvss_score", "found_how", "found_on", "decision", "decided_on"}
	for _, c := range Justified {
		head = append(head, "justification_"+c)
	}
	head = append(head, "vendor_notified_on", "patched_on", "reviews", "current_decision", "current_since", "next_review_on", "review_status")
	_ = cw.Write(head)
	for _, e := range entries {
		ver, score := "", ""
		if e.CVSS != nil {
			ver, score = e.CVSS.Version, strconv.FormatFloat(e.CVSS.Score, 'f', 1, 64)
		}
		row := []string{e.ID, csvSafe(e.Product), csvSafe(e.Vendor), e.CVE, e.CVSSVector, ver, score, e.FoundHow, e.FoundOn, e.Decision, e.DecidedOn}
		for _, c := range Justified {
			row = append(row, csvSafe(e.Justification[c]))
		}
		row = append(row, e.VendorNotifiedOn, e.PatchedOn, strconv.Itoa(len(e.Reviews)), e.Current, e.CurrentSince, e.NextReviewOn, e.ReviewStatus)
		_ = cw.Write(row)
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

package contacts

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
)

// coverageClass is the map class of a State by the kinds it has nominated.
func coverageClass(c Coverage) string {
	switch {
	case c.Diplomatic != nil && c.Technical != nil:
		return "chart-b5"
	case c.Diplomatic != nil:
		return "chart-b2"
	case c.Technical != nil:
		return "chart-b3"
	}
	return "chart-noreport"
}

type coverageSummary struct {
	Both, DiplomaticOnly, TechnicalOnly, None, Total int
}

func summarise(list []Coverage) coverageSummary {
	var s coverageSummary
	for _, c := range list {
		switch {
		case c.Diplomatic != nil && c.Technical != nil:
			s.Both++
		case c.Diplomatic != nil:
			s.DiplomaticOnly++
		case c.Technical != nil:
			s.TechnicalOnly++
		default:
			s.None++
		}
	}
	s.Total = len(list)
	return s
}

// coverageMap draws the coverage of all 195 States.
func (m *Module) coverageMap(lang string, list []Coverage, sum coverageSummary) template.HTML {
	t := func(k string, a ...any) string { return m.site.Catalog.T(lang, k, a...) }
	areas := make(map[string]chart.Area, len(list))
	for _, c := range list {
		label := t("contacts.map.none", c.Name)
		switch {
		case c.Diplomatic != nil && c.Technical != nil:
			label = t("contacts.map.both", c.Name)
		case c.Diplomatic != nil:
			label = t("contacts.map.diplomatic", c.Name)
		case c.Technical != nil:
			label = t("contacts.map.technical", c.Name)
		}
		areas[c.State] = chart.Area{Class: coverageClass(c), Label: label}
	}
	legend := []chart.LegendItem{{Class: "chart-b5", Label: t("contacts.legend.both")}, {Class: "chart-b2", Label: t("contacts.legend.diplomatic")},
		{Class: "chart-b3", Label: t("contacts.legend.technical")}, {Class: "chart-noreport", Label: t("contacts.legend.none")}}
	mp := chart.Map{Title: t("contacts.map.title"), Desc: m.site.Catalog.TN(lang, "contacts.map.desc", sum.Total, sum.Total, sum.Both, sum.DiplomaticOnly, sum.TechnicalOnly, sum.None),
		Base: m.base, Areas: areas, Default: chart.Area{Class: "chart-noreport"}, Legend: legend}
	return mp.SVG()
}

type indexData struct {
	directoryParts
	Details bool
	Rounds  []RoundSummary
	Stats   *RequestStats
}

// directoryParts are the directory page's map and table rows in one
// language: the same for every reader until something is written.
type directoryParts struct {
	Map  template.HTML
	Rows template.HTML // coverage-rows
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	parts, err := m.directory.Get(ctx, m.svc.DB, lang, func(ctx context.Context) (directoryParts, error) {
		list, err := m.svc.CoverageAll(ctx, lang)
		if err != nil {
			return directoryParts{}, err
		}
		rows, err := m.site.Fragment(r, "contacts/index.html", "coverage-rows", list)
		return directoryParts{Map: m.coverageMap(lang, list, summarise(list)), Rows: rows}, err
	})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := indexData{directoryParts: parts, Details: SeesDetails(auth.UserFrom(ctx))}
	if err := m.indexExtras(r, &d); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "contacts/index.html", "", d)
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// csvSafe keeps a spreadsheet from reading a text cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (m *Module) coverageCSV(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.CoverageAll(r.Context(), "en")
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-contacts-coverage.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"state", "name", "diplomatic", "diplomatic_since", "technical", "technical_since"})
	for _, c := range list {
		_ = cw.Write([]string{c.State, csvSafe(c.Name), fmt.Sprint(c.Diplomatic != nil), day(c.Diplomatic), fmt.Sprint(c.Technical != nil), day(c.Technical)})
	}
	cw.Flush()
}

type stateData struct {
	tr        func(string, ...any) string
	langName  func(string) string
	say       func(error) string
	failed    *formFailure
	Coverage  Coverage
	Directory *Directory
	Own       bool
	Approver  bool
	Kinds     []string
	History   []StateResult
	InTime    int
	Requests  []Request
}

func (m *Module) statePage(w http.ResponseWriter, r *http.Request) {
	m.renderState(w, r, http.StatusOK, nil)
}

// formFailure is a contact form refused on one field: the page is shown
// again with what was typed, and the reason beside the field.
type formFailure struct {
	Posted ContactInput
	Err    *api.Error
}

// renderState shows a State's page; with failed, the contact form that
// was refused (the new one, or the one changing Posted.Replaces) keeps
// what was typed and says what is wrong beside the field.
func (m *Module) renderState(w http.ResponseWriter, r *http.Request, status int, failed *formFailure) {
	ctx := r.Context()
	cov, err := m.svc.StateCoverage(ctx, r.PathValue("iso3"), web.Lang(r))
	if err != nil {
		m.fail(w, r, err, "/contacts")
		return
	}
	u := auth.UserFrom(ctx)
	lang := web.Lang(r)
	d := stateData{tr: func(k string, a ...any) string { return m.site.Catalog.T(lang, k, a...) }, langName: func(code string) string { return m.site.Catalog.LanguageName(lang, code) }, say: func(e error) string { return m.site.Catalog.ErrorText(lang, e) }, Coverage: cov, Kinds: Kinds, Own: u.ActsFor(cov.State), Approver: u.ActsFor(cov.State) && u.Role == auth.RoleStateApprover,
		failed: failed}
	if SeesDetails(u) {
		dir, err := m.svc.StateDirectory(ctx, cov.State)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		d.Directory = &dir
		w.Header().Set("Cache-Control", "no-store")
	}
	if err := m.stateExtras(r, &d); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, status, "contacts/state.html", cov.Name, d)
}

func contactInputFrom(r *http.Request) ContactInput {
	return ContactInput{Kind: r.PostFormValue("kind"), Replaces: r.PostFormValue("replaces"), Name: r.PostFormValue("name"), Function: r.PostFormValue("function"),
		Organisation: r.PostFormValue("organisation"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"), Languages: SplitLanguages(r.PostFormValue("languages")),
		Hours: r.PostFormValue("working_hours"), TimeZone: r.PostFormValue("time_zone"), SecureNotes: r.PostFormValue("secure_channel_notes")}
}

func (m *Module) draftForm(w http.ResponseWriter, r *http.Request) {
	iso3 := strings.ToUpper(r.PathValue("iso3"))
	in := contactInputFrom(r)
	c, err := m.svc.Draft(r.Context(), iso3, in)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity && ae.Field != "replaces" {
		m.renderState(w, r, ae.Status, &formFailure{Posted: in, Err: ae})
		return
	}
	if err != nil {
		m.fail(w, r, err, "/contacts/states/"+iso3)
		return
	}
	flash := "contacts.flash.drafted"
	if c.Status == StatusActive {
		flash = "contacts.flash.confirmed"
	}
	m.site.Redirect(w, r, "/contacts/states/"+iso3, flash)
}

func (m *Module) entryAction(do func(*http.Request) (string, error), flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		iso3, err := do(r)
		if err != nil {
			m.fail(w, r, err, "/contacts")
			return
		}
		m.site.Redirect(w, r, "/contacts/states/"+iso3, flash)
	}
}

func (m *Module) confirmForm(w http.ResponseWriter, r *http.Request) {
	m.entryAction(func(r *http.Request) (string, error) {
		c, err := m.svc.Confirm(r.Context(), r.PathValue("id"))
		return c.StateISO3, err
	}, "contacts.flash.confirmed")(w, r)
}

func (m *Module) discardForm(w http.ResponseWriter, r *http.Request) {
	m.entryAction(func(r *http.Request) (string, error) {
		c, err := m.svc.Discard(r.Context(), r.PathValue("id"))
		return c.StateISO3, err
	}, "contacts.flash.discarded")(w, r)
}

func (m *Module) retireForm(w http.ResponseWriter, r *http.Request) {
	m.entryAction(func(r *http.Request) (string, error) {
		c, err := m.svc.Retire(r.Context(), r.PathValue("id"))
		return c.StateISO3, err
	}, "contacts.flash.retired")(w, r)
}

// contactView is a contact with the page's translations, for the
// contact-details template.
type contactView struct {
	C        Contact
	tr       func(string, ...any) string
	langName func(string) string
}

// T translates a key.
func (v contactView) T(k string, a ...any) string { return v.tr(k, a...) }

// LanguageName is the name of a language code in the page's language.
func (v contactView) LanguageName(code string) string { return v.langName(code) }

// contactForm fills the contact-fields template: empty for a new contact,
// or prefilled to change C.
type contactForm struct {
	C      *Contact
	Kinds  []string
	Prefix string
	tr     func(string, ...any) string
	say    func(error) string
	err    *api.Error
}

// T translates a key.
func (f contactForm) T(k string, a ...any) string { return f.tr(k, a...) }

// Error is the reason the form's field (by its API name) was refused, or "".
func (f contactForm) Error(field string) string {
	if f.err == nil || f.err.Field != field {
		return ""
	}
	return f.say(f.err)
}

// Failed reports whether this form is the one refused (to open it).
func (f contactForm) Failed() bool { return f.err != nil }

// posted is what was typed into a refused form, as a contact to refill it.
func (ff *formFailure) posted(id string) *Contact {
	in := ff.Posted
	return &Contact{ID: id, Kind: in.Kind, Name: in.Name, Function: in.Function, Organisation: in.Organisation, Email: in.Email, Phone: in.Phone,
		Languages: in.Languages, Hours: in.Hours, TimeZone: in.TimeZone, SecureNotes: in.SecureNotes}
}

// View wraps a contact for the contact-details template.
func (d stateData) View(c Contact) contactView {
	return contactView{C: c, tr: d.tr, langName: d.langName}
}

// Form is the form that changes c.
func (d stateData) Form(c Contact) contactForm {
	f := contactForm{C: &c, Kinds: Kinds, Prefix: "e" + c.ID + "-", tr: d.tr, say: d.say}
	if d.failed != nil && d.failed.Posted.Replaces == c.ID {
		f.C, f.err = d.failed.posted(c.ID), d.failed.Err
	}
	return f
}

// NewForm is the form for a new contact.
func (d stateData) NewForm() contactForm {
	f := contactForm{Kinds: Kinds, Prefix: "new-", tr: d.tr, say: d.say}
	if d.failed != nil && d.failed.Posted.Replaces == "" {
		f.C, f.err = d.failed.posted(""), d.failed.Err
	}
	return f
}

// ConfirmedDay is the date the contact was confirmed.
func (c Contact) ConfirmedDay() string { return day(c.ConfirmedAt) }

// EndedDay is the date the contact was replaced or retired.
func (c Contact) EndedDay() string { return day(c.EndedAt) }

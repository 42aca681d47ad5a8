package capacity

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the capacity-building pages and API.
type Module struct {
	svc  *Service
	site *web.Site
	// publicNeeds and publicOffers are the API's first page of needs and
	// of offers for visitors, without a filter (writeKept).
	publicNeeds, publicOffers audit.Kept[api.Encoded]
}

// New registers the templates, translations and jobs. gaps and sessions may
// be nil (then reports cannot be turned into needs, and the calendar shows
// events alone).
func New(ps *platform.Services, fw *framework.Store, gaps GapReader, sessions SessionLister) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("capacity", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	svc := NewService(ps, fw)
	svc.Gaps, svc.Sessions = gaps, sessions
	svc.registerJobs()
	m := &Module{svc: svc, site: ps.Site}
	m.addSections()
	return m, nil
}

// Service returns the module's service.
func (m *Module) Service() *Service { return m.svc }

var stateOrOrg = web.Roles(auth.RoleStateEditor, auth.RoleStateApprover, auth.RoleStakeholder)

// Routes registers every route with its access rule.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /capacity", web.Public, m.index)
	r.Handle("GET /capacity/needs", web.Public, m.needsPage)
	r.Handle("GET /capacity/needs/new", web.StateStaff, m.newNeedPage)
	r.Handle("POST /capacity/needs", web.StateStaff, m.createNeedForm)
	r.Handle("GET /capacity/needs/{id}", web.Public, m.needPage)
	r.Handle("GET /capacity/needs/{id}/edit", web.StateStaff, m.editNeedPage)
	r.Handle("POST /capacity/needs/{id}", web.StateStaff, m.updateNeedForm)
	r.Handle("POST /capacity/needs/{id}/publish", web.StateApprover, m.publishNeedForm)
	r.Handle("POST /capacity/needs/{id}/close", web.StateApprover, m.closeNeedForm)
	r.Handle("GET /capacity/offers", web.Public, m.offersPage)
	r.Handle("GET /capacity/offers/new", stateOrOrg, m.newOfferPage)
	r.Handle("POST /capacity/offers", stateOrOrg, m.createOfferForm)
	r.Handle("GET /capacity/offers/{id}", web.Public, m.offerPage)
	r.Handle("GET /capacity/offers/{id}/edit", stateOrOrg, m.editOfferPage)
	r.Handle("POST /capacity/offers/{id}", stateOrOrg, m.updateOfferForm)
	r.Handle("POST /capacity/offers/{id}/publish", web.Roles(auth.RoleStateApprover, auth.RoleStakeholder), m.publishOfferForm)
	r.Handle("POST /capacity/offers/{id}/withdraw", stateOrOrg, m.withdrawOfferForm)
	r.Handle("GET /capacity/gaps", web.Public, m.gapsPage)
	r.Handle("GET /capacity/gaps.csv", web.Public, m.gapsCSV)
	r.API(api.Op{Method: "GET", Path: apiBase + "/gaps", Summary: "The gap view: needs stated and matched, projects running and finished, and the last cycle's reported gaps without a need or project, per norm and per region (counting only what you may see)", Tag: "capacity", Response: GapView{}}, web.Public, m.apiGaps)
	m.matchRoutes(r)
	m.meetingRoutes(r)
	m.projectRoutes(r)
	m.eventRoutes(r)
	m.searchRoutes(r)
	m.apiRoutes(r)
}

// fail answers a page or form request the service refused.
func (m *Module) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		m.site.Render(w, r, ae.Status, "capacity/problem.html", "", ae)
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	case errors.Is(err, ErrForbidden):
		m.site.Error(w, r, http.StatusForbidden, "error.forbidden")
	default:
		m.site.ServerError(w, r, err)
	}
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

// vocab is what the forms and filters offer, in the request's language:
// kept with the filters' options (filters), and shared.
func (m *Module) vocab(ctx context.Context) (Vocab, error) {
	fv, err := m.filters(ctx)
	if err != nil {
		return Vocab{}, err
	}
	return fv.Vocab, nil
}

type indexData struct {
	Needs      []Need
	Offers     []Offer
	NeedCount  int
	OfferCount int
}

// NeedItems and OfferItems are the index's newest needs and offers, each
// a link and who asks or offers, written in Go and escaped as html/template
// escapes them (see listData.NeedRowsHTML).
func (d indexData) NeedItems() template.HTML {
	var b strings.Builder
	for i := range d.Needs {
		indexItem(&b, "/capacity/needs/", d.Needs[i].ID, d.Needs[i].Title, d.Needs[i].StateName)
	}
	return template.HTML(b.String()) // #nosec: escaped as html/template does
}

// OfferItems: see NeedItems.
func (d indexData) OfferItems() template.HTML {
	var b strings.Builder
	for i := range d.Offers {
		indexItem(&b, "/capacity/offers/", d.Offers[i].ID, d.Offers[i].Title, d.Offers[i].Provider)
	}
	return template.HTML(b.String()) // #nosec: escaped as html/template does
}

func indexItem(b *strings.Builder, path, id, title, who string) {
	b.WriteString(`<li><a href="` + path)
	urlPath(b, id)
	b.WriteString(`">`)
	web.HTMLText.WriteString(b, title)
	b.WriteString(`</a> — `)
	web.HTMLText.WriteString(b, who)
	b.WriteString(`</li>`)
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d indexData
	var err error
	if d.Needs, err = m.svc.needBriefs(ctx, NeedFilter{Status: NeedPublished, Limit: 10}); err == nil {
		if d.Offers, err = m.svc.offerBriefs(ctx, OfferFilter{Limit: 10}); err == nil {
			d.NeedCount, err = m.svc.CountNeeds(ctx, NeedFilter{Status: NeedPublished})
		}
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for i := range d.Needs {
		localNeed(&d.Needs[i], web.Lang(r))
	}
	for i := range d.Offers {
		localOffer(&d.Offers[i], web.Lang(r))
	}
	m.site.Render(w, r, http.StatusOK, "capacity/index.html", "", d)
}

// needFilterFrom reads list filters from the query; bad values are refused
// with the field named.
func needFilterFrom(v url.Values) (NeedFilter, error) {
	f := NeedFilter{State: strings.ToUpper(v.Get("state")), Norm: v.Get("norm"), Topic: v.Get("topic"), Kind: v.Get("kind"), Region: v.Get("region"),
		Language: v.Get("language"), Status: v.Get("status"), Report: v.Get("report"), Own: v.Get("own") != ""}
	checks := []struct {
		field, v string
		allowed  []string
	}{{"topic", f.Topic, Topics}, {"kind", f.Kind, KindsOfHelp}, {"region", f.Region, Regions}, {"language", f.Language, Languages}, {"status", f.Status, []string{NeedDraft, NeedPublished, NeedClosed}}}
	for _, c := range checks {
		if c.v != "" && !contains(c.allowed, c.v) {
			return f, invalid(c.field, "%q is not one of %s", c.v, strings.Join(c.allowed, ", "))
		}
	}
	if f.State != "" && regionOf(f.State) == "" {
		return f, invalid("state", "is not a known ISO 3166-1 alpha-3 code")
	}
	if err := identifier("norm", f.Norm); err != nil {
		return f, err
	}
	if err := identifier("report", f.Report); err != nil {
		return f, err
	}
	return f, nil
}

// identifier refuses a filter value that is not an identifier.
func identifier(field, v string) error {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') || len(v) > 64 {
			return invalid(field, "must be an identifier")
		}
	}
	return nil
}

func offerFilterFrom(v url.Values) (OfferFilter, error) {
	f := OfferFilter{Norm: v.Get("norm"), Topic: v.Get("topic"), Kind: v.Get("kind"), Region: v.Get("region"), Language: v.Get("language"), Cost: v.Get("cost"), Own: v.Get("own") != ""}
	checks := []struct {
		field, v string
		allowed  []string
	}{{"topic", f.Topic, Topics}, {"kind", f.Kind, KindsOfHelp}, {"region", f.Region, Regions}, {"language", f.Language, Languages}, {"cost", f.Cost, CostBases}}
	for _, c := range checks {
		if c.v != "" && !contains(c.allowed, c.v) {
			return f, invalid(c.field, "%q is not one of %s", c.v, strings.Join(c.allowed, ", "))
		}
	}
	return f, identifier("norm", f.Norm)
}

func (m *Module) apiGaps(w http.ResponseWriter, r *http.Request) {
	g, err := m.svc.GapView(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, g)
}

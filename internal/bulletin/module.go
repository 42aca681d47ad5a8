package bulletin

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"sync"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the bulletin's pages, API, feeds and TAXII server.
type Module struct {
	svc  *Service
	site *web.Site
	md   mdCache // summaries rendered for lists (rows.go)
	// optionsMemo keeps the archive's lists of options as HTML (optionsHTML).
	optionsMemo sync.Map
	cardCache   cardCache // the archive's cards (rows.go)
	// issuesFeedBytes is the issues' Atom feed, kept until something is
	// written (issuesFeed).
	issuesFeedBytes audit.Kept[[]byte]
}

// New registers the templates, translations and jobs, and returns the
// module and its service.
func New(ps *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("bulletin", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	svc, err := NewService(ps)
	if err != nil {
		return nil, err
	}
	ps.Jobs.Register(JobSend, svc.runSend)
	ps.AddTAXIIRoot("/taxii2/bulletin/")
	return &Module{svc: svc, site: ps.Site}, nil
}

// NewService returns the bulletin's service on the shared services, for
// the module, the command line and the demo generator. It registers no
// routes and no jobs.
func NewService(ps *platform.Services) (*Service, error) {
	mails, err := newMailRenderer()
	if err != nil {
		return nil, err
	}
	return &Service{Services: ps, mails: mails}, nil
}

// Service returns the module's service (for the command line and the demo).
func (m *Module) Service() *Service { return m.svc }

// Routes registers every route with its access rule.
func (m *Module) Routes(r *web.Router) {
	// Public archive and feeds.
	r.Handle("GET /bulletin", web.Public, m.archive)
	r.Handle("GET /bulletin/issues/{slug}", web.Public, m.issuePage)
	r.Handle("GET /bulletin/issues/{slug}/stix.json", web.Public, m.issueSTIX)
	r.Handle("GET /bulletin/items/{id}", web.Public, m.itemPage)
	r.Handle("GET /bulletin/feed.atom", web.Public, m.issuesFeed)
	r.Handle("GET /bulletin/items.atom", web.Public, m.itemsFeed)
	// Contributors.
	r.Handle("GET /bulletin/contribute", web.Stakeholder, m.contribute)
	r.Handle("POST /bulletin/contribute", web.Stakeholder, m.createItemForm)
	r.Handle("GET /bulletin/items/{id}/edit", web.Stakeholder, m.editItem)
	r.Handle("POST /bulletin/items/{id}/edit", web.Stakeholder, m.updateItemForm)
	r.Handle("POST /bulletin/items/{id}/submit", web.Stakeholder, m.submitItemForm)
	r.Handle("POST /bulletin/import", web.Stakeholder, m.importForm)
	// Secretariat: review and editing.
	r.Handle("GET /bulletin/review", web.Secretariat, m.reviewQueue)
	r.Handle("POST /bulletin/items/{id}/review", web.Secretariat, m.reviewForm)
	r.Handle("GET /bulletin/editor", web.Secretariat, m.editor)
	r.Handle("POST /bulletin/editor/issues", web.Secretariat, m.createIssueForm)
	r.Handle("GET /bulletin/editor/issues/{id}", web.Secretariat, m.composePage)
	r.Handle("POST /bulletin/editor/issues/{id}", web.Secretariat, m.updateIssueForm)
	r.Handle("GET /bulletin/editor/issues/{id}/preview/{channel}", web.Secretariat, m.preview)
	r.Handle("POST /bulletin/editor/issues/{id}/publish", web.Secretariat, m.publishForm)
	r.Handle("POST /bulletin/editor/issues/{id}/correct", web.Secretariat, m.correctForm)
	r.Handle("POST /bulletin/editor/issues/{id}/send", web.Secretariat, m.sendForm)
	r.Handle("POST /bulletin/editor/suppressions", web.Secretariat, m.suppressForm)
	// The distribution list: no account, no JavaScript.
	r.Handle("GET /bulletin/subscribe", web.Public, m.subscribePage)
	r.Handle("POST /bulletin/subscribe", web.Public, m.subscribeForm)
	r.Handle("GET /bulletin/confirm", web.Public, m.confirmPage)
	r.Handle("POST /bulletin/confirm", web.Public, m.confirmForm)
	r.Handle("GET /bulletin/unsubscribe", web.Public, m.unsubscribePage)
	r.Handle("POST /bulletin/unsubscribe", web.Public, m.unsubscribeForm)

	// JSON API.
	r.API(api.Op{Method: "GET", Path: "/api/v1/bulletin/items", Summary: "Search the published bulletin items you may see", Tag: "bulletin",
		Params: []api.Param{{Name: "q", In: "query"}, {Name: "kind", In: "query"}, {Name: "technique", In: "query"}, {Name: "sector", In: "query"},
			{Name: "region", In: "query"}, {Name: "quarter", In: "query", Description: "e.g. 2026 Q4"},
			{Name: "updated_since", In: "query", Description: "only the items of issues published after this instant (RFC 3339, or a date for its start in UTC)"}, {Name: "limit", In: "query", Schema: "integer"}, {Name: "cursor", In: "query"}},
		Response: api.List[Item]{}}, web.Public, m.apiItems)
	r.API(api.Op{Method: "GET", Path: "/api/v1/bulletin/items/{id}", Summary: "One bulletin item", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Item{}}, web.Public, m.apiItem)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/items", Summary: "Contribute a draft item", Tag: "bulletin",
		Request: ItemInput{}, Response: Item{}, Status: http.StatusCreated}, web.Stakeholder, m.apiCreateItem)
	r.API(api.Op{Method: "PUT", Path: "/api/v1/bulletin/items/{id}", Summary: "Edit a draft item", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Request: ItemInput{}, Response: Item{}}, web.Stakeholder, m.apiUpdateItem)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/items/{id}/submit", Summary: "Submit a draft item for review", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Item{}}, web.Stakeholder, m.apiSubmitItem)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/items/{id}/review", Summary: "Approve, reject or request changes to a submitted item", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Request: ReviewInput{}, Response: Item{}}, web.Secretariat, m.apiReview)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/import", Summary: "Import a STIX 2.1 bundle as draft items", Tag: "bulletin",
		Request: map[string]any{"type": "bundle", "id": "bundle--…", "objects": []any{}}, Response: api.List[Item]{}, Status: http.StatusCreated}, web.Stakeholder, m.apiImport)
	r.API(api.Op{Method: "GET", Path: "/api/v1/bulletin/issues", Summary: "Published issues", Tag: "bulletin", Response: api.List[Issue]{}}, web.Public, m.apiIssues)
	r.API(api.Op{Method: "GET", Path: "/api/v1/bulletin/issues/{issue}", Summary: "One published issue with the items you may see", Tag: "bulletin",
		Params: []api.Param{{Name: "issue", In: "path", Description: "the issue's slug (e.g. 2026-q1)"}}, Response: IssueView{}}, web.Public, m.apiIssue)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/issues", Summary: "Start a draft issue", Tag: "bulletin", Request: IssueInput{}, Response: Issue{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateIssue)
	r.API(api.Op{Method: "PUT", Path: "/api/v1/bulletin/issues/{issue}", Summary: "Edit a draft issue", Tag: "bulletin",
		Params: []api.Param{{Name: "issue", In: "path", Description: "the draft issue's id"}}, Request: IssueInput{}, Response: Issue{}}, web.Secretariat, m.apiUpdateIssue)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/issues/{id}/publish", Summary: "Publish a draft issue", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Issue{}}, web.Secretariat, m.apiPublish)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/issues/{id}/send", Summary: "Send a published issue to the distribution list", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Request: SendInput{}, Response: Progress{}, Status: http.StatusAccepted}, web.Secretariat, m.apiSend)
	r.API(api.Op{Method: "GET", Path: "/api/v1/bulletin/issues/{id}/sending", Summary: "Progress of sending an issue", Tag: "bulletin",
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Progress{}}, web.Secretariat, m.apiProgress)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/subscribers", Summary: "Subscribe to the bulletin (double opt-in: a confirmation link is emailed)", Tag: "bulletin",
		Request: SubscribeInput{}, Response: map[string]string{"status": "confirmation-sent"}, Status: http.StatusAccepted}, web.Public, m.apiSubscribe)
	r.API(api.Op{Method: "POST", Path: "/api/v1/bulletin/suppressions", Summary: "Report bounced or complaining addresses; they get no more mail", Tag: "bulletin",
		Request: SuppressionsInput{}, Response: ImportResult{}}, web.Secretariat, m.apiSuppress)

	// TAXII 2.1 (its own media type and errors, so not in the OpenAPI
	// document; authentication is checked by the handlers: session, bearer
	// token or HTTP basic with a token as the password).
	r.Handle("GET /taxii2/{$}", web.Public, m.taxiiDiscovery)
	r.Handle("GET /taxii2/bulletin/{$}", web.Public, m.taxiiRoot)
	r.Handle("GET /taxii2/bulletin/collections/{$}", web.Public, m.taxiiCollections)
	r.Handle("GET /taxii2/bulletin/collections/{collection}/{$}", web.Public, m.taxiiCollection)
	r.Handle("GET /taxii2/bulletin/collections/{collection}/objects/{$}", web.Public, m.taxiiObjects)
	r.Handle("POST /taxii2/bulletin/collections/{collection}/objects/{$}", web.Public, m.taxiiAdd)
	r.Handle("GET /taxii2/bulletin/collections/{collection}/objects/{object}/{$}", web.Public, m.taxiiObject)
	r.Handle("GET /taxii2/bulletin/collections/{collection}/objects/{object}/versions/{$}", web.Public, m.taxiiVersions)
	r.Handle("GET /taxii2/bulletin/collections/{collection}/manifest/{$}", web.Public, m.taxiiManifest)
	r.Handle("GET /taxii2/bulletin/status/{status}/{$}", web.Public, m.taxiiStatus)
}

// httpError maps service errors to 4xx answers.
func httpError(err error) (int, string) {
	var fe *FieldError
	var se *StateError
	var ie *ImportError
	switch {
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, fe.Error()
	case errors.As(err, &se):
		return http.StatusConflict, se.Reason
	case errors.As(err, &ie):
		return http.StatusUnprocessableEntity, ie.Reason
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "no such item"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "your account may not do this"
	case errors.Is(err, ErrBadToken):
		return http.StatusBadRequest, ErrBadToken.Error()
	case errors.Is(err, ErrAlreadyDone):
		return http.StatusGone, ErrAlreadyDone.Error()
	}
	return 0, ""
}

// apiFail writes err as an API error: 4xx for what the caller did wrong,
// a logged 500 otherwise.
func (m *Module) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	if errors.As(err, &ae) {
		api.WriteError(w, ae)
		return
	}
	status, msg := httpError(err)
	if status == 0 {
		m.site.ServerError(w, r, err)
		return
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		api.WriteError(w, api.Invalid(fe.Field, fe.Reason))
		return
	}
	code := map[int]string{400: "invalid_token", 403: "forbidden", 404: "not_found", 409: "conflict", 410: "gone", 422: "invalid"}[status]
	field := ""
	var ie *ImportError
	if errors.As(err, &ie) {
		field = "(body)" // a refused bundle: the error names the whole body
	}
	api.WriteError(w, &api.Error{Status: status, Code: code, Message: msg, Field: field})
}

// problem is a form refused by the state of the record (409): why, in the
// reader's language, and the page to go back to.
type problem struct{ Reason, Back string }

// pageFail renders err as an error page; a refusal by the record's state
// says its own reason (StateError's catalog text), since it is most often
// someone else's change since the page was opened.
func (m *Module) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := httpError(err)
	switch {
	case status == http.StatusNotFound:
		m.site.Error(w, r, status, "error.notfound")
	case status == http.StatusForbidden:
		m.site.Error(w, r, status, "error.forbidden")
	case status == http.StatusConflict:
		m.site.Render(w, r, status, "bulletin/problem.html", "", problem{Reason: m.site.Catalog.ErrorText(web.Lang(r), err), Back: web.Back(r, "/bulletin")})
	case status != 0:
		m.site.Error(w, r, status, "bulletin.error.bad_link")
	default:
		m.site.ServerError(w, r, err)
	}
}

// Package admin is the secretariat's back office: accounts and
// organisations, the audit log, the mail outbox and the job queue.
package admin

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the secretariat's pages.
type Module struct {
	svc  *platform.Services
	site *web.Site
}

// New registers templates and translations.
func New(svc *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := svc.Site.AddTemplates("admin", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := svc.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{svc: svc, site: svc.Site}, nil
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /admin", web.Secretariat, m.index)
	r.Handle("GET /admin/users", web.Secretariat, m.users)
	r.Handle("POST /admin/users", web.Secretariat, m.createUser)
	r.Handle("POST /admin/users/{id}/disable", web.Secretariat, m.disableUser)
	r.Handle("POST /admin/users/{id}/enable", web.Secretariat, m.enableUser)
	r.Handle("GET /admin/organisations", web.Secretariat, m.organisations)
	r.Handle("POST /admin/organisations", web.Secretariat, m.createOrganisation)
	r.Handle("GET /admin/audit", web.Secretariat, m.auditPage)
	r.Handle("GET /admin/outbox", web.Secretariat, m.outbox)
	r.Handle("GET /admin/outbox/{name}", web.Secretariat, m.outboxMessage)
	r.Handle("GET /admin/jobs", web.Secretariat, m.jobsPage)
	r.API(api.Op{Method: "GET", Path: "/api/v1/audit", Summary: "Browse the audit log, newest first", Tag: "admin",
		Params:   []api.Param{{Name: "entity", In: "query"}, {Name: "entity_id", In: "query"}, {Name: "actor_id", In: "query"}, {Name: "action", In: "query", Description: "prefix, e.g. user."}, {Name: "limit", In: "query", Schema: "integer"}, {Name: "cursor", In: "query"}},
		Response: api.List[audit.Entry]{}}, web.Secretariat, m.apiAudit)
	r.API(api.Op{Method: "GET", Path: "/api/v1/users", Summary: "List accounts by e-mail address, a page at a time", Tag: "admin",
		Params:   []api.Param{{Name: "q", In: "query", Description: "keeps the accounts whose e-mail address or name contains it, ignoring case"}, {Name: "limit", In: "query", Schema: "integer"}, {Name: "cursor", In: "query"}},
		Response: api.List[auth.User]{}}, web.Secretariat, m.apiUsers)
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "admin/index.html", "", nil)
}

// pageSize is how many rows a page of the accounts or organisations lists.
const pageSize = 50

// listPage is where a back-office list stands: its filter (?q=) and the
// sort key of the previous page's last row (?after=), read from the
// address, and the links to its first and next pages.
type listPage struct {
	Q, After string
	FirstURL string // the first page, when this is not it
	NextURL  string // the next page, when there is one
}

// readListPage reads ?q= and ?after=, or says which is not valid.
func readListPage(r *http.Request) (listPage, string) {
	q := r.URL.Query()
	p := listPage{Q: strings.TrimSpace(q.Get("q")), After: q.Get("after")}
	switch {
	case utf8.RuneCountInString(p.Q) > 200 || !utf8.ValidString(p.Q):
		return p, "admin.bad_search"
	case len(p.After) > 254 || !utf8.ValidString(p.After):
		return p, "admin.bad_position"
	}
	return p, ""
}

// links sets the first and next pages' addresses under path, given the
// sort key of this page's last row when there are more rows after it.
func (p *listPage) links(path, next string) {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	if p.After != "" {
		p.FirstURL = path
		if len(v) > 0 {
			p.FirstURL += "?" + v.Encode()
		}
	}
	if next != "" {
		v.Set("after", next)
		p.NextURL = path + "?" + v.Encode()
	}
}

type usersData struct {
	Users []*auth.User
	Page  listPage
	Error *auth.FieldError
	Input auth.NewUser
	Roles []auth.Role
}

// renderUsers shows a page of the accounts by e-mail address: the form's
// organisation is typed as its slug, since a list of every organisation
// would grow with the registry.
func (m *Module) renderUsers(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	var bad string
	if d.Page, bad = readListPage(r); bad != "" {
		m.site.Error(w, r, http.StatusBadRequest, bad)
		return
	}
	var err error
	if d.Users, err = m.svc.Auth.Page(r.Context(), d.Page.Q, d.Page.After, pageSize+1); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	next := ""
	if len(d.Users) > pageSize {
		d.Users = d.Users[:pageSize]
		next = d.Users[pageSize-1].Email
	}
	d.Page.links("/admin/users", next)
	d.Roles = auth.Roles
	m.site.Render(w, r, status, "admin/users.html", "", d)
}

func (m *Module) users(w http.ResponseWriter, r *http.Request) {
	m.renderUsers(w, r, http.StatusOK, usersData{})
}

func (m *Module) createUser(w http.ResponseWriter, r *http.Request) {
	in := auth.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: auth.Role(r.PostFormValue("role")),
		StateISO3: r.PostFormValue("state"), OrgSlug: r.PostFormValue("org"), Password: r.PostFormValue("password"), MustChange: true}
	_, err := m.svc.Auth.Create(r.Context(), in)
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		in.Password = ""
		m.renderUsers(w, r, http.StatusUnprocessableEntity, usersData{Error: fe, Input: in})
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/admin/users", "admin.user_created")
}

func (m *Module) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u, _ := web.CurrentUser(r)
	if u.ID == r.PathValue("id") {
		m.site.Error(w, r, http.StatusConflict, "admin.not_yourself")
		return
	}
	err := m.svc.Auth.SetDisabled(r.Context(), r.PathValue("id"), disabled)
	if errors.Is(err, auth.ErrNotFound) {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/admin/users", "admin.user_updated")
}

func (m *Module) disableUser(w http.ResponseWriter, r *http.Request) { m.setDisabled(w, r, true) }
func (m *Module) enableUser(w http.ResponseWriter, r *http.Request)  { m.setDisabled(w, r, false) }

// Organisation is a stakeholder organisation as the back office lists it.
type Organisation struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// OrganisationKinds are the kinds of stakeholder organisation.
var OrganisationKinds = []string{"business", "ngo", "academia", "technical-community", "other"}

// ListOrganisations returns up to limit organisations by slug after the
// slug after, keeping those whose name or slug contains q (ignoring case;
// ASCII case on SQLite) when q is not empty. The unique slug index walks
// them in order, so a page costs the same however large the registry is;
// a search walks on until it has its page.
func ListOrganisations(ctx context.Context, d *db.DB, q, after string, limit int) ([]Organisation, error) {
	where, args := `slug > ?`, []any{after}
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		where += ` AND (slug LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`
		args = append(args, db.Contains(q), db.Contains(q))
	}
	rows, err := d.QueryContext(ctx, `SELECT id, slug, name, kind, created_at FROM organisations WHERE `+where+fmt.Sprintf(` ORDER BY slug LIMIT %d`, limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		var o Organisation
		if err := rows.Scan(&o.ID, &o.Slug, &o.Name, &o.Kind, &o.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

type orgsData struct {
	Orgs  []Organisation
	Page  listPage
	Kinds []string
	Error *auth.FieldError
	Input Organisation
}

func (m *Module) organisations(w http.ResponseWriter, r *http.Request) {
	m.renderOrgs(w, r, http.StatusOK, orgsData{})
}

// renderOrgs shows a page of the organisations by slug.
func (m *Module) renderOrgs(w http.ResponseWriter, r *http.Request, status int, d orgsData) {
	var bad string
	if d.Page, bad = readListPage(r); bad != "" {
		m.site.Error(w, r, http.StatusBadRequest, bad)
		return
	}
	var err error
	if d.Orgs, err = ListOrganisations(r.Context(), m.svc.DB, d.Page.Q, d.Page.After, pageSize+1); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	next := ""
	if len(d.Orgs) > pageSize {
		d.Orgs = d.Orgs[:pageSize]
		next = d.Orgs[pageSize-1].Slug
	}
	d.Page.links("/admin/organisations", next)
	d.Kinds = OrganisationKinds
	m.site.Render(w, r, status, "admin/organisations.html", "", d)
}

// CreateOrganisation validates and adds an organisation, audited.
func CreateOrganisation(r *http.Request, d *db.DB, o Organisation) (Organisation, error) {
	o.Slug = strings.TrimSpace(strings.ToLower(o.Slug))
	o.Name = strings.TrimSpace(o.Name)
	switch {
	case !slugRE.MatchString(o.Slug):
		return o, &auth.FieldError{Field: "slug", Reason: "must be 2–63 lower-case letters, digits or hyphens"}
	case o.Name == "" || len(o.Name) > 200:
		return o, &auth.FieldError{Field: "name", Reason: "is required and at most 200 characters"}
	}
	valid := false
	for _, k := range OrganisationKinds {
		valid = valid || k == o.Kind
	}
	if !valid {
		return o, &auth.FieldError{Field: "kind", Reason: "must be one of " + strings.Join(OrganisationKinds, ", ")}
	}
	o.ID, o.CreatedAt = id.New(), time.Now().UTC()
	err := d.InTx(r.Context(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(r.Context(), `INSERT INTO organisations (id, slug, name, kind, created_at) VALUES (?, ?, ?, ?, ?)`, o.ID, o.Slug, o.Name, o.Kind, o.CreatedAt)
		if db.IsUniqueViolation(err) {
			return &auth.FieldError{Field: "slug", Reason: "is already used by another organisation"}
		}
		if err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, "organisation.create", "organisation", o.ID, nil, o)
	})
	return o, err
}

func (m *Module) createOrganisation(w http.ResponseWriter, r *http.Request) {
	in := Organisation{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind")}
	_, err := CreateOrganisation(r, m.svc.DB, in)
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		m.renderOrgs(w, r, http.StatusUnprocessableEntity, orgsData{Error: fe, Input: in})
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/admin/organisations", "admin.org_created")
}

type auditData struct {
	Entries []audit.Entry
	Filter  audit.Filter
	Next    int64
}

func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Entity: q.Get("entity"), EntityID: q.Get("entity_id"), ActorID: q.Get("actor_id"), Action: q.Get("action"), Limit: 50}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return f, api.Invalid("before", "must be an entry number")
		}
		f.BeforeSeq = n
	}
	for _, v := range []string{f.Entity, f.EntityID, f.ActorID, f.Action} {
		if len(v) > 200 {
			return f, api.Invalid("filter", "filter values are at most 200 characters")
		}
	}
	return f, nil
}

func (m *Module) auditPage(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		m.site.Error(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	entries, err := audit.List(r.Context(), m.svc.DB, f)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := auditData{Entries: entries, Filter: f}
	if len(entries) == f.Limit {
		d.Next = entries[len(entries)-1].Seq
	}
	m.site.Render(w, r, http.StatusOK, "admin/audit.html", "", d)
}

func (m *Module) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	limit, after, err := api.PageParams(r, 50, 500)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	f.Limit = limit
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			api.WriteError(w, api.Invalid("cursor", "is not a cursor returned by this API"))
			return
		}
		f.BeforeSeq = n
	}
	entries, err := audit.List(r.Context(), m.svc.DB, f)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	out := api.List[audit.Entry]{Items: entries}
	if out.Items == nil {
		out.Items = []audit.Entry{}
	}
	if len(entries) == limit {
		out.NextCursor = api.Cursor(strconv.FormatInt(entries[len(entries)-1].Seq, 10))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (m *Module) apiUsers(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 100, 500)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > 200 || !utf8.ValidString(q) {
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", "q", "is at most 200 characters of UTF-8"))
		return
	}
	list, err := m.svc.Auth.Page(r.Context(), q, after, limit+1)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	out := api.List[*auth.User]{Items: list}
	if out.Items == nil {
		out.Items = []*auth.User{}
	}
	if len(list) > limit {
		out.Items = list[:limit]
		out.NextCursor = api.Cursor(list[limit-1].Email)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

type outboxData struct {
	Enabled  bool
	Withheld bool
	Entries  []mail.OutboxEntry
	Message  *mail.ParsedMessage
}

func (m *Module) outbox(w http.ResponseWriter, r *http.Request) {
	d := outboxData{Enabled: m.svc.OutboxDir != ""}
	if d.Enabled {
		var err error
		d.Entries, err = mail.List(m.svc.OutboxDir, 200)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			m.site.ServerError(w, r, err)
			return
		}
	}
	m.site.Render(w, r, http.StatusOK, "admin/outbox.html", "", d)
}

func (m *Module) outboxMessage(w http.ResponseWriter, r *http.Request) {
	if m.svc.OutboxDir == "" {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	msg, err := mail.Read(m.svc.OutboxDir, r.PathValue("name"))
	if err != nil {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	// A message with a secret for its recipient (a reset link) is shown
	// without its body: staff must not be able to take over an account.
	withheld := msg.Header.Get(mail.WithheldHeader) != ""
	if withheld {
		msg.Text, msg.HTML = "", ""
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, http.StatusOK, "admin/outbox.html", "", outboxData{Enabled: true, Message: &msg, Withheld: withheld})
}

// JobRow is one job as the back office shows it.
type JobRow struct {
	ID, Kind, State, LastError string
	Attempts                   int
	RunAt                      time.Time
}

func (m *Module) jobsPage(w http.ResponseWriter, r *http.Request) {
	rows, err := m.svc.DB.QueryContext(r.Context(), `SELECT id, kind, state, last_error, attempts, run_at FROM jobs WHERE state <> 'done' ORDER BY run_at DESC LIMIT 200`)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	defer rows.Close()
	var list []JobRow
	for rows.Next() {
		var j JobRow
		if err := rows.Scan(&j.ID, &j.Kind, &j.State, &j.LastError, &j.Attempts, &j.RunAt); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		list = append(list, j)
	}
	stats, err := m.svc.Jobs.Stats(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "admin/jobs.html", "", struct {
		Jobs  []JobRow
		Stats map[string]int
	}{list, stats})
}

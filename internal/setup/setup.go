// Package setup lets the operator create the first secretariat account in
// the browser. While no secretariat account exists, serve prints a one-time
// link at start (as PocketBase does for its first administrator): valid for
// an hour, good for one account, and only from the networks the operator
// expects (setup-networks, checked against the client address the proxy
// settings give). The command line (cybernorms user add) stays the other
// way, and the only one once a secretariat account exists.
//
// Nothing is stored for a link: its token is its expiry time sealed under
// the master key, so every instance sharing the key accepts it and a
// forged or altered token does not open. It is spent by the account it
// makes (no link opens once a secretariat account exists), and a claim
// held in the database (a row of settings, whose key is unique) lets only
// one of simultaneous posts through.
package setup

import (
	"context"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Validity is how long a link opens.
const Validity = time.Hour

// scope names the sealed tokens (and their data key) in the keyring.
const scope = "setup:first-secretariat"

// Module serves /setup.
type Module struct {
	svc      *platform.Services
	site     *web.Site
	networks []netip.Prefix
}

// New registers templates and translations. networks are the client
// networks a link is accepted from.
func New(svc *platform.Services, networks []netip.Prefix) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := svc.Site.AddTemplates("setup", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := svc.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{svc: svc, site: svc.Site, networks: networks}, nil
}

// Routes registers the module's routes. They are public: the link itself,
// the client's network and the absence of a secretariat account are the
// checks, made by the handlers.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /setup", web.Public, m.form)
	r.Handle("POST /setup", web.Public, m.create)
}

// NeedsSecretariat reports whether no secretariat account exists yet.
func (m *Module) NeedsSecretariat(ctx context.Context) (bool, error) {
	var n int
	err := m.svc.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ?`, string(auth.RoleSecretariat)).Scan(&n)
	return n == 0, err
}

// Link makes a one-time link to create the first secretariat account,
// valid for Validity from now.
func (m *Module) Link(ctx context.Context) (string, error) {
	exp := m.svc.Now().Add(Validity).UTC().Format(time.RFC3339)
	sealed, err := m.svc.Seal.Seal(ctx, m.svc.DB, scope, []byte(exp), []byte(scope))
	if err != nil {
		return "", fmt.Errorf("setup link: %w", err)
	}
	return strings.TrimRight(m.svc.BaseURL, "/") + "/setup?token=" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Announce logs the link once when no secretariat account exists; it says
// nothing otherwise.
func (m *Module) Announce(ctx context.Context) error {
	need, err := m.NeedsSecretariat(ctx)
	if err != nil || !need {
		return err
	}
	link, err := m.Link(ctx)
	if err != nil {
		return err
	}
	m.svc.Log.Warn("no secretariat account yet: open this link within an hour to create the first one (single use; from "+m.networkList()+" only, see --setup-networks), or use: cybernorms user add --role secretariat --email E --name N --password-stdin", "link", link)
	return nil
}

func (m *Module) networkList() string {
	parts := make([]string, len(m.networks))
	for i, p := range m.networks {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// refusal is why a link does not open: an HTTP status and a message key.
type refusal struct {
	status int
	key    string
}

func (e *refusal) Error() string { return e.key }

var (
	errLink    = &refusal{http.StatusGone, "setup.link_invalid"}
	errDone    = &refusal{http.StatusGone, "setup.already_done"}
	errNetwork = &refusal{http.StatusForbidden, "setup.network_refused"}
)

// check opens the token and makes the other checks a link needs.
func (m *Module) check(r *http.Request, token string) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if token == "" || err != nil {
		return errLink
	}
	plain, err := m.svc.Seal.Open(r.Context(), m.svc.DB, scope, raw, []byte(scope))
	if err != nil {
		return errLink
	}
	exp, err := time.Parse(time.RFC3339, string(plain))
	if err != nil || !m.svc.Now().Before(exp) {
		return errLink
	}
	addr, err := netip.ParseAddr(web.ClientAddr(r))
	if err != nil || !m.allowed(addr.Unmap()) {
		m.svc.Log.Warn("security", "event", "setup.refused", "reason", "network", "client", web.ClientAddr(r))
		return errNetwork
	}
	need, err := m.NeedsSecretariat(r.Context())
	if err != nil {
		return err
	}
	if !need {
		return errDone
	}
	return nil
}

func (m *Module) allowed(a netip.Addr) bool {
	for _, p := range m.networks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type formData struct {
	Token       string
	Email, Name string
	Error       *auth.FieldError
	Networks    string
}

func (m *Module) render(w http.ResponseWriter, r *http.Request, status int, d formData) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	m.site.Render(w, r, status, "setup/setup.html", m.site.Catalog.T(web.Lang(r), "setup.title"), d)
}

func (m *Module) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var rf *refusal
	if errors.As(err, &rf) {
		w.Header().Set("Cache-Control", "no-store")
		m.site.Error(w, r, rf.status, rf.key)
		return
	}
	m.site.ServerError(w, r, err)
}

func (m *Module) form(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := m.check(r, token); err != nil {
		m.refuse(w, r, err)
		return
	}
	m.render(w, r, http.StatusOK, formData{Token: token})
}

func (m *Module) create(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	if err := m.check(r, token); err != nil {
		m.refuse(w, r, err)
		return
	}
	in := formData{Token: token, Email: r.PostFormValue("email"), Name: r.PostFormValue("name")}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_again") {
		in.Error = &auth.FieldError{Field: "password_again", Reason: "is not the same as the password"}
		m.render(w, r, http.StatusUnprocessableEntity, in)
		return
	}
	if err := auth.CheckPasswordPolicy(password, in.Email, in.Name); err != nil {
		in.Error = &auth.FieldError{Field: "password", Reason: err.Error()}
		m.render(w, r, http.StatusUnprocessableEntity, in)
		return
	}
	// One claim, held in the database: of posts at once, from one instance
	// or several, only the first makes an account; and once it has, the
	// account's existence refuses the others, even one that takes over a
	// stale claim.
	claimed, err := m.takeClaim(r.Context())
	if err == nil && claimed {
		var need bool
		if need, err = m.NeedsSecretariat(r.Context()); err == nil && !need {
			claimed = false
		}
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if !claimed {
		m.refuse(w, r, errDone)
		return
	}
	ctx := audit.WithActor(r.Context(), audit.Actor{ID: "setup", Label: "one-time setup link from " + web.ClientAddr(r), Via: "web"})
	u, err := m.svc.Auth.Create(ctx, auth.NewUser{Email: in.Email, Name: in.Name, Role: auth.RoleSecretariat, Password: password})
	if err != nil {
		m.dropClaim(r.Context())
		var fe *auth.FieldError
		if errors.As(err, &fe) {
			in.Error = fe
			m.render(w, r, http.StatusUnprocessableEntity, in)
			return
		}
		m.site.ServerError(w, r, err)
		return
	}
	m.svc.Log.Info("security", "event", "setup.secretariat_created", "user", u.ID, "client", web.ClientAddr(r))
	m.site.Redirect(w, r, "/signin", "setup.created")
}

// claimKey is the settings row that holds the claim on making the first
// secretariat account; claimStale is how old a claim may be before another
// post takes it over (its holder died before making the account, or
// failed and could not let it go). Making the account takes well under a
// second.
const (
	claimKey   = "setup.claim"
	claimStale = time.Minute
)

// claimTime writes a time so that later times sort after earlier ones.
const claimTime = "2006-01-02T15:04:05.000000000Z"

// takeClaim takes the claim if no one holds it or its holder's is stale:
// one statement, which the unique key makes exact under concurrency (a
// post that loses waits for the winner's row and finds it fresh). Posts
// that were counted, inserted, then counted again could all see each
// other and all be refused, leaving no account (the throttle's counting,
// used here before).
func (m *Module) takeClaim(ctx context.Context) (bool, error) {
	now := m.svc.Now().UTC()
	res, err := m.svc.DB.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value < ?`,
		claimKey, now.Format(claimTime), now.Add(-claimStale).Format(claimTime))
	if err != nil {
		return false, fmt.Errorf("setup claim: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// dropClaim lets the claim go after a post that made no account (a refused
// address, a failure), so that the next post may try.
func (m *Module) dropClaim(ctx context.Context) {
	if _, err := m.svc.DB.ExecContext(context.WithoutCancel(ctx), `DELETE FROM settings WHERE key = ?`, claimKey); err != nil {
		m.svc.Log.Error("setup claim", "err", err)
	}
}

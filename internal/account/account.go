// Package account is signing in and out, the second factor, password
// reset, and a user's own settings: language, password, sessions and
// personal API tokens.
package account

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the account pages.
type Module struct {
	svc      *platform.Services
	site     *web.Site
	auth     *auth.Store
	webauthn *webauthn.WebAuthn
}

// New registers templates and translations.
func New(svc *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := svc.Site.AddTemplates("account", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := svc.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	wa, err := newWebAuthn(svc.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return &Module{svc: svc, site: svc.Site, auth: svc.Auth, webauthn: wa}, nil
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /lang", web.Public, m.setLang)
	r.Handle("GET /signin", web.Public, m.signinPage)
	r.Handle("POST /signin", web.Public, m.signin)
	r.Handle("GET /signin/second-factor", web.SecondFactor, m.secondFactorPage)
	r.Handle("POST /signin/second-factor", web.SecondFactor, m.secondFactor)
	r.Handle("GET /signin/enrol", web.Public, m.enrolRevisited)
	r.Handle("POST /signin/enrol", web.SecondFactor, m.enrol)
	r.Handle("POST /signin/enrol/restart", web.SecondFactor, m.enrolRestart)
	r.Handle("POST /signout", web.SecondFactor, m.signout)
	r.Handle("GET /password/forgot", web.Public, m.forgotPage)
	r.Handle("POST /password/forgot", web.Public, m.forgot)
	r.Handle("GET /password/reset", web.Public, m.resetPage)
	r.Handle("POST /password/reset", web.Public, m.reset)
	r.Handle("GET /account", web.SignedIn, m.accountPage)
	r.Handle("POST /account/lang", web.SignedIn, m.saveLang)
	r.Handle("POST /account/password", web.SignedIn, m.changePassword)
	r.Handle("POST /account/tokens", web.SignedIn, m.createToken)
	r.Handle("POST /account/tokens/{id}/revoke", web.SignedIn, m.revokeToken)
	r.Handle("POST /account/sessions/{hash}/revoke", web.SignedIn, m.revokeSession)
	r.Handle("GET /account/second-factor", web.SignedIn, m.voluntaryEnrolPage)
	r.Handle("POST /account/second-factor/remove", web.SignedIn, m.removeFactor)
	r.Handle("POST /account/passkeys/begin", web.SecondFactor, m.registerBegin)
	r.Handle("POST /account/passkeys/finish", web.SecondFactor, m.registerFinish)
	r.Handle("POST /account/passkeys/{id}/remove", web.SignedIn, m.removePasskey)
	r.Handle("POST /account/passkey-policy", web.Secretariat, m.setPolicy)
	r.Handle("GET /signin/passkey/setup", web.SecondFactor, m.setupPage)
	r.Handle("POST /signin/passkey/begin", web.SecondFactor, m.loginBegin)
	r.Handle("POST /signin/passkey/finish", web.SecondFactor, m.loginFinish)
	r.Handle("POST /signin/passkey/discover/begin", web.Public, m.discoverBegin)
	r.Handle("POST /signin/passkey/discover/finish", web.Public, m.discoverFinish)
	r.API(api.Op{Method: "GET", Path: "/api/v1/me", Summary: "The account behind the request", Tag: "account", Response: auth.User{}}, web.SignedIn, m.apiMe)
	r.API(api.Op{Method: "GET", Path: "/api/v1/me/tokens", Summary: "The caller's personal API tokens", Tag: "account", Response: api.List[auth.Token]{}}, web.SignedIn, m.apiTokens)
}

func (m *Module) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if !web.KnownLanguage(lang) {
		m.site.Error(w, r, http.StatusBadRequest, "account.bad_lang")
		return
	}
	m.site.SetCookie(w, r, web.LangCookie, lang, 365*24*3600)
	http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
}

type signinData struct {
	Email string
	Next  string
	Error string
}

func (m *Module) signinPage(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "account/signin.html", "", signinData{Next: web.SafeNext(r.URL.Query().Get("next"), "")})
}

func (m *Module) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	m.site.SetCookie(w, r, web.SessionCookie, secret, int(auth.MaxAge.Seconds()))
}

func (m *Module) signin(w http.ResponseWriter, r *http.Request) {
	email, pw := r.PostFormValue("email"), r.PostFormValue("password")
	next := web.SafeNext(r.PostFormValue("next"), "/")
	u, err := m.auth.Authenticate(r.Context(), email, pw, web.ClientAddr(r))
	switch {
	case errors.Is(err, auth.ErrThrottled):
		m.signinEvent(r, "user.signin.throttled", email)
		m.site.Render(w, r, http.StatusTooManyRequests, "account/signin.html", "", signinData{Email: email, Next: next, Error: "account.throttled"})
		return
	case errors.Is(err, auth.ErrBadCredentials):
		m.signinEvent(r, "user.signin.failure", email)
		m.site.Render(w, r, http.StatusUnauthorized, "account/signin.html", "", signinData{Email: email, Next: next, Error: "account.bad_credentials"})
		return
	case err != nil:
		m.site.ServerError(w, r, err)
		return
	}
	old := m.site.ReadCookie(r, web.SessionCookie)
	secret, err := m.auth.StartSession(r.Context(), u, old, r.UserAgent(), web.ClientAddr(r))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.setSessionCookie(w, r, secret)
	if u.NeedsMFA() || u.TOTPEnabled {
		if !u.NeedsMFA() {
			// A stakeholder who chose a second factor must pass it too.
			if err := m.demoteToPending(r, secret); err != nil {
				m.site.ServerError(w, r, err)
				return
			}
		}
		http.Redirect(w, r, "/signin/second-factor?next="+urlQuery(next), http.StatusSeeOther)
		return
	}
	_ = m.auth.ClearFailures(r.Context(), u.Email)
	m.site.Redirect(w, r, next, "account.signed_in")
}

// signinEvent logs a failed or throttled sign-in as a security event and,
// when the address has an account, audits it against that account. It runs
// after the answer, in the background, so that the time taken never tells
// whether the address has an account. Nothing secret is recorded: the
// address is logged as a hash, the password not at all.
func (m *Module) signinEvent(r *http.Request, action, email string) {
	ctx := context.WithoutCancel(r.Context())
	client := web.ClientAddr(r)
	go func() {
		u, err := m.auth.ByEmail(ctx, email)
		if err != nil {
			m.svc.Log.Warn("security", "event", action, "account", "", "address_sha256", hashSecret(strings.ToLower(strings.TrimSpace(email)))[:16], "client", client)
			return
		}
		m.svc.Log.Warn("security", "event", action, "account", u.ID, "client", client)
		actor := audit.WithActor(ctx, audit.Actor{ID: "anonymous", Label: "client " + client, Via: "web"})
		if err := m.auth.RecordEvent(actor, action, "user", u.ID, map[string]string{"client": client}); err != nil {
			m.svc.Log.Error("audit sign-in event", "err", err)
		}
	}()
}

func (m *Module) demoteToPending(r *http.Request, secret string) error {
	return m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(r.Context(), `UPDATE sessions SET mfa_passed = ? WHERE token_hash = ?`, false, hashSecret(secret))
		return err
	})
}

type secondFactorData struct {
	Enrol *auth.Enrolment
	Next  string
	Error string
	// Notice says plainly that a new secret replaced one shown before.
	Notice string
	Codes  []string
	// CodesFile is the recovery codes as a text file (a data: URL), for
	// a download link that works without JavaScript.
	CodesFile template.URL
	Email     string
	Issued    string
	Voluntary bool // from the account page: the password is asked
	Change    bool // replacing a factor: a current code is asked too
	// HasPasskeys offers the passkey button on the second-factor page.
	HasPasskeys bool
}

// hasPasskeys reports whether u has registered a passkey.
func (m *Module) hasPasskeys(r *http.Request, u *auth.User) (bool, error) {
	keys, err := m.auth.Passkeys(r.Context(), u.ID)
	return len(keys) > 0, err
}

func (m *Module) secondFactorPage(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	next := web.SafeNext(r.URL.Query().Get("next"), "/")
	if !pending {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	data := secondFactorData{Next: next}
	var err error
	if data.HasPasskeys, err = m.hasPasskeys(r, u); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if !u.TOTPEnabled {
		e, replaced, err := m.auth.PendingTOTP(r.Context(), u, m.sessionHash(r), totpIssuer)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		data.Enrol = &e
		if replaced {
			data.Notice = "account.enrol_new_issued"
		}
		// The page shows the secret: no cache may keep it.
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, http.StatusOK, "account/second_factor.html", "", data)
}

// totpIssuer names the site in authenticator apps.
const totpIssuer = "cybernorms"

func (m *Module) secondFactor(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	next := web.SafeNext(r.PostFormValue("next"), "/")
	if !pending {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !u.TOTPEnabled {
		http.Redirect(w, r, "/signin/second-factor", http.StatusSeeOther)
		return
	}
	hasPasskeys, err := m.hasPasskeys(r, u)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if hasPasskeys && m.auth.PasskeysRequired(r.Context(), u) {
		// The secretariat requires passkeys of this role: codes do not do.
		m.site.Render(w, r, http.StatusForbidden, "account/second_factor.html", "", secondFactorData{Next: next, Error: "account.passkey_required", HasPasskeys: true})
		return
	}
	sessionHash := m.sessionHash(r)
	err = m.auth.CheckSecondFactor(r.Context(), u, sessionHash, r.PostFormValue("code"))
	switch {
	case errors.Is(err, auth.ErrBadCode):
		_ = m.auth.RecordFailure(r.Context(), u.Email, web.ClientAddr(r))
		m.site.Render(w, r, http.StatusUnauthorized, "account/second_factor.html", "", secondFactorData{Next: next, Error: "account.bad_code", HasPasskeys: hasPasskeys})
		return
	case errors.Is(err, auth.ErrMFASessionEnded), errors.Is(err, auth.ErrMFAThrottled):
		m.mfaLocked(w, r, u, err, next)
		return
	case err != nil:
		m.site.ServerError(w, r, err)
		return
	}
	m.completeSignin(w, r, u, next, nil)
}

// sessionHash is the hash of this browser's session, "" without one.
func (m *Module) sessionHash(r *http.Request) string {
	if c := m.site.ReadCookie(r, web.SessionCookie); c != "" {
		return hashSecret(c)
	}
	return ""
}

// mfaLocked answers a second-factor attempt over the limits: the pending
// session has been ended, so the cookie goes and the password is asked again.
func (m *Module) mfaLocked(w http.ResponseWriter, r *http.Request, u *auth.User, err error, next string) {
	limit, key := "session", "account.mfa_session_ended"
	if errors.Is(err, auth.ErrMFAThrottled) {
		limit, key = "account", "account.mfa_throttled"
	}
	m.svc.Log.Warn("second factor locked after too many wrong codes", "user", u.ID, "limit", limit, "client", web.ClientAddr(r))
	m.site.SetCookie(w, r, web.SessionCookie, "", -1)
	m.site.Render(w, r, http.StatusTooManyRequests, "account/signin.html", "", signinData{Email: u.Email, Next: next, Error: key})
}

func (m *Module) completeSignin(w http.ResponseWriter, r *http.Request, u *auth.User, next string, codes []string) {
	c := m.site.ReadCookie(r, web.SessionCookie)
	if c == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	if m.auth.PasskeysRequired(r.Context(), u) {
		// The role must sign in with a passkey and has none yet: the code
		// passed, and the sign-in completes once one is registered.
		has, err := m.hasPasskeys(r, u)
		if err == nil && !has {
			err = m.auth.MarkTOTPPassed(r.Context(), hashSecret(c))
			setup := "/signin/passkey/setup?next=" + urlQuery(next)
			if err == nil && codes != nil {
				m.recoveryCodes(w, r, u, codes, setup)
				return
			}
			if err == nil {
				http.Redirect(w, r, setup, http.StatusSeeOther)
				return
			}
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
	}
	secret, err := m.auth.PassMFA(r.Context(), c)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.setSessionCookie(w, r, secret)
	_ = m.auth.ClearFailures(r.Context(), u.Email)
	if codes != nil {
		m.recoveryCodes(w, r, u, codes, next)
		return
	}
	m.site.Redirect(w, r, next, "account.signed_in")
}

// enrol confirms the TOTP secret being enrolled in this session (kept with
// it, see auth.PendingTOTP): the first one during sign-in, or a change from
// the account page (changeFactor). A wrong code shows the same QR code
// again; a form showing an older secret than the session's says so.
func (m *Module) enrol(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	signin := r.PostFormValue("step") == "signin"
	next := web.SafeNext(r.PostFormValue("next"), "/account")
	if signin {
		next = web.SafeNext(r.PostFormValue("next"), "/")
	}
	if u.TOTPEnabled && pending {
		http.Redirect(w, r, "/signin/second-factor?next="+urlQuery(next), http.StatusSeeOther)
		return
	}
	if signin && !pending {
		// The sign-in's form sent again (a reload of the recovery codes):
		// the enrolment is done, and the codes are never shown twice.
		m.site.Redirect(w, r, next, "account.enrol_already_done")
		return
	}
	secret, err := m.auth.PendingSecret(r.Context(), u, m.sessionHash(r))
	if errors.Is(err, auth.ErrNoPendingTOTP) || errors.Is(err, auth.ErrNotFound) {
		// Nothing is being enrolled in this session: the page issues a
		// secret, and says it is a new one.
		m.site.Redirect(w, r, enrolPage(pending, next), "account.enrol_new_issued")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if shown := r.PostFormValue("secret"); shown != "" && shown != secret {
		// A page from before "start again": its QR code no longer works.
		m.renderEnrol(w, r, u, http.StatusConflict, secret, secondFactorData{Next: next, Error: "account.enrol_replaced", Voluntary: !pending, Change: !pending && u.TOTPEnabled})
		return
	}
	if !pending {
		m.changeFactor(w, r, u, secret)
		return
	}
	codes, err := m.auth.ConfirmTOTP(r.Context(), u, secret, r.PostFormValue("code"))
	if errors.Is(err, auth.ErrBadCode) {
		m.renderEnrol(w, r, u, http.StatusUnprocessableEntity, secret, secondFactorData{Next: next, Error: "account.enrol_bad_code"})
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.completeSignin(w, r, u, next, codes)
}

// enrolPage is where the enrolment of a pending or signed-in user is shown.
func enrolPage(pending bool, next string) string {
	if pending {
		return "/signin/second-factor?next=" + urlQuery(next)
	}
	return "/account/second-factor"
}

// renderEnrol shows the enrolment page for secret, the one the session keeps.
func (m *Module) renderEnrol(w http.ResponseWriter, r *http.Request, u *auth.User, status int, secret string, data secondFactorData) {
	e, err := auth.EnrolmentFor(u, totpIssuer, secret)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	data.Enrol = &e
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, status, "account/second_factor.html", "", data)
}

// enrolRestart replaces the secret being enrolled with a new one, at the
// person's request, and shows it with a plain word that it is new.
func (m *Module) enrolRestart(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	next := web.SafeNext(r.PostFormValue("next"), "/")
	if u.TOTPEnabled && pending {
		http.Redirect(w, r, "/signin/second-factor?next="+urlQuery(next), http.StatusSeeOther)
		return
	}
	if _, err := m.auth.RenewPendingTOTP(r.Context(), u, m.sessionHash(r), totpIssuer); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, enrolPage(pending, next), "account.enrol_new_issued")
}

// enrolRevisited answers GET on the enrolment's form address (a bookmark,
// the address bar, a reload after the codes) with the step the person is
// at, never a bare "method not allowed".
func (m *Module) enrolRevisited(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	switch {
	case u == nil:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case pending:
		http.Redirect(w, r, "/signin/second-factor", http.StatusSeeOther)
	case u.TOTPEnabled:
		m.site.Redirect(w, r, "/account", "account.enrol_already_done")
	default:
		http.Redirect(w, r, "/account/second-factor", http.StatusSeeOther)
	}
}

// recoveryCodes shows new recovery codes once, with a text file to
// download, and buttons to print and copy them (shown by codes.js).
func (m *Module) recoveryCodes(w http.ResponseWriter, r *http.Request, u *auth.User, codes []string, next string) {
	lang := web.Lang(r)
	tr := func(k string) string { return m.site.Catalog.T(lang, k) }
	issued := time.Now().UTC().Format("2006-01-02")
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s: %s\n%s: %s\n\n%s\n\n", tr("account.recovery_codes"), tr("account.recovery_account"), u.Email,
		tr("account.recovery_issued"), issued, tr("account.recovery_intro"))
	for _, c := range codes {
		b.WriteString(c + "\n")
	}
	file := "data:text/plain;charset=utf-8," + url.PathEscape(strings.ReplaceAll(b.String(), "\n", "\r\n"))
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, http.StatusOK, "account/recovery_codes.html", "", secondFactorData{Codes: codes, Next: next,
		CodesFile: template.URL(file), Email: u.Email, Issued: issued})
}

// reauthenticate checks the password and, when the account has one, a
// current second factor, before a factor is changed or removed. It answers
// the request itself and returns false when they do not pass.
func (m *Module) reauthenticate(w http.ResponseWriter, r *http.Request, u *auth.User, fail func(status int, key string)) bool {
	if _, err := m.auth.Authenticate(r.Context(), u.Email, r.PostFormValue("password"), web.ClientAddr(r)); err != nil {
		if errors.Is(err, auth.ErrThrottled) {
			fail(http.StatusTooManyRequests, "account.throttled")
		} else {
			fail(http.StatusUnprocessableEntity, "account.bad_current_password")
		}
		return false
	}
	if !u.TOTPEnabled {
		return true
	}
	err := m.auth.CheckSecondFactor(r.Context(), u, "", r.PostFormValue("current_code"))
	switch {
	case errors.Is(err, auth.ErrBadCode):
		_ = m.auth.RecordFailure(r.Context(), u.Email, web.ClientAddr(r))
		fail(http.StatusUnprocessableEntity, "account.bad_current_code")
		return false
	case errors.Is(err, auth.ErrMFAThrottled), errors.Is(err, auth.ErrMFASessionEnded):
		m.svc.Log.Warn("second factor locked after too many wrong codes", "user", u.ID, "limit", "account", "client", web.ClientAddr(r))
		fail(http.StatusTooManyRequests, "account.mfa_throttled")
		return false
	case err != nil:
		m.site.ServerError(w, r, err)
		return false
	}
	return true
}

// factorChanged ends the user's other sessions and e-mails the user, in tx.
func (m *Module) factorChanged(r *http.Request, tx *db.Tx, u *auth.User, what string) error {
	if err := m.auth.EndOtherSessions(r.Context(), tx, u.ID, m.sessionHash(r)); err != nil {
		return err
	}
	return m.notify(r, tx, u, what)
}

// notify e-mails the user that a factor of the account changed, in tx.
func (m *Module) notify(r *http.Request, tx *db.Tx, u *auth.User, what string) error {
	tr := func(k string) string { return m.site.Catalog.T(u.Lang, k) }
	return m.svc.QueueMail(r.Context(), tx, mail.Message{To: u.Email, Subject: tr("account.factor_" + what + "_subject"),
		Text: tr("account.factor_"+what+"_body") + "\n\n" + m.svc.Link("/account") + "\n"})
}

// changeFactor replaces a signed-in user's TOTP secret: it needs the
// password and a current factor, ends the other sessions and e-mails the user.
func (m *Module) changeFactor(w http.ResponseWriter, r *http.Request, u *auth.User, secret string) {
	fail := func(status int, key string) {
		e, err := auth.EnrolmentFor(u, totpIssuer, secret)
		if err != nil {
			m.site.Error(w, r, http.StatusBadRequest, "error.badrequest")
			return
		}
		m.site.Render(w, r, status, "account/second_factor.html", "", secondFactorData{Enrol: &e, Next: "/account", Error: key, Voluntary: true, Change: u.TOTPEnabled})
	}
	code := r.PostFormValue("code")
	if !auth.ValidTOTP(secret, code) {
		fail(http.StatusUnprocessableEntity, "account.bad_code")
		return
	}
	if !m.reauthenticate(w, r, u, fail) {
		return
	}
	var codes []string
	err := m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		if codes, err = m.auth.EnableTOTP(r.Context(), tx, u, secret, code); err != nil {
			return err
		}
		return m.factorChanged(r, tx, u, "changed")
	})
	if errors.Is(err, auth.ErrBadCode) {
		fail(http.StatusUnprocessableEntity, "account.bad_code")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.recoveryCodes(w, r, u, codes, "/account")
}

// removeFactor turns a stakeholder's optional second factor off, under the
// same rule as a change. Roles that require one cannot remove it.
func (m *Module) removeFactor(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	if u.NeedsMFA() {
		m.site.Error(w, r, http.StatusForbidden, "account.factor_required")
		return
	}
	if !u.TOTPEnabled {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	fail := func(status int, key string) {
		m.renderAccount(w, r, status, accountData{Error: key, ErrorField: "factor-password"})
	}
	if !m.reauthenticate(w, r, u, fail) {
		return
	}
	err := m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if err := m.auth.DisableTOTP(r.Context(), tx, u); err != nil {
			return err
		}
		return m.factorChanged(r, tx, u, "removed")
	})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/account", "account.factor_removed")
}

func (m *Module) voluntaryEnrolPage(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	e, replaced, err := m.auth.PendingTOTP(r.Context(), u, m.sessionHash(r), totpIssuer)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	data := secondFactorData{Enrol: &e, Next: "/account", Voluntary: true, Change: u.TOTPEnabled}
	if replaced {
		data.Notice = "account.enrol_new_issued"
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, http.StatusOK, "account/second_factor.html", "", data)
}

func (m *Module) signout(w http.ResponseWriter, r *http.Request) {
	if c := m.site.ReadCookie(r, web.SessionCookie); c != "" {
		_ = m.auth.EndSession(r.Context(), c)
	}
	if u, _ := web.CurrentUser(r); u != nil {
		m.svc.Log.Info("security", "event", "session.end", "account", u.ID, "client", web.ClientAddr(r))
		if err := m.auth.RecordEvent(r.Context(), "session.end", "user", u.ID, map[string]string{"client": web.ClientAddr(r)}); err != nil {
			m.svc.Log.Error("audit sign-out", "err", err)
		}
	}
	m.site.SetCookie(w, r, web.SessionCookie, "", -1)
	m.site.Redirect(w, r, "/", "account.signed_out")
}

type accountData struct {
	Sessions    []auth.Session
	Tokens      []auth.Token
	NewToken    string
	Error       string
	ErrorField  string
	CurrentHash string
	Passkeys    []auth.Passkey
	// RequirePasskeys is the secretariat's setting, shown to the secretariat.
	RequirePasskeys bool
}

func (m *Module) accountPage(w http.ResponseWriter, r *http.Request) {
	m.renderAccount(w, r, http.StatusOK, accountData{})
}

func (m *Module) renderAccount(w http.ResponseWriter, r *http.Request, status int, data accountData) {
	u, _ := web.CurrentUser(r)
	var err error
	if data.Sessions, err = m.auth.Sessions(r.Context(), u.ID); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if data.Tokens, err = m.auth.Tokens(r.Context(), u.ID); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if data.Passkeys, err = m.auth.Passkeys(r.Context(), u.ID); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if u.Role == auth.RoleSecretariat {
		data.RequirePasskeys = m.auth.PasskeysRequired(r.Context(), &auth.User{Role: auth.RoleSecretariat})
	}
	if c := m.site.ReadCookie(r, web.SessionCookie); c != "" {
		data.CurrentHash = hashSecret(c)
	}
	m.site.Render(w, r, status, "account/account.html", "", data)
}

func (m *Module) saveLang(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	lang := r.PostFormValue("lang")
	if !web.KnownLanguage(lang) {
		m.renderAccount(w, r, http.StatusUnprocessableEntity, accountData{Error: "account.bad_lang", ErrorField: "lang"})
		return
	}
	if err := m.auth.SetLang(r.Context(), u.ID, lang); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.SetCookie(w, r, web.LangCookie, lang, 365*24*3600)
	m.site.Redirect(w, r, "/account", "account.saved")
}

func (m *Module) changePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	if _, err := m.auth.Authenticate(r.Context(), u.Email, r.PostFormValue("current"), web.ClientAddr(r)); err != nil {
		m.renderAccount(w, r, http.StatusUnprocessableEntity, accountData{Error: "account.bad_current_password", ErrorField: "current"})
		return
	}
	err := m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error { return m.auth.SetPassword(r.Context(), tx, u.ID, r.PostFormValue("password")) })
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		m.renderAccount(w, r, http.StatusUnprocessableEntity, accountData{Error: passwordKey(r.PostFormValue("password"), u.Email, u.Name), ErrorField: "password"})
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	// Every session ended with the change; start a fresh one for this browser.
	secret, err := m.auth.StartSession(r.Context(), u, "", r.UserAgent(), web.ClientAddr(r))
	if err == nil && u.NeedsMFA() {
		secret, err = m.auth.PassMFA(r.Context(), secret)
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.setSessionCookie(w, r, secret)
	m.site.Redirect(w, r, "/account", "account.password_changed")
}

func (m *Module) createToken(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	_, secret, err := m.auth.CreateToken(r.Context(), u.ID, r.PostFormValue("name"))
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		m.renderAccount(w, r, http.StatusUnprocessableEntity, accountData{Error: "account.token_name", ErrorField: "name"})
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.renderAccount(w, r, http.StatusOK, accountData{NewToken: secret})
}

func (m *Module) revokeToken(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	err := m.auth.RevokeToken(r.Context(), u.ID, r.PathValue("id"))
	if errors.Is(err, auth.ErrNotFound) {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/account", "account.token_revoked")
}

func (m *Module) revokeSession(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	err := m.auth.RevokeSession(r.Context(), u.ID, r.PathValue("hash"))
	if errors.Is(err, auth.ErrNotFound) {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/account", "account.session_revoked")
}

type resetData struct {
	Token string
	Error string
	Sent  bool
}

func (m *Module) forgotPage(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "account/forgot.html", "", resetData{})
}

// forgot always answers the same way, so it does not reveal which
// addresses have accounts.
func (m *Module) forgot(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	ok, err := m.auth.AllowResetRequest(r.Context(), email, web.ClientAddr(r))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if !ok {
		m.svc.Log.Warn("security", "event", "reset.throttled", "client", web.ClientAddr(r))
		m.site.Render(w, r, http.StatusTooManyRequests, "account/forgot.html", "", resetData{Error: "account.reset_throttled"})
		return
	}
	err = m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error {
		u, secret, err := m.auth.CreateReset(r.Context(), tx, email)
		if errors.Is(err, auth.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		link := m.svc.Link("/password/reset?token=" + secret)
		lang := u.Lang
		tr := func(k string) string { return m.site.Catalog.T(lang, k) }
		ctx := audit.WithActor(r.Context(), audit.Actor{ID: u.ID, Label: u.Email, Via: "web"})
		if err := audit.Record(ctx, tx, "user.password_reset.request", "user", u.ID, nil, nil); err != nil {
			return err
		}
		return m.svc.QueueMail(ctx, tx, mail.Message{To: u.Email, Subject: tr("account.reset_subject"),
			Text: tr("account.reset_body") + "\n\n" + link + "\n\n" + tr("account.reset_ignore") + "\n", Secrets: []string{secret}})
	})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "account/forgot.html", "", resetData{Sent: true})
}

func (m *Module) resetPage(w http.ResponseWriter, r *http.Request) {
	// The token is in the URL and on the page: no cache may keep either.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	m.site.Render(w, r, http.StatusOK, "account/reset.html", "", resetData{Token: r.URL.Query().Get("token")})
}

func (m *Module) reset(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token := r.PostFormValue("token")
	_, err := m.auth.ConsumeReset(r.Context(), token, r.PostFormValue("password"))
	var fe *auth.FieldError
	switch {
	case errors.As(err, &fe):
		m.site.Render(w, r, http.StatusUnprocessableEntity, "account/reset.html", "", resetData{Token: token, Error: passwordKey(r.PostFormValue("password"))})
	case errors.Is(err, auth.ErrResetInvalid):
		m.site.Render(w, r, http.StatusBadRequest, "account/reset.html", "", resetData{Error: "account.reset_invalid"})
	case err != nil:
		m.site.ServerError(w, r, err)
	default:
		m.site.Redirect(w, r, "/signin", "account.password_changed")
	}
}

func (m *Module) apiMe(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	api.WriteJSON(w, http.StatusOK, u)
}

func (m *Module) apiTokens(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	list, err := m.auth.Tokens(r.Context(), u.ID)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if list == nil {
		list = []auth.Token{}
	}
	api.WriteJSON(w, http.StatusOK, api.List[auth.Token]{Items: list})
}

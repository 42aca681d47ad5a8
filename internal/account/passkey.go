package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Passkeys (WebAuthn). A user registers several, each named, from the
// account page (the password is asked); one serves as the second factor
// after the password, or alone as a passwordless sign-in (the authenticator
// verifies the user: PIN or biometrics). Removing one follows the rule for
// changing a factor. The ceremonies are JSON exchanges driven by
// static/passkey.js; their server-side state is a single-use challenge row.
// Without JavaScript the TOTP paths remain.

// newWebAuthn configures the relying party from the site's public address.
// Browsers refuse an IP address as relying party id, so a server on a
// loopback address is used as "localhost".
func newWebAuthn(baseURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	host := u.Hostname()
	origins := []string{u.Scheme + "://" + u.Host}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		host = "localhost"
		origin := u.Scheme + "://localhost"
		if p := u.Port(); p != "" {
			origin += ":" + p
		}
		origins = append(origins, origin)
	}
	return webauthn.New(&webauthn.Config{RPID: host, RPDisplayName: "cybernorms", RPOrigins: origins})
}

// waUser adapts an account to the WebAuthn library.
type waUser struct {
	u     *auth.User
	keys  []auth.Passkey
	creds []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w *waUser) WebAuthnName() string                       { return w.u.Email }
func (w *waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func (m *Module) waUser(r *http.Request, u *auth.User) (*waUser, error) {
	keys, err := m.auth.Passkeys(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	wu := &waUser{u: u, keys: keys}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Credential, &c); err != nil {
			return nil, fmt.Errorf("passkey %s: %w", k.ID, err)
		}
		wu.creds = append(wu.creds, c)
	}
	return wu, nil
}

// ceremony is what a challenge row keeps between begin and finish.
type ceremony struct {
	Session webauthn.SessionData `json:"session"`
	Name    string               `json:"name,omitempty"`
	Next    string               `json:"next,omitempty"`
}

type beginAnswer struct {
	Challenge string `json:"challenge"`
	Options   any    `json:"options"`
}

type finishRequest struct {
	Challenge  string          `json:"challenge"`
	Credential json.RawMessage `json:"credential"`
}

type finishAnswer struct {
	Next string `json:"next"`
}

func passkeyError(w http.ResponseWriter, status int, code, msg string) {
	api.WriteError(w, api.Errorf(status, code, "", "%s", msg))
}

func (m *Module) tr(r *http.Request, key string) string {
	return m.site.Catalog.T(web.Lang(r), key)
}

func (m *Module) readFinish(w http.ResponseWriter, r *http.Request) (finishRequest, bool) {
	var f finishRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil {
		err = json.NewDecoder(bytes.NewReader(body)).Decode(&f)
	}
	if err != nil || f.Challenge == "" || len(f.Credential) == 0 {
		passkeyError(w, http.StatusBadRequest, "bad_request", m.tr(r, "error.badrequest"))
		return f, false
	}
	return f, true
}

func (m *Module) saveCeremony(w http.ResponseWriter, r *http.Request, kind, userID string, c ceremony, options any) {
	data, err := json.Marshal(c)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	cid, err := m.auth.SaveChallenge(r.Context(), kind, userID, m.sessionHash(r), data)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, beginAnswer{Challenge: cid, Options: options})
}

func (m *Module) takeCeremony(w http.ResponseWriter, r *http.Request, kind, cid string) (string, ceremony, bool) {
	var c ceremony
	userID, data, err := m.auth.TakeChallenge(r.Context(), cid, kind, m.sessionHash(r))
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil {
		passkeyError(w, http.StatusBadRequest, "challenge_expired", m.tr(r, "account.passkey_failed"))
		return "", c, false
	}
	return userID, c, true
}

// setupPending reports whether this pending session passed TOTP and must
// now register a passkey (the secretariat requires them).
func (m *Module) setupPending(r *http.Request, u *auth.User) bool {
	return m.auth.PasskeysRequired(r.Context(), u) && m.auth.TOTPPassed(r.Context(), m.sessionHash(r))
}

// registerBegin starts adding a passkey: the password is asked, except
// while completing a sign-in that must register one.
func (m *Module) registerBegin(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	if pending && !m.setupPending(r, u) {
		passkeyError(w, http.StatusForbidden, "forbidden", m.tr(r, "error.forbidden"))
		return
	}
	name, err := auth.CheckPasskeyName(r.PostFormValue("name"))
	if err != nil {
		passkeyError(w, http.StatusUnprocessableEntity, "invalid", m.tr(r, "account.passkey_name_required"))
		return
	}
	if !pending {
		if _, err := m.auth.Authenticate(r.Context(), u.Email, r.PostFormValue("password"), web.ClientAddr(r)); err != nil {
			status, key := http.StatusUnprocessableEntity, "account.bad_current_password"
			if errors.Is(err, auth.ErrThrottled) {
				status, key = http.StatusTooManyRequests, "account.throttled"
			}
			passkeyError(w, status, "reauthentication", m.tr(r, key))
			return
		}
	}
	wu, err := m.waUser(r, u)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	creation, session, err := m.webauthn.BeginRegistration(wu,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired}),
		webauthn.WithExclusions(webauthn.Credentials(wu.creds).CredentialDescriptors()))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.saveCeremony(w, r, "register", u.ID, ceremony{Session: *session, Name: name, Next: web.SafeNext(r.PostFormValue("next"), "/")}, creation)
}

// registerFinish verifies the authenticator's answer and stores the passkey;
// it tells the user by e-mail. While completing a sign-in, it completes it.
func (m *Module) registerFinish(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	f, ok := m.readFinish(w, r)
	if !ok {
		return
	}
	userID, c, ok := m.takeCeremony(w, r, "register", f.Challenge)
	if !ok {
		return
	}
	if userID != u.ID || pending && !m.setupPending(r, u) {
		passkeyError(w, http.StatusForbidden, "forbidden", m.tr(r, "error.forbidden"))
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(f.Credential)
	if err != nil {
		passkeyError(w, http.StatusBadRequest, "passkey_failed", m.tr(r, "account.passkey_failed"))
		return
	}
	wu, err := m.waUser(r, u)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	cred, err := m.webauthn.CreateCredential(wu, c.Session, parsed)
	if err != nil {
		m.svc.Log.Info("passkey registration refused", "user", u.ID, "err", err)
		passkeyError(w, http.StatusBadRequest, "passkey_failed", m.tr(r, "account.passkey_failed"))
		return
	}
	credJSON, err := json.Marshal(cred)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	err = m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if _, err := m.auth.AddPasskey(r.Context(), tx, u.ID, c.Name, cred.ID, credJSON); err != nil {
			return err
		}
		return m.notify(r, tx, u, "passkey_added")
	})
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		passkeyError(w, http.StatusConflict, "duplicate", m.tr(r, "account.passkey_failed"))
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	next := "/account"
	if pending {
		secret, err := m.auth.PassMFA(r.Context(), m.site.ReadCookie(r, web.SessionCookie))
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		m.setSessionCookie(w, r, secret)
		_ = m.auth.ClearFailures(r.Context(), u.Email)
		next = c.Next
	}
	api.WriteJSON(w, http.StatusOK, finishAnswer{Next: next})
}

// removePasskey deletes a passkey under the rule for changing a factor.
func (m *Module) removePasskey(w http.ResponseWriter, r *http.Request) {
	u, _ := web.CurrentUser(r)
	fail := func(status int, key string) {
		m.renderAccount(w, r, status, accountData{Error: key, ErrorField: "passkey-password"})
	}
	if !m.reauthenticate(w, r, u, fail) {
		return
	}
	err := m.svc.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if err := m.auth.RemovePasskey(r.Context(), tx, u.ID, r.PathValue("id")); err != nil {
			return err
		}
		return m.factorChanged(r, tx, u, "passkey_removed")
	})
	if errors.Is(err, auth.ErrNotFound) {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/account", "account.passkey_removed")
}

// loginBegin asks a pending session's passkeys for an assertion (the
// second factor).
func (m *Module) loginBegin(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	if !pending {
		passkeyError(w, http.StatusConflict, "signed_in", m.tr(r, "account.signed_in"))
		return
	}
	wu, err := m.waUser(r, u)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if len(wu.creds) == 0 {
		passkeyError(w, http.StatusConflict, "no_passkey", m.tr(r, "account.passkey_none"))
		return
	}
	assertion, session, err := m.webauthn.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.saveCeremony(w, r, "mfa", u.ID, ceremony{Session: *session, Next: web.SafeNext(r.PostFormValue("next"), "/")}, assertion)
}

// loginFinish checks the assertion and completes the sign-in.
func (m *Module) loginFinish(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	f, ok := m.readFinish(w, r)
	if !ok {
		return
	}
	userID, c, ok := m.takeCeremony(w, r, "mfa", f.Challenge)
	if !ok {
		return
	}
	if !pending || userID != u.ID {
		passkeyError(w, http.StatusForbidden, "forbidden", m.tr(r, "error.forbidden"))
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(f.Credential)
	if err != nil {
		passkeyError(w, http.StatusBadRequest, "passkey_failed", m.tr(r, "account.passkey_failed"))
		return
	}
	wu, err := m.waUser(r, u)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	cred, err := m.webauthn.ValidateLogin(wu, c.Session, parsed)
	if err != nil {
		m.svc.Log.Info("passkey second factor refused", "user", u.ID, "err", err)
		_ = m.auth.RecordFailure(r.Context(), u.Email, web.ClientAddr(r))
		passkeyError(w, http.StatusUnauthorized, "passkey_failed", m.tr(r, "account.passkey_failed"))
		return
	}
	if err := m.recordUse(r, cred); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	secret, err := m.auth.PassMFA(r.Context(), m.site.ReadCookie(r, web.SessionCookie))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.setSessionCookie(w, r, secret)
	_ = m.auth.ClearFailures(r.Context(), u.Email)
	api.WriteJSON(w, http.StatusOK, finishAnswer{Next: c.Next})
}

// recordUse stores a passkey's last use and updated sign count.
func (m *Module) recordUse(r *http.Request, cred *webauthn.Credential) error {
	p, err := m.auth.PasskeyByCredentialID(r.Context(), cred.ID)
	if err != nil {
		return err
	}
	credJSON, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	return m.auth.UsePasskey(r.Context(), p.ID, credJSON)
}

// MaxDiscoverPerClient bounds the passwordless sign-ins a client address
// may begin per 15 minutes: each one stores a challenge before anyone is
// known.
const MaxDiscoverPerClient = 30

// discoverBegin starts a passwordless sign-in: any passkey of this site.
func (m *Module) discoverBegin(w http.ResponseWriter, r *http.Request) {
	limiter := &throttle.Limiter{DB: m.svc.DB, Bucket: "passkey.discover", Limit: MaxDiscoverPerClient, Window: 15 * time.Minute}
	hit, err := limiter.Hit(r.Context(), web.ClientAddr(r))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if !hit.Allowed {
		passkeyError(w, http.StatusTooManyRequests, "throttled", m.tr(r, "account.throttled"))
		return
	}
	assertion, session, err := m.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.saveCeremony(w, r, "discover", "", ceremony{Session: *session, Next: web.SafeNext(r.PostFormValue("next"), "/")}, assertion)
}

// discoverFinish signs in the passkey's owner: the passkey is both factors
// (possession, and the user verification the authenticator performed).
func (m *Module) discoverFinish(w http.ResponseWriter, r *http.Request) {
	f, ok := m.readFinish(w, r)
	if !ok {
		return
	}
	_, c, ok := m.takeCeremony(w, r, "discover", f.Challenge)
	if !ok {
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(f.Credential)
	if err != nil {
		passkeyError(w, http.StatusBadRequest, "passkey_failed", m.tr(r, "account.passkey_failed"))
		return
	}
	var owner *auth.User
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		p, err := m.auth.PasskeyByCredentialID(r.Context(), rawID)
		if err != nil || p.UserID != string(userHandle) {
			return nil, auth.ErrNotFound
		}
		u, err := m.auth.ByID(r.Context(), m.svc.DB, p.UserID)
		if err != nil || u.Disabled {
			return nil, auth.ErrNotFound
		}
		owner = u
		return m.waUser(r, u)
	}
	_, cred, err := m.webauthn.ValidatePasskeyLogin(handler, c.Session, parsed)
	if err != nil || owner == nil {
		m.svc.Log.Info("passwordless sign-in refused", "client", web.ClientAddr(r), "err", err)
		passkeyError(w, http.StatusUnauthorized, "passkey_failed", m.tr(r, "account.passkey_failed"))
		return
	}
	if err := m.recordUse(r, cred); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	secret, err := m.auth.StartSession(r.Context(), owner, m.site.ReadCookie(r, web.SessionCookie), r.UserAgent(), web.ClientAddr(r))
	if err == nil {
		secret, err = m.auth.PassMFA(r.Context(), secret)
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.setSessionCookie(w, r, secret)
	_ = m.auth.ClearFailures(r.Context(), owner.Email)
	api.WriteJSON(w, http.StatusOK, finishAnswer{Next: c.Next})
}

type passkeySetupData struct {
	Next string
}

// setupPage asks a pending session that passed TOTP to register the passkey
// its role now requires.
func (m *Module) setupPage(w http.ResponseWriter, r *http.Request) {
	u, pending := web.CurrentUser(r)
	if !pending || !m.setupPending(r, u) {
		http.Redirect(w, r, "/signin/second-factor", http.StatusSeeOther)
		return
	}
	m.site.Render(w, r, http.StatusOK, "account/passkey_setup.html", "", passkeySetupData{Next: web.SafeNext(r.URL.Query().Get("next"), "/")})
}

// setPolicy is the secretariat's switch requiring passkeys of secretariat
// and State approver accounts.
func (m *Module) setPolicy(w http.ResponseWriter, r *http.Request) {
	if err := m.auth.SetPasskeysRequired(r.Context(), r.PostFormValue("require") == "on"); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/account", "account.saved")
}

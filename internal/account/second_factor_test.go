package account_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// pending signs a new browser in with the password only.
func pending(t *testing.T, rig *testrig.Rig, u *auth.User) *testrig.Client {
	t.Helper()
	c := rig.Anonymous(t)
	resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/signin/second-factor") {
		t.Fatalf("password step: %d %q", resp.StatusCode, loc)
	}
	return c
}

func signedIn(t *testing.T, c *testrig.Client) bool {
	t.Helper()
	return c.Get(t, "/api/v1/me").StatusCode == http.StatusOK
}

func countAudit(t *testing.T, rig *testrig.Rig, action, userID string) int {
	t.Helper()
	var n int
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity_id = ?`, action, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSecondFactorAttemptLimits(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		t.Run("a pending session gets five codes, then must give the password again", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "FRA")
			secret := rig.SignIn(t, u).TOTPSecret
			c := pending(t, rig, u)
			for i := 1; i <= auth.MaxMFAAttemptsSession; i++ {
				resp := c.PostForm(t, "/signin/second-factor", url.Values{"code": {"000000"}})
				want := http.StatusUnauthorized
				if i == auth.MaxMFAAttemptsSession {
					want = http.StatusTooManyRequests
				}
				if resp.StatusCode != want {
					t.Fatalf("attempt %d: status %d, want %d", i, resp.StatusCode, want)
				}
			}
			// The right code no longer helps: the pending session is gone.
			c.PostForm(t, "/signin/second-factor", url.Values{"code": {testrig.TOTPCode(t, secret, 30*time.Second)}})
			if signedIn(t, c) {
				t.Fatal("the right code passed after the attempts were used up")
			}
			if n := countAudit(t, rig, "user.second_factor.locked", u.ID); n != 1 {
				t.Fatalf("%d audit entries for the lock, want 1", n)
			}
		})
		t.Run("forty parallel wrong codes in one pending session check at most five", func(t *testing.T) {
			u := rig.User(t, auth.RoleSecretariat, "")
			rig.SignIn(t, u)
			c := pending(t, rig, u)
			var mu sync.Mutex
			statuses := map[int]int{}
			var wg sync.WaitGroup
			for i := 0; i < 40; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("POST", rig.URL+"/signin/second-factor", strings.NewReader("code=123456"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := c.Client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					mu.Lock()
					if resp.Header.Get("X-Denied-By") != "" {
						statuses[0]++ // the session had already been ended
					} else {
						statuses[resp.StatusCode]++
					}
					mu.Unlock()
				}()
			}
			wg.Wait()
			if statuses[http.StatusUnauthorized] > auth.MaxMFAAttemptsSession-1 || statuses[http.StatusOK] > 0 {
				t.Fatalf("statuses %v: more than %d codes were checked", statuses, auth.MaxMFAAttemptsSession)
			}
			var attempts int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT mfa_attempts FROM users WHERE id = ?`, u.ID).Scan(&attempts); err != nil || attempts != 40-statuses[0] {
				t.Fatalf("account attempts counted %d, want %d (%v)", attempts, 40-statuses[0], err)
			}
		})
		t.Run("an account gets ten codes per window across sessions", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateApprover, "FRA")
			secret := rig.SignIn(t, u).TOTPSecret
			a := rig.App.Services.Auth
			u, _ = a.ByEmail(rig.Ctx, u.Email)
			c := pending(t, rig, u)
			for i := 1; i <= auth.MaxMFAAttemptsAccount; i++ {
				err := a.CheckSecondFactor(rig.Ctx, u, "", "000000")
				if i < auth.MaxMFAAttemptsAccount && err != auth.ErrBadCode || i == auth.MaxMFAAttemptsAccount && err != auth.ErrMFAThrottled {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			if err := a.CheckSecondFactor(rig.Ctx, u, "", testrig.TOTPCode(t, secret, 30*time.Second)); err != auth.ErrMFAThrottled {
				t.Fatalf("the right code after the account's limit: %v", err)
			}
			if signedIn(t, c) || c.Get(t, "/signin/second-factor").StatusCode == http.StatusOK {
				t.Fatal("the account's pending session survived its lock")
			}
		})
	})
}

func TestSecondFactorReplay(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		u := rig.User(t, auth.RoleStateEditor, "DEU")
		first := rig.SignIn(t, u)
		var last int64
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT totp_last_step FROM users WHERE id = ?`, u.ID).Scan(&last); err != nil || last == 0 {
			t.Fatalf("last step %d, %v", last, err)
		}
		at := func(step int64) string {
			return testrig.TOTPCode(t, first.TOTPSecret, time.Unix(step*30, 0).Sub(time.Now()))
		}
		// The enrolment used step last: neither its code nor the previous step's passes.
		for _, code := range []string{at(last), at(last - 1)} {
			c := pending(t, rig, u)
			if resp := c.PostForm(t, "/signin/second-factor", url.Values{"code": {code}}); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("an old step's code: %d", resp.StatusCode)
			}
		}
		next := at(last + 1)
		c := pending(t, rig, u)
		if resp := c.PostForm(t, "/signin/second-factor", url.Values{"code": {next}}); resp.StatusCode != http.StatusSeeOther || !signedIn(t, c) {
			t.Fatalf("a fresh code: %d", resp.StatusCode)
		}
		// The same code in a second session is a replay.
		c2 := pending(t, rig, u)
		if resp := c2.PostForm(t, "/signin/second-factor", url.Values{"code": {next}}); resp.StatusCode != http.StatusUnauthorized || signedIn(t, c2) {
			t.Fatalf("a replayed code: %d", resp.StatusCode)
		}
	})
}

var secretRE = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)

func TestChangingTheSecondFactor(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		t.Run("needs the password and a current factor, ends other sessions and e-mails", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "ITA")
			c := rig.SignIn(t, u)
			other := pending(t, rig, u)
			if resp := other.PostForm(t, "/signin/second-factor", url.Values{"code": {c.RecoveryCodes[0]}}); resp.StatusCode != http.StatusSeeOther || !signedIn(t, other) {
				t.Fatalf("second session: %d", resp.StatusCode)
			}
			newSecret := secretRE.FindStringSubmatch(c.GetBody(t, "/account/second-factor"))[1]
			newCode := testrig.TOTPCode(t, newSecret, 0)
			current := testrig.TOTPCode(t, c.TOTPSecret, 30*time.Second)
			for _, form := range []url.Values{
				{"secret": {newSecret}, "code": {newCode}},
				{"secret": {newSecret}, "code": {newCode}, "password": {"not the password!"}, "current_code": {current}},
				{"secret": {newSecret}, "code": {newCode}, "password": {testrig.Password}},
				{"secret": {newSecret}, "code": {newCode}, "password": {testrig.Password}, "current_code": {"000000"}},
			} {
				if resp := c.PostForm(t, "/signin/enrol", form); resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("change with %v: %d", form, resp.StatusCode)
				}
			}
			if !signedIn(t, other) {
				t.Fatal("a refused change ended the other session")
			}
			resp := c.PostForm(t, "/signin/enrol", url.Values{"secret": {newSecret}, "code": {newCode}, "password": {testrig.Password}, "current_code": {current}})
			if body := testrig.Body(resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "recovery-codes") {
				t.Fatalf("change: %d", resp.StatusCode)
			}
			if !signedIn(t, c) || signedIn(t, other) {
				t.Fatal("after the change, this session must stay and the other end")
			}
			rig.DrainJobs(t)
			findMail(t, rig.OutboxDir(), u.Email, `(second factor of your cybernorms account was changed)`)
			// The old secret and old recovery codes are gone; the new secret works.
			x := pending(t, rig, u)
			if resp := x.PostForm(t, "/signin/second-factor", url.Values{"code": {c.RecoveryCodes[1]}}); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("an old recovery code: %d", resp.StatusCode)
			}
			if resp := x.PostForm(t, "/signin/second-factor", url.Values{"code": {testrig.TOTPCode(t, newSecret, 30*time.Second)}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("the new secret: %d", resp.StatusCode)
			}
		})
		t.Run("a stakeholder removes an optional factor under the same rule; a State account cannot", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.SignIn(t, u)
			secret := secretRE.FindStringSubmatch(c.GetBody(t, "/account/second-factor"))[1]
			if resp := c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {testrig.TOTPCode(t, secret, 0)}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("first factor without the password: %d", resp.StatusCode)
			}
			resp := c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {testrig.TOTPCode(t, secret, 0)}, "password": {testrig.Password}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("first factor: %d", resp.StatusCode)
			}
			if resp := c.PostForm(t, "/account/second-factor/remove", url.Values{"password": {testrig.Password}, "current_code": {"000000"}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("removal with a wrong code: %d", resp.StatusCode)
			}
			if resp := c.PostForm(t, "/account/second-factor/remove", url.Values{"password": {testrig.Password}, "current_code": {testrig.TOTPCode(t, secret, 30*time.Second)}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("removal: %d", resp.StatusCode)
			}
			if got, _ := rig.App.Services.Auth.ByEmail(rig.Ctx, u.Email); got.TOTPEnabled {
				t.Fatal("the factor is still on")
			}
			rig.DrainJobs(t)
			findMail(t, rig.OutboxDir(), u.Email, `(second factor of your cybernorms account was removed)`)

			s := rig.User(t, auth.RoleSecretariat, "")
			sc := rig.SignIn(t, s)
			if resp := sc.PostForm(t, "/account/second-factor/remove", url.Values{"password": {testrig.Password}, "current_code": {sc.RecoveryCodes[0]}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a secretariat account removed its factor: %d", resp.StatusCode)
			}
		})
	})
}

func TestSecondFactorSecretsAtRest(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := context.Background()
		u := rig.User(t, auth.RoleStateEditor, "JPN")
		c := rig.SignIn(t, u)
		var plain string
		var sealed []byte
		if err := rig.DB.QueryRowContext(ctx, `SELECT totp_secret, totp_sealed FROM users WHERE id = ?`, u.ID).Scan(&plain, &sealed); err != nil {
			t.Fatal(err)
		}
		if plain != "" || len(sealed) == 0 || bytes.Contains(sealed, []byte(c.TOTPSecret)) {
			t.Fatalf("TOTP secret at rest: plain %q, sealed %d bytes", plain, len(sealed))
		}
		rows, err := rig.DB.QueryContext(ctx, `SELECT code_hash FROM recovery_codes WHERE user_id = ?`, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		hashes := map[string]bool{}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			hashes[h] = true
			if !strings.HasPrefix(h, "$argon2id$") {
				t.Errorf("recovery code hash %q is not argon2id", h)
			}
		}
		rows.Close()
		if len(hashes) != 10 || hashes[id.Hash(c.RecoveryCodes[0])] {
			t.Fatalf("%d recovery code hashes (or an unsalted one)", len(hashes))
		}

		// A secret and a recovery code stored the old way are sealed and
		// re-hashed at start-up, and still work.
		old := rig.User(t, auth.RoleStateEditor, "JPN")
		oldSecret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		oldCode := "abcd-efgh-ijkl-mnop"
		if _, err := rig.DB.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_enabled = ? WHERE id = ?`, oldSecret, true, old.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := rig.DB.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, old.ID, id.Hash(oldCode)); err != nil {
			t.Fatal(err)
		}
		n, err := rig.App.Services.Auth.UpgradeSecrets(ctx)
		if err != nil || n != 2 {
			t.Fatalf("upgrade: %d, %v", n, err)
		}
		if n, err := rig.App.Services.Auth.UpgradeSecrets(ctx); err != nil || n != 0 {
			t.Fatalf("second upgrade: %d, %v", n, err)
		}
		if err := rig.DB.QueryRowContext(ctx, `SELECT totp_secret FROM users WHERE id = ?`, old.ID).Scan(&plain); err != nil || plain != "" {
			t.Fatalf("plain secret left: %q %v", plain, err)
		}
		x := pending(t, rig, old)
		if resp := x.PostForm(t, "/signin/second-factor", url.Values{"code": {oldCode}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("an old recovery code after the upgrade: %d", resp.StatusCode)
		}
		y := pending(t, rig, old)
		if resp := y.PostForm(t, "/signin/second-factor", url.Values{"code": {testrig.TOTPCode(t, oldSecret, 0)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("an old secret after the upgrade: %d", resp.StatusCode)
		}
	})
}

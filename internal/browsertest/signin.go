package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// SignIn signs the browser in through the real pages with email and
// password, enrolling a TOTP second factor when the page asks for one and
// entering a code when a later sign-in asks for it.
func SignIn(ctx context.Context, baseURL, email, password string) error {
	enrolled, err := signIn(ctx, baseURL, email, password)
	if err != nil || !enrolled {
		return err
	}
	return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`)))
}

// SignInUntil is SignIn that stops on whatever page follows the recovery
// codes (a passkey to register, when the secretariat requires one).
func SignInUntil(ctx context.Context, baseURL, email, password string) error {
	_, err := signIn(ctx, baseURL, email, password)
	return err
}

// factor is the second factor a sign-in in this process enrolled for an
// account: what a person keeps in an authenticator app and on paper.
type factor struct {
	secret string
	codes  []string // recovery codes not yet spent
	last   int64    // the last 30-second step whose code was accepted
}

// factors holds the enrolled factors by site and e-mail address (two test
// sites may each have an account with the same address).
var factors = struct {
	sync.Mutex
	m map[string]*factor
}{m: map[string]*factor{}}

// code returns the code for a later sign-in: the TOTP code of a step the
// server has not yet accepted (it accepts one step either side of now, each
// once and in order), or, when two sign-ins came too close for that, a
// recovery code.
func (f *factor) code(now time.Time) (string, error) {
	step := max(now.Unix()/30, f.last+1)
	if step <= now.Unix()/30+1 {
		f.last = step
		return totp.GenerateCode(f.secret, time.Unix(step*30, 0))
	}
	if len(f.codes) == 0 {
		return "", fmt.Errorf("no TOTP step left within the server's window and no recovery code left")
	}
	c := f.codes[0]
	f.codes = f.codes[1:]
	return c, nil
}

func signIn(ctx context.Context, baseURL, email, password string) (enrolled bool, err error) {
	err = chromedp.Do(ctx,
		chromedp.Navigate(baseURL+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		Submit(chromedp.ID("signin-submit")),
	)
	if err != nil {
		return false, fmt.Errorf("password step: %w", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/signin/second-factor") {
		return false, err
	}
	enrol, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById("totp-secret")`))
	if err != nil {
		return false, fmt.Errorf("second-factor page: %w", err)
	}
	key := baseURL + " " + email
	if !enrol {
		factors.Lock()
		f := factors.m[key]
		var code string
		if f == nil {
			err = fmt.Errorf("the page asks %s for a code, but no sign-in in this test enrolled the account's second factor", email)
		} else {
			code, err = f.code(time.Now())
		}
		factors.Unlock()
		if err != nil {
			return false, err
		}
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code), Submit(chromedp.ID("code-submit"))); err != nil {
			return false, fmt.Errorf("second factor: %w", err)
		}
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "/signin/second-factor") {
			msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			return false, fmt.Errorf("the code was refused: %.300s", msg)
		}
		return true, nil
	}
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		return false, fmt.Errorf("enrolment page: %w", err)
	}
	secret = strings.TrimSpace(secret)
	now := time.Now()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		return false, err
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
	)
	if err != nil {
		return false, err
	}
	list, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll("#recovery-codes li")].map(li => li.textContent.trim()))`))
	if err != nil {
		return false, fmt.Errorf("recovery codes: %w", err)
	}
	f := &factor{secret: secret, last: now.Unix() / 30}
	if err := json.Unmarshal([]byte(list), &f.codes); err != nil {
		return false, fmt.Errorf("recovery codes: %w", err)
	}
	factors.Lock()
	factors.m[key] = f
	factors.Unlock()
	return true, chromedp.Do(ctx, Submit(chromedp.ID("continue")))
}

// Submit clicks sel and waits until the browser has finished loading the
// document that the click leads to, even when it is at the same address.
// Waiting for an element instead is a race when the old page has it too:
// the next action then finds the old document being torn down ("Could not
// find node") or aborts the navigation still under way (net::ERR_ABORTED).
func Submit[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// A mark on the old document's window; the new document has none.
		if _, err := chromedp.Evaluate[bool](`window.cybernormsOld = true`)(ctx, t); err != nil {
			return err
		}
		if _, err := chromedp.Click(sel)(ctx, t); err != nil {
			return err
		}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			// Evaluating fails while the old document is torn down; try again.
			done, err := chromedp.Evaluate[bool](`!window.cybernormsOld && document.readyState === "complete"`)(ctx, t)
			if err == nil && done {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		return fmt.Errorf("no new page after clicking")
	})
}

package browsertest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// SignIn signs the browser in through the real pages with email and
// password, enrolling a TOTP second factor when the page asks for one.
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
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		return false, fmt.Errorf("enrolment page: %w", err)
	}
	code, err := totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		return false, err
	}
	return true, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
		Submit(chromedp.ID("continue")),
	)
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

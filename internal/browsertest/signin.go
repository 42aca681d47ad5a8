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
	err := chromedp.Do(ctx,
		chromedp.Navigate(baseURL+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitReady(chromedp.CSS("main")),
	)
	if err != nil {
		return fmt.Errorf("password step: %w", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/signin/second-factor") {
		return err
	}
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		return fmt.Errorf("enrolment page: %w", err)
	}
	code, err := totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		return err
	}
	return chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
		chromedp.Click(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`)),
	)
}

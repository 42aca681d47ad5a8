package capacity

import (
	"context"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/clock"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// The module's e-mails are written in each recipient's language, as
// reporting's and the bulletin's are: the subject and the text come from
// the catalogs (capacity.mail.*), State names, dates and numbers in that
// language. An account is written to in its language (the account page's
// setting); a person registered for an event without an account, in the
// language of the page they registered on, else in the event's first
// language.

// letter, tr and recipient are the platform's (platform.QueueLetter writes
// each language once).
type (
	letter    = platform.Letter
	tr        = platform.Tr
	recipient = platform.Recipient
)

// eventLang is the event's first language among the interface languages,
// for a person it has no other language for; "en" when it has none.
func eventLang(e Event) string {
	for _, l := range e.Languages {
		if web.KnownLanguage(l) {
			return l
		}
	}
	return "en"
}

// mailState queues l to every enabled editor and approver of a State.
func (s *Service) mailState(ctx context.Context, tx *db.Tx, iso3 string, l letter) error {
	to, err := platform.Accounts(ctx, tx, `state_iso3 = ? AND role IN ('state-editor', 'state-approver')`, iso3)
	if err != nil {
		return err
	}
	return s.P.QueueLetter(ctx, tx, to, l)
}

// mailOrg queues l to every enabled member of an organisation.
func (s *Service) mailOrg(ctx context.Context, tx *db.Tx, orgID string, l letter) error {
	to, err := platform.Accounts(ctx, tx, `org_id = ? AND role = 'stakeholder'`, orgID)
	if err != nil {
		return err
	}
	return s.P.QueueLetter(ctx, tx, to, l)
}

// mailOfferer queues l to whoever acts for an offer.
func (s *Service) mailOfferer(ctx context.Context, tx *db.Tx, o Offer, l letter) error {
	if o.ProviderKind == "state" {
		return s.mailState(ctx, tx, o.State, l)
	}
	return s.mailOrg(ctx, tx, o.OrgID, l)
}

// accountLang is the language of the account with the address email, or
// "" when there is none.
func accountLang(ctx context.Context, tx *db.Tx, email string) (string, error) {
	to, err := platform.Accounts(ctx, tx, `LOWER(email) = ?`, strings.ToLower(email))
	if err != nil || len(to) == 0 {
		return "", err
	}
	return to[0].Lang, nil
}

// providerName is who provides an offer, a State by its name in lang.
func providerName(o Offer, lang string) string {
	if o.ProviderKind == "state" {
		return stateName(o.State, lang)
	}
	return o.Provider
}

// organiserName is an event's organiser in lang.
func organiserName(e Event, lang string, t tr) string {
	switch {
	case e.OrganiserKey == "secretariat":
		return t("capacity.mail.secretariat")
	case strings.HasPrefix(e.OrganiserKey, "state-"):
		return stateName(strings.ToUpper(strings.TrimPrefix(e.OrganiserKey, "state-")), lang)
	}
	return e.Organiser
}

// reasonsText joins a match's reasons in lang: "norme (c), français,
// formation" (the timing is left out, as on the pages' short form).
func reasonsText(rs []Reason, t tr) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		switch r.Code {
		case "timing":
			continue
		case "norm":
			parts = append(parts, t(r.Key(), r.Arg()))
		default:
			parts = append(parts, t(r.Key()))
		}
	}
	return strings.Join(parts, ", ")
}

// eventWhen is an event's dates for running text in lang, in the event's
// time zone: "4 décembre 2026, 10:00 – 13:00 (America/New_York)", with
// both dates when it ends on another day.
func eventWhen(e Event, lang string, t tr) string {
	loc, err := clock.Location(e.TZ)
	if err != nil {
		loc = time.UTC
	}
	a, b := e.StartsAt.In(loc), e.EndsAt.In(loc)
	day := func(x time.Time) string { return web.LongDate(lang, x.Format("2006-01-02")) }
	if a.Format("2006-01-02") == b.Format("2006-01-02") {
		return t("capacity.mail.when_day", day(a), a.Format("15:04"), b.Format("15:04"), e.TZ)
	}
	return t("capacity.mail.when_days", day(a), a.Format("15:04"), day(b), b.Format("15:04"), e.TZ)
}

// eventWhere is an event's place and online link.
func eventWhere(e Event) string {
	return strings.TrimSpace(e.Place + " " + e.OnlineURL)
}

// registrant is an event registration's address, the language of the page
// it was made on and, when it was made signed in, the account's language.
type registrant struct{ email, lang, account string }

// of is the registrant as a recipient of the event's e-mails.
func (r registrant) of(e Event) recipient {
	return recipient{Email: r.email, Lang: registrantLang(r.account, r.lang, e)}
}

// registrantLang is the language a registrant is written to in: the
// account's, for a registration made signed in; else the page's it was
// made on; else the event's first language.
func registrantLang(account, page string, e Event) string {
	if web.KnownLanguage(account) {
		return account
	}
	if web.KnownLanguage(page) {
		return page
	}
	return eventLang(e)
}

// registrants reads the registrations of an event that cond (on
// capacity_registrations r, with args) selects, as recipients.
func registrants(ctx context.Context, tx *db.Tx, e Event, cond string, args ...any) ([]recipient, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.email, r.lang, COALESCE(u.lang, '') FROM capacity_registrations r LEFT JOIN users u ON u.id = r.user_id
		WHERE `+cond+` ORDER BY r.created_at, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recipient
	for rows.Next() {
		var r registrant
		if err := rows.Scan(&r.email, &r.lang, &r.account); err != nil {
			return nil, err
		}
		out = append(out, r.of(e))
	}
	return out, rows.Err()
}

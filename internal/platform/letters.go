package platform

import (
	"context"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Recipient is an address and the language its e-mail is written in.
type Recipient struct{ Email, Lang string }

// Accounts reads the address and language of the enabled accounts that
// cond (a condition on users, with args) selects, ordered by address.
func Accounts(ctx context.Context, q db.Querier, cond string, args ...any) ([]Recipient, error) {
	rows, err := q.QueryContext(ctx, `SELECT email, lang FROM users WHERE (`+cond+`) AND disabled = ? ORDER BY email`, append(args, false)...)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.Email, &r.Lang); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MailLang is lang if it is one of the interface languages, else "en".
func MailLang(lang string) string {
	if web.KnownLanguage(lang) {
		return lang
	}
	return "en"
}

// Tr translates a catalog key in one language; whole-number arguments are
// written by the platform's number formatter.
type Tr func(key string, args ...any) string

// T is the catalog's translator for lang.
func (s *Services) T(lang string) Tr {
	return func(key string, args ...any) string { return s.Site.Catalog.T(lang, key, args...) }
}

// Letter writes one e-mail in lang: its subject and its text; t is the
// catalog in that language.
type Letter func(lang string, t Tr) (subject, text string)

// QueueLetter queues l inside tx to each recipient in its language (an
// unknown language is English), each language written once; the message
// is sent if and only if tx commits.
func (s *Services) QueueLetter(ctx context.Context, tx db.Querier, to []Recipient, l Letter) error {
	type written struct{ subject, text string }
	seen := map[string]written{}
	for _, r := range to {
		lang := MailLang(r.Lang)
		w, ok := seen[lang]
		if !ok {
			w.subject, w.text = l(lang, s.T(lang))
			seen[lang] = w
		}
		if err := s.QueueMail(ctx, tx, cnmail.Message{To: r.Email, Subject: w.subject, Text: w.text}); err != nil {
			return fmt.Errorf("mail to %s: %w", r.Email, err)
		}
	}
	return nil
}

package participation

import (
	"context"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Recipients of participation e-mails.
type recipients struct {
	orgID       string // the applicant's users
	secretariat bool
	approvers   bool   // every State's approvers
	stateISO3   string // one State's approvers
}

func (s *Service) addresses(ctx context.Context, q db.Querier, r recipients) ([]platform.Recipient, error) {
	var cond []string
	var args []any
	if r.orgID != "" {
		cond = append(cond, `org_id = ?`)
		args = append(args, r.orgID)
	}
	if r.secretariat {
		cond = append(cond, `role = ?`)
		args = append(args, string(auth.RoleSecretariat))
	}
	if r.approvers {
		cond = append(cond, `role = ?`)
		args = append(args, string(auth.RoleStateApprover))
	}
	if r.stateISO3 != "" {
		cond = append(cond, `(role = ? AND state_iso3 = ?)`)
		args = append(args, string(auth.RoleStateApprover), r.stateISO3)
	}
	if len(cond) == 0 {
		return nil, nil
	}
	return platform.Accounts(ctx, q, strings.Join(cond, " OR "), args...)
}

// notify queues one message per recipient inside tx, in the recipient's
// language, so nobody is told of a step that rolled back; l writes the
// subject and text in a language, and the link to path follows the text.
func (s *Service) notify(ctx context.Context, tx *db.Tx, r recipients, path string, l platform.Letter) error {
	to, err := s.addresses(ctx, tx, r)
	if err != nil {
		return err
	}
	return s.Svc.QueueLetter(ctx, tx, to, func(lang string, t platform.Tr) (string, string) {
		subject, text := l(lang, t)
		return subject, text + "\n\n" + s.Svc.Link(path) + "\n"
	})
}

// mailTarget is what an application is for, in the catalog's language.
func (a Application) mailTarget(t platform.Tr) string {
	if a.SessionTitle != "" {
		return a.SessionTitle
	}
	return t("participation.mail.standing_target", a.BodySlug)
}

// mailTime is a deadline in running text: the long date in lang, the time
// in UTC.
func mailTime(lang string, at time.Time) string {
	return web.LongDate(lang, at) + " " + at.UTC().Format("15:04") + " UTC"
}

// mailState is a State's name in lang.
func mailState(iso3, lang string) string {
	if st, ok := states.ByISO3(iso3); ok {
		return st.Name(lang)
	}
	return iso3
}

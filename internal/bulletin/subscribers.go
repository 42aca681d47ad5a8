package bulletin

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Subscriber statuses. Only "confirmed" addresses receive the bulletin.
const (
	SubPending      = "pending"
	SubConfirmed    = "confirmed"
	SubUnsubscribed = "unsubscribed"
	SubBounced      = "bounced"
	SubComplained   = "complained"
)

// Token errors: a link that was forged, has expired or was already used.
var (
	ErrBadToken    = errors.New("the link is not valid: it may have been mistyped, have expired or already been used")
	ErrAlreadyDone = errors.New("this address is not subscribed (any more)")
)

// confirmTTL is how long a confirmation link works.
const confirmTTL = 7 * 24 * time.Hour

// ParseAddress checks and normalises a subscriber's address: a bare
// address (no display name), at most 254 characters, lower-cased.
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return "", invalid("email", "enter an e-mail address such as name@example.org")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || strings.ContainsAny(s, "\r\n<>\"") {
		return "", invalid("email", "%q is not an e-mail address", s)
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", invalid("email", "%q is not an e-mail address with a domain", s)
	}
	return strings.ToLower(s), nil
}

type subscriber struct {
	ID, Email, Lang, Status string
}

func loadSubscriberByEmail(ctx context.Context, q db.Querier, email string) (*subscriber, error) {
	var s subscriber
	err := q.QueryRowContext(ctx, `SELECT id, email, lang, status FROM bulletin_subscribers WHERE email = ?`, email).Scan(&s.ID, &s.Email, &s.Lang, &s.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &s, err
}

// Subscribe asks for an address to join the list. Nothing is added until
// the address confirms: a new or unsubscribed address is sent a
// confirmation link; a pending one gets a fresh link; a confirmed one is
// left as it is (so re-subscribing is harmless); a bounced or complained
// one is never mailed again. The answer is the same in every case, so the
// form does not reveal who is subscribed.
func (s *Service) Subscribe(ctx context.Context, email, lang string) error {
	addr, err := ParseAddress(email)
	if err != nil {
		return err
	}
	if !web.KnownLanguage(lang) {
		return invalid("lang", "%q is not one of ar, zh, en, fr, ru, es", lang)
	}
	return retryChanged(func() error { return s.subscribeTx(ctx, addr, lang) })
}

func (s *Service) subscribeTx(ctx context.Context, addr, lang string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		sub, err := loadSubscriberByEmail(ctx, tx, addr)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		if sub != nil && (sub.Status == SubConfirmed || sub.Status == SubBounced || sub.Status == SubComplained) {
			if sub.Status == SubConfirmed && sub.Lang != lang {
				if _, err := tx.ExecContext(ctx, `UPDATE bulletin_subscribers SET lang = ?, updated_at = ? WHERE id = ?`, lang, now, sub.ID); err != nil {
					return err
				}
				return audit.Record(ctx, tx, "bulletin.subscriber.lang", "bulletin_subscriber", sub.ID, map[string]string{"lang": sub.Lang}, map[string]string{"lang": lang})
			}
			return nil
		}
		token := id.Secret(20)
		before := ""
		var res sql.Result
		if sub == nil {
			sub = &subscriber{ID: id.New(), Email: addr, Lang: lang, Status: SubPending}
			res, err = tx.ExecContext(ctx, `INSERT INTO bulletin_subscribers (id, email, lang, status, confirm_hash, confirm_until, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sub.ID, addr, lang, SubPending, id.Hash(token), now.Add(confirmTTL), now, now)
		} else {
			before = sub.Status
			res, err = tx.ExecContext(ctx, `UPDATE bulletin_subscribers SET status = ?, lang = ?, confirm_hash = ?, confirm_until = ?, updated_at = ? WHERE id = ? AND status = ?`,
				SubPending, lang, id.Hash(token), now.Add(confirmTTL), now, sub.ID, before)
		}
		if err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		if n == 0 {
			return errChangedMeanwhile
		}
		if err := moveCount(ctx, tx, before, SubPending, n); err != nil {
			return err
		}
		T := func(key string, args ...any) string { return s.Site.Catalog.T(lang, key, args...) }
		link := s.Link("/bulletin/confirm?token=" + token)
		if err := s.QueueMail(ctx, tx, cnmail.Message{To: addr, Subject: T("bulletin.mail.confirm_subject"),
			Text: T("bulletin.mail.confirm_text") + "\n\n" + link + "\n\n" + T("bulletin.mail.confirm_ignore") + "\n"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.subscriber.request", "bulletin_subscriber", sub.ID, map[string]string{"status": before}, map[string]string{"status": SubPending, "lang": lang})
	})
}

// Confirm turns a pending address into a subscriber, once, with the token
// from its confirmation link, and sends the welcome message.
func (s *Service) Confirm(ctx context.Context, token string) error {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 100 {
		return ErrBadToken
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var sub subscriber
		var until time.Time
		err := tx.QueryRowContext(ctx, `SELECT id, email, lang, status, confirm_until FROM bulletin_subscribers WHERE confirm_hash = ?`, id.Hash(token)).
			Scan(&sub.ID, &sub.Email, &sub.Lang, &sub.Status, &until)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (sub.Status != SubPending || until.Before(time.Now())) {
			return ErrBadToken
		}
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		res, err := tx.ExecContext(ctx, `UPDATE bulletin_subscribers SET status = ?, confirm_hash = NULL, confirm_until = NULL, confirmed_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			SubConfirmed, now, now, sub.ID, SubPending)
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		// Another transaction used the token (or suppressed the address)
		// since the read: it is no longer a pending address to confirm.
		if n != 1 {
			return ErrBadToken
		}
		if err := moveCount(ctx, tx, SubPending, SubConfirmed, 1); err != nil {
			return err
		}
		key, err := s.listKey(ctx, tx)
		if err != nil {
			return err
		}
		T := func(k string, args ...any) string { return s.Site.Catalog.T(sub.Lang, k, args...) }
		unsub := s.UnsubscribeURL(key, sub.ID)
		m := cnmail.Message{To: sub.Email, Subject: T("bulletin.mail.welcome_subject"),
			Text: T("bulletin.mail.welcome_text") + "\n\n" + T("bulletin.mail.unsubscribe_line") + "\n" + unsub + "\n", Headers: listHeaders(unsub)}
		if err := s.QueueMail(ctx, tx, m); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.subscriber.confirm", "bulletin_subscriber", sub.ID, map[string]string{"status": SubPending}, map[string]string{"status": SubConfirmed})
	})
}

// listHeaders are the RFC 2369 / RFC 8058 headers of every list message.
func listHeaders(unsub string) map[string]string {
	return map[string]string{
		"List-Unsubscribe":      "<" + unsub + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"List-Id":               "cybernorms threat-intelligence bulletin <bulletin.cybernorms.invalid>",
	}
}

// listKey returns the secret that signs unsubscribe links, made once and
// shared by every instance through the settings table.
func (s *Service) listKey(ctx context.Context, q db.Querier) ([]byte, error) {
	const name = "bulletin.list_key"
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		v = id.Secret(32)
		if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, name, v); err != nil {
			return nil, fmt.Errorf("list key: %w", err)
		}
		err = q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, name).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("list key: %w", err)
	}
	return []byte(v), nil
}

func unsubToken(key []byte, subID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("unsubscribe:" + subID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:24])
}

// UnsubscribeURL is a subscriber's own unsubscribe link.
func (s *Service) UnsubscribeURL(key []byte, subID string) string {
	return s.Link("/bulletin/unsubscribe?s=" + subID + "&t=" + unsubToken(key, subID))
}

// CheckUnsubscribe verifies an unsubscribe link without changing anything
// and returns the address it is for.
func (s *Service) CheckUnsubscribe(ctx context.Context, subID, token string) (string, error) {
	key, err := s.listKey(ctx, s.DB)
	if err != nil {
		return "", err
	}
	if !id.Valid(subID) || !hmac.Equal([]byte(token), []byte(unsubToken(key, subID))) {
		return "", ErrBadToken
	}
	var email, status string
	if err := s.DB.QueryRowContext(ctx, `SELECT email, status FROM bulletin_subscribers WHERE id = ?`, subID).Scan(&email, &status); err != nil {
		return "", ErrBadToken
	}
	if status != SubConfirmed {
		return email, ErrAlreadyDone
	}
	return email, nil
}

// Unsubscribe removes a subscriber with the signed link from a message.
func (s *Service) Unsubscribe(ctx context.Context, subID, token string) error {
	if _, err := s.CheckUnsubscribe(ctx, subID, token); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bulletin_subscribers SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, SubUnsubscribed, time.Now().UTC(), subID, SubConfirmed)
		if err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrAlreadyDone
		}
		if err := moveCount(ctx, tx, SubConfirmed, SubUnsubscribed, 1); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.subscriber.unsubscribe", "bulletin_subscriber", subID, map[string]string{"status": SubConfirmed}, map[string]string{"status": SubUnsubscribed})
	})
}

// Suppression kinds.
const (
	KindBounce    = "bounce"
	KindComplaint = "complaint"
)

// Suppress marks an address as bounced or complained: it gets no more mail
// from the list, even if it subscribes again. It reports whether the
// address was known.
func (s *Service) Suppress(ctx context.Context, email, kind string) (bool, error) {
	addr, err := ParseAddress(email)
	if err != nil {
		return false, err
	}
	status := SubBounced
	switch kind {
	case KindBounce, "":
	case KindComplaint:
		status = SubComplained
	default:
		return false, invalid("kind", "must be bounce or complaint")
	}
	found := false
	err = retryChanged(func() error {
		return s.DB.InTx(ctx, func(tx *db.Tx) error {
			sub, err := loadSubscriberByEmail(ctx, tx, addr)
			if err != nil || sub == nil {
				return err
			}
			found = true
			if sub.Status == status {
				return nil
			}
			res, err := tx.ExecContext(ctx, `UPDATE bulletin_subscribers SET status = ?, confirm_hash = NULL, updated_at = ? WHERE id = ? AND status = ?`, status, time.Now().UTC(), sub.ID, sub.Status)
			if err != nil {
				return fmt.Errorf("suppress: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("suppress: %w", err)
			}
			if n == 0 {
				return errChangedMeanwhile
			}
			if err := moveCount(ctx, tx, sub.Status, status, n); err != nil {
				return err
			}
			return audit.Record(ctx, tx, "bulletin.subscriber."+kindOr(kind), "bulletin_subscriber", sub.ID, map[string]string{"status": sub.Status}, map[string]string{"status": status})
		})
	})
	return found, err
}

func kindOr(k string) string {
	if k == "" {
		return KindBounce
	}
	return k
}

// ImportResult counts what ImportSuppressions did.
type ImportResult struct {
	Marked  int      `json:"marked"`
	Unknown int      `json:"unknown"`
	Errors  []string `json:"errors,omitempty"`
}

// ImportSuppressions reads lines "address[,bounce|complaint]" (a relay's
// bounce export) and suppresses each address; blank lines and lines
// starting with # are skipped. The command line calls it with a file.
func (s *Service) ImportSuppressions(ctx context.Context, r io.Reader) (ImportResult, error) {
	var res ImportResult
	sc := bufio.NewScanner(io.LimitReader(r, 64<<20))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		addr, kind, _ := strings.Cut(line, ",")
		found, err := s.Suppress(ctx, addr, strings.TrimSpace(kind))
		var fe *FieldError
		switch {
		case errors.As(err, &fe):
			if len(res.Errors) < 100 {
				res.Errors = append(res.Errors, fmt.Sprintf("line %d: %s", n, fe.Reason))
			}
		case err != nil:
			return res, err
		case found:
			res.Marked++
		default:
			res.Unknown++
		}
	}
	return res, sc.Err()
}

// BulkConfirmed adds already-confirmed subscribers in batches (the demo
// generator and migrations from another list manager). Every address is
// validated; duplicates are skipped. It returns how many were added.
func (s *Service) BulkConfirmed(ctx context.Context, emails []string, lang string) (int, error) {
	if !web.KnownLanguage(lang) {
		return 0, invalid("lang", "%q is not a known language", lang)
	}
	added := 0
	const batch = 500
	for start := 0; start < len(emails); start += batch {
		end := min(start+batch, len(emails))
		var args []any
		var vals []string
		now := time.Now().UTC()
		for _, e := range emails[start:end] {
			addr, err := ParseAddress(e)
			if err != nil {
				return added, err
			}
			vals = append(vals, "(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, id.New(), addr, lang, SubConfirmed, now, now, now)
		}
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO bulletin_subscribers (id, email, lang, status, created_at, confirmed_at, updated_at) VALUES `+
				strings.Join(vals, ", ")+` ON CONFLICT (email) DO NOTHING`, args...)
			if err != nil {
				return fmt.Errorf("bulk subscribers: %w", err)
			}
			// Only the rows inserted count: ON CONFLICT skipped the others.
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("bulk subscribers: %w", err)
			}
			if err := moveCount(ctx, tx, "", SubConfirmed, n); err != nil {
				return err
			}
			added += int(n)
			return audit.Record(ctx, tx, "bulletin.subscriber.bulk", "bulletin_subscriber", "", nil, map[string]int{"added": int(n)})
		})
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

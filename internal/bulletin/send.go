package bulletin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
)

// JobSend is the job kind that sends an issue to the list.
const JobSend = "bulletin.send"

// Delivery statuses. A delivery is claimed ("sending") before its message
// goes to the relay and marked "sent" after; see docs/modules/bulletin.md
// for what a crash between the two means.
const (
	DelPending   = "pending"
	DelSending   = "sending"
	DelSent      = "sent"
	DelFailed    = "failed"
	DelUncertain = "uncertain"
	DelSkipped   = "skipped"
)

// maxDeliveryAttempts is how often a failing address is tried.
const maxDeliveryAttempts = 5

type sendPayload struct {
	IssueID string `json:"issue_id"`
	Part    int    `json:"part"`
}

// StartSending sends a published issue to every confirmed subscriber, at
// most rate messages a second (0: as fast as the relay takes them). An
// issue is sent once; starting again is a conflict.
func (s *Service) StartSending(ctx context.Context, u *auth.User, issueID string, rate int) error {
	if u == nil || u.Role != auth.RoleSecretariat {
		return ErrForbidden
	}
	if rate < 0 || rate > 100000 {
		return invalid("rate", "must be from 0 (no limit) to 100,000 messages a second")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		is, err := loadIssue(ctx, tx, issueID)
		if err != nil {
			return err
		}
		if is.Status != IssuePublished {
			return &StateError{Reason: "publish the issue before sending it"}
		}
		now := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_sends (issue_id, status, rate, started_at) VALUES (?, ?, ?, ?)`, is.ID, "running", rate, now); err != nil {
			if db.IsUniqueViolation(err) {
				return &StateError{Reason: "this issue has already been sent to the list"}
			}
			return fmt.Errorf("start sending: %w", err)
		}
		if _, err := jobs.Enqueue(ctx, tx, JobSend, sendPayload{IssueID: is.ID}, jobs.Options{UniqueKey: JobSend + ":" + is.ID + ":0", MaxAttempts: 20}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.issue.send", "bulletin_issue", is.ID, nil, map[string]int{"rate": rate})
	})
}

// Progress is what the editor sees while an issue goes out.
type Progress struct {
	Status    string  `json:"status"`
	Total     int     `json:"total"`
	Sent      int     `json:"sent"`
	Failed    int     `json:"failed"`
	Uncertain int     `json:"uncertain"`
	Skipped   int     `json:"skipped"`
	Remaining int     `json:"remaining"`
	Rate      float64 `json:"rate_per_second"`
	Limit     int     `json:"rate_limit"`
	Errors    []struct {
		Address string `json:"address"`
		Error   string `json:"error"`
	} `json:"errors,omitempty"`
}

// SendProgress reports an issue's sending, or ErrNotFound before it starts.
func (s *Service) SendProgress(ctx context.Context, issueID string) (*Progress, error) {
	var p Progress
	var started time.Time
	err := s.DB.QueryRowContext(ctx, `SELECT status, rate, started_at FROM bulletin_sends WHERE issue_id = ?`, issueID).Scan(&p.Status, &p.Limit, &started)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT status, COUNT(*) FROM bulletin_deliveries WHERE issue_id = ? GROUP BY status`, issueID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return nil, err
		}
		p.Total += n
		switch st {
		case DelSent:
			p.Sent = n
		case DelFailed:
			p.Failed = n
		case DelUncertain:
			p.Uncertain = n
		case DelSkipped:
			p.Skipped = n
		default:
			p.Remaining += n
		}
	}
	rows.Close()
	if p.Status == "running" && p.Total == 0 {
		p.Remaining, _ = s.confirmedCount(ctx)
	}
	var last sql.NullTime
	_ = s.DB.QueryRowContext(ctx, `SELECT sent_at FROM bulletin_deliveries WHERE issue_id = ? AND status = ? ORDER BY sent_at DESC LIMIT 1`, issueID, DelSent).Scan(&last)
	if last.Valid && p.Sent > 0 {
		if d := last.Time.Sub(started).Seconds(); d > 0 {
			p.Rate = float64(p.Sent) / d
		}
	}
	erows, err := s.DB.QueryContext(ctx, `SELECT s.email, d.last_error FROM bulletin_deliveries d JOIN bulletin_subscribers s ON s.id = d.subscriber_id
		WHERE d.issue_id = ? AND d.status = ? ORDER BY d.subscriber_id LIMIT 50`, issueID, DelFailed)
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var e struct {
			Address string `json:"address"`
			Error   string `json:"error"`
		}
		if err := erows.Scan(&e.Address, &e.Error); err != nil {
			return nil, err
		}
		p.Errors = append(p.Errors, e)
	}
	return &p, erows.Err()
}

// runSend is the sending job: it makes one delivery row per confirmed
// subscriber, then claims, sends and records them in batches until none
// is due, for at most SendSlice; what is left goes to a continuation job.
func (s *Service) runSend(ctx context.Context, payload json.RawMessage) error {
	var p sendPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var status, cursor string
	var rate int
	err := s.DB.QueryRowContext(ctx, `SELECT status, rate, cursor_id FROM bulletin_sends WHERE issue_id = ?`, p.IssueID).Scan(&status, &rate, &cursor)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("send %s: %w", p.IssueID, err))
	}
	if status != "running" {
		return nil
	}
	// A previous run of this issue died between claiming and recording:
	// settle its claimed messages from the journal (journal.go).
	if err := s.recoverSending(ctx, p.IssueID); err != nil {
		return err
	}
	if err := s.materialise(ctx, p.IssueID, cursor); err != nil {
		return err
	}
	if s.DB.Dialect == db.Postgres {
		// The table may have grown by the whole list just now; without fresh
		// statistics the planner reads every delivery for each claim.
		if _, err := s.DB.ExecContext(ctx, `ANALYZE bulletin_deliveries`); err != nil {
			return err
		}
	}
	is, err := loadIssue(ctx, s.DB, p.IssueID)
	if err != nil {
		return jobs.Permanent(err)
	}
	content, err := s.Content(ctx, nil, is) // the list is public: TLP:CLEAR only
	if err != nil {
		return err
	}
	key, err := s.listKey(ctx, s.DB)
	if err != nil {
		return err
	}
	domain := "cybernorms.invalid"
	if _, d, ok := strings.Cut(s.MailFrom, "@"); ok {
		domain = strings.TrimRight(d, "> ")
	}
	journal, err := openJournal(s.journalPath(is.ID))
	if err != nil {
		return err
	}
	defer journal.close()
	r := &sendRun{svc: s, issue: is, content: content, key: key, domain: domain, journal: journal, rendered: map[string]*issueMail{}}
	slice := s.SendSlice
	if slice <= 0 {
		slice = 3 * time.Minute
	}
	deadline := time.Now().Add(slice)
	if err := r.run(ctx, rate, deadline); err != nil {
		return err
	}
	// Anything left? Either retries waiting for their backoff or work cut
	// off by the deadline: hand over to a continuation job.
	var next sql.NullTime
	err = s.DB.QueryRowContext(ctx, `SELECT next_at FROM bulletin_deliveries WHERE issue_id = ? AND status = ? ORDER BY next_at LIMIT 1`, p.IssueID, DelPending).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if next.Valid {
			_, err := jobs.Enqueue(ctx, tx, JobSend, sendPayload{IssueID: p.IssueID, Part: p.Part + 1},
				jobs.Options{UniqueKey: fmt.Sprintf("%s:%s:%d", JobSend, p.IssueID, p.Part+1), RunAt: next.Time, MaxAttempts: 20})
			return err
		}
		now := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE bulletin_sends SET status = ?, finished_at = ? WHERE issue_id = ?`, "done", now, p.IssueID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "bulletin.issue.sent", "bulletin_issue", p.IssueID, nil, map[string]string{"status": "done"})
	})
	if err == nil && !next.Valid {
		s.removeJournal(p.IssueID)
	}
	return err
}

// materialise pages through confirmed subscribers by id and adds their
// delivery rows, checkpointing the cursor with each batch.
func (s *Service) materialise(ctx context.Context, issueID, cursor string) error {
	const batch = 1000
	for {
		rows, err := s.DB.QueryContext(ctx, `SELECT id FROM bulletin_subscribers WHERE status = ? AND id > ? ORDER BY id LIMIT ?`, SubConfirmed, cursor, batch)
		if err != nil {
			return fmt.Errorf("page subscribers: %w", err)
		}
		var ids []string
		for rows.Next() {
			var x string
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		now := time.Now().UTC()
		err = s.DB.InTx(ctx, func(tx *db.Tx) error {
			vals := make([]string, len(ids))
			args := make([]any, 0, 4*len(ids))
			for i, x := range ids {
				vals[i] = "(?, ?, ?, ?)"
				args = append(args, issueID, x, DelPending, now)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_deliveries (issue_id, subscriber_id, status, next_at) VALUES `+strings.Join(vals, ", ")+
				` ON CONFLICT (issue_id, subscriber_id) DO NOTHING`, args...); err != nil {
				return fmt.Errorf("add deliveries: %w", err)
			}
			_, err := tx.ExecContext(ctx, `UPDATE bulletin_sends SET cursor_id = ? WHERE issue_id = ?`, ids[len(ids)-1], issueID)
			return err
		})
		if err != nil {
			return err
		}
		cursor = ids[len(ids)-1]
	}
}

type recipient struct {
	subID, email, lang string
}

type outcome struct {
	subID string
	err   error
	// uncertain: the message was committed to the relay (its end of data
	// written) and then no answer came, so it may have been delivered.
	uncertain bool
}

// sendRun is one pass of the pipeline: a producer claims batches, workers
// render and send, a recorder writes the results back in batches.
type sendRun struct {
	svc     *Service
	issue   *Issue
	content *IssueContent
	key     []byte
	domain  string
	journal *sendJournal
	cursor  string // the last subscriber claimed (see claim)

	mu       sync.Mutex
	rendered map[string]*issueMail
}

// issueMail is the issue's email in one language, rendered once per run:
// the templates' output, and the MIME message encoded once (a mail.Template)
// for senders that take rendered messages.
type issueMail struct {
	renderedIssue
	tmpl *cnmail.Template
}

func (r *sendRun) render(lang string) (*issueMail, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if im, ok := r.rendered[lang]; ok {
		return im, nil
	}
	ri, err := r.svc.renderIssueMail(r.content, lang)
	if err != nil {
		return nil, err
	}
	tmpl, err := cnmail.NewTemplate(cnmail.Message{From: r.svc.MailFrom, Subject: ri.Subject, Text: ri.Text, HTML: ri.HTML,
		Headers: listHeaders(unsubscribePlaceholder)}, unsubscribePlaceholder)
	if err != nil {
		return nil, err
	}
	im := &issueMail{renderedIssue: ri, tmpl: tmpl}
	r.rendered[lang] = im
	return im, nil
}

// messageID is fixed by (issue, subscriber), so that a receiving system
// can tell a duplicate too.
func (r *sendRun) messageID(rc recipient) string {
	return "<" + strings.ToLower(r.issue.ID+"."+rc.subID) + "@" + r.domain + ">"
}

// message is the issue for one recipient, with their own unsubscribe link.
func (r *sendRun) message(rc recipient) (cnmail.Message, error) {
	im, err := r.render(rc.lang)
	if err != nil {
		return cnmail.Message{}, err
	}
	unsub := r.svc.UnsubscribeURL(r.key, rc.subID)
	return cnmail.Message{
		From: r.svc.MailFrom, To: rc.email, Subject: im.Subject,
		Text:      strings.ReplaceAll(im.Text, unsubscribePlaceholder, unsub),
		HTML:      strings.ReplaceAll(im.HTML, unsubscribePlaceholder, html.EscapeString(unsub)),
		Headers:   listHeaders(unsub),
		MessageID: r.messageID(rc),
	}, nil
}

// send hands one recipient's copy to the mailer: a copy of the issue's
// template when the mailer takes rendered messages (the pooled SMTP sender
// and the outbox do), otherwise a whole message for it to render. It writes
// the message's fate to the journal as it goes: committed just before the
// end of data, then accepted or refused. buf is the worker's own buffer,
// which the copy is written into (and grown) message after message.
func (r *sendRun) send(ctx context.Context, rc recipient, buf *[]byte) outcome {
	committed := false // the end of data left: the relay may have it
	commit := func() error {
		if err := r.journal.add(evCommitted, rc.subID); err != nil {
			return err // not committed: the message is abandoned and retried
		}
		committed = true
		return nil
	}
	var err error
	if rs, ok := r.svc.Mailer.(cnmail.RenderedSender); ok {
		var raw cnmail.Rendered
		if raw, err = r.copyFor(rc, (*buf)[:0]); err == nil {
			*buf = raw.Data
			raw.OnCommit = commit
			err = rs.SendRendered(ctx, raw)
		}
	} else {
		// A mailer that renders itself has no commit point to report: for
		// a run that dies, the message counts as committed from the moment
		// it is handed over; its errors are retried as they come.
		var m cnmail.Message
		if m, err = r.message(rc); err == nil {
			if err = r.journal.add(evCommitted, rc.subID); err == nil {
				if err = r.svc.Mailer.Send(ctx, m); err != nil {
					_ = r.journal.add(evRefused, rc.subID)
				}
			}
		}
	}
	o := outcome{subID: rc.subID, err: err}
	var se *cnmail.SendError
	switch {
	case err == nil:
		_ = r.journal.add(evSent, rc.subID) // the coordinator records it too
	case !committed:
	case errors.As(err, &se) && se.Code == 0:
		// No answer after the end of data (a timeout, a dropped session).
		o.uncertain = true
	default:
		// The relay refused it, or the outbox could not put the file in
		// place: it was not delivered, and is tried again.
		_ = r.journal.add(evRefused, rc.subID)
	}
	return o
}

// copyFor renders one recipient's copy of the issue's template into dst.
func (r *sendRun) copyFor(rc recipient, dst []byte) (cnmail.Rendered, error) {
	im, err := r.render(rc.lang)
	if err != nil {
		return cnmail.Rendered{}, err
	}
	unsub := r.svc.UnsubscribeURL(r.key, rc.subID)
	return im.tmpl.AppendRender(dst, cnmail.TemplateRecipient{To: rc.email, MessageID: r.messageID(rc),
		Headers: map[string]string{"List-Unsubscribe": "<" + unsub + ">"}, Value: unsub}, time.Now())
}

// recordEvery and recordAfter bound how long an outcome waits before it is
// written back: at most recordEvery outcomes, or recordAfter.
const (
	recordEvery = 500
	recordAfter = 200 * time.Millisecond
)

// run is the pipeline's coordinator. It alone talks to the database: in one
// transaction it records the outcomes received so far and claims the next
// batch, whenever fewer than a batch of claimed recipients wait to be sent,
// so the workers always have the next batch at hand and the send's writes
// never queue behind one another. Workers render and send.
func (r *sendRun) run(ctx context.Context, rate int, deadline time.Time) error {
	workers := r.svc.SendWorkers
	if workers <= 0 {
		workers = 8
	}
	batch := r.svc.SendBatch
	if batch <= 0 {
		batch = 200
	}
	if rate > 0 {
		// At most a few seconds of messages claimed ahead, so that a slow
		// send stops soon after its deadline and leaves few rows in flight.
		batch = max(1, min(batch, 5*rate))
	}
	// Both channels hold a batch, so that workers go on sending and
	// reporting while the coordinator is in a transaction.
	work := make(chan recipient, batch)
	results := make(chan outcome, batch)
	var tick <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		tick = t.C
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []byte // this worker's message buffer, reused
			for rc := range work {
				if tick != nil {
					select {
					case <-tick:
					case <-ctx.Done():
						results <- outcome{subID: rc.subID, err: ctx.Err()}
						continue
					}
				}
				results <- r.send(ctx, rc, &buf)
			}
		})
	}

	var (
		queue     []recipient // claimed, not yet handed to a worker
		done      []outcome   // received, not yet recorded
		inFlight  int         // handed to a worker, outcome not yet received
		exhausted bool        // nothing more to claim in this run
		firstErr  error
	)
	// syncDB records done and, when claim is set, claims the next batch.
	// Outcomes that cannot be recorded leave their rows "sending", which the
	// next run marks uncertain.
	syncDB := func(claim bool) {
		n := 0
		if claim {
			n = batch
		}
		claimed, err := r.sync(ctx, done, n)
		if err != nil && n > 0 && len(done) > 0 {
			// The claim failed and took the record with it: record alone.
			_, _ = r.sync(ctx, done, 0)
		}
		done = done[:0]
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			exhausted = true
			return
		}
		queue = append(queue, claimed...)
		if claim && len(claimed) == 0 {
			exhausted = true
		}
	}
	flush := time.NewTicker(recordAfter)
	defer flush.Stop()
	for {
		if !exhausted && (ctx.Err() != nil || !time.Now().Before(deadline)) {
			exhausted = true
		}
		switch {
		case !exhausted && len(queue)+len(work) < batch:
			syncDB(true)
		case len(done) >= recordEvery:
			syncDB(false)
		}
		if exhausted && len(queue) == 0 && inFlight == 0 {
			break
		}
		var out chan<- recipient
		var next recipient
		if len(queue) > 0 {
			out, next = work, queue[0]
		}
		select {
		case out <- next:
			queue = queue[1:]
			inFlight++
		case o := <-results:
			done = append(done, o)
			inFlight--
		case <-flush.C:
			if len(done) > 0 {
				syncDB(false)
			}
		}
	}
	close(work)
	wg.Wait()
	if len(done) > 0 {
		syncDB(false)
	}
	return firstErr
}

// sync runs one transaction of the coordinator: it writes back the outcomes
// in done and claims up to n due deliveries. Recording does not stop when
// the job's context ends: what was sent is written down all the same.
func (r *sendRun) sync(ctx context.Context, done []outcome, n int) ([]recipient, error) {
	ctx = context.WithoutCancel(ctx)
	var out []recipient
	err := r.svc.DB.InTx(ctx, func(tx *db.Tx) error {
		now := time.Now().UTC()
		if err := r.record(ctx, tx, done, now); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		var err error
		out, err = r.claim(ctx, tx, n, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claim marks a batch of due deliveries as being sent and returns their
// recipients; deliveries whose subscriber left in the meantime (unsubscribed,
// bounced, complained, or gone) are skipped. It reads on from the last
// subscriber it claimed, and from the start again only when nothing is left
// after it (for retries that fell due): on PostgreSQL the index still holds
// the pending entries of rows claimed before, until vacuum, and reading them
// all from the start for every batch made a send slow down as it went.
func (r *sendRun) claim(ctx context.Context, tx *db.Tx, n int, now time.Time) ([]recipient, error) {
	var out []recipient
	var skip []any
	for {
		// The batch is chosen first and joined after: joined whole, PostgreSQL
		// merged the deliveries with the subscribers' primary key read from
		// its start, every subscriber before the cursor again for each batch,
		// so a send of a million slowed to 250 messages a second by its
		// middle (2026-12-06).
		rows, err := tx.QueryContext(ctx, `SELECT d.subscriber_id, COALESCE(s.email, ''), COALESCE(s.lang, ''), COALESCE(s.status, '') FROM
		(SELECT subscriber_id FROM bulletin_deliveries WHERE issue_id = ? AND status = ? AND subscriber_id > ? AND next_at <= ? ORDER BY subscriber_id LIMIT ?) d
		LEFT JOIN bulletin_subscribers s ON s.id = d.subscriber_id ORDER BY d.subscriber_id`, r.issue.ID, DelPending, r.cursor, now, n)
		if err != nil {
			return nil, err
		}
		seen := 0
		for rows.Next() {
			var rc recipient
			var st string
			if err := rows.Scan(&rc.subID, &rc.email, &rc.lang, &st); err != nil {
				rows.Close()
				return nil, err
			}
			seen++
			r.cursor = rc.subID
			if st != SubConfirmed {
				skip = append(skip, rc.subID)
				continue
			}
			out = append(out, rc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if seen > 0 || r.cursor == "" {
			break
		}
		r.cursor = ""
	}
	if err := setStatus(ctx, tx, r.issue.ID, DelSkipped, skip, nil); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	// The claimed rows are exactly the due pending ones from the first to the
	// last selected (the query took them in this order, the skipped ones are
	// no longer pending, and the transaction holds the write lock), so one
	// range names them all.
	if _, err := tx.ExecContext(ctx, `UPDATE bulletin_deliveries SET status = ? WHERE issue_id = ? AND status = ? AND next_at <= ? AND subscriber_id >= ? AND subscriber_id <= ?`,
		DelSending, r.issue.ID, DelPending, now, out[0].subID, out[len(out)-1].subID); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

func setStatus(ctx context.Context, tx *db.Tx, issueID, status string, ids []any, sentAt *time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := append([]any{status, sentAt, issueID}, ids...)
	_, err := tx.ExecContext(ctx, `UPDATE bulletin_deliveries SET status = ?, sent_at = ? WHERE issue_id = ? AND subscriber_id IN (`+db.Placeholders(len(ids))+`)`, args...)
	if err != nil {
		return fmt.Errorf("delivery status %s: %w", status, err)
	}
	return nil
}

// record writes outcomes back: sent rows at once, failures with their
// attempt count and the time of the next try (or failed for good after
// maxDeliveryAttempts, or at once when the relay refused the address
// permanently).
func (r *sendRun) record(ctx context.Context, tx *db.Tx, done []outcome, now time.Time) error {
	var sent []any
	for _, o := range done {
		if o.err == nil {
			sent = append(sent, o.subID)
		}
	}
	if err := setStatus(ctx, tx, r.issue.ID, DelSent, sent, &now); err != nil {
		return err
	}
	for _, f := range done {
		if f.err == nil {
			continue
		}
		var attempts int
		if err := tx.QueryRowContext(ctx, `SELECT attempts FROM bulletin_deliveries WHERE issue_id = ? AND subscriber_id = ?`, r.issue.ID, f.subID).Scan(&attempts); err != nil {
			return err
		}
		attempts++
		st, next := DelPending, now.Add(retryDelay(attempts))
		msg := f.err.Error()
		switch {
		case f.uncertain:
			// It may have been delivered: it is never sent again.
			st, msg = DelUncertain, "no answer from the relay after the end of the message, which it may have delivered: "+msg
		case errors.Is(f.err, context.Canceled):
			st, next, attempts = DelPending, now, attempts-1 // never tried
		case attempts >= maxDeliveryAttempts || cnmail.IsPermanent(f.err) || errors.Is(f.err, cnmail.ErrInvalidMessage):
			st = DelFailed
		}
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bulletin_deliveries SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE issue_id = ? AND subscriber_id = ?`,
			st, attempts, next, msg, r.issue.ID, f.subID); err != nil {
			return err
		}
	}
	return nil
}

// retryDelay is the backoff before attempt n+1 of one address: 30 s
// doubling, at most an hour.
func retryDelay(n int) time.Duration {
	d := 30 * time.Second << (n - 1)
	if d > time.Hour || d <= 0 {
		d = time.Hour
	}
	return d
}

var _ = id.New

package bulletin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// The send journal is what makes a killed send resumable without sending
// anything twice. The database knows which deliveries were claimed; the
// journal knows, for each claimed message, how far it got. The workers
// append one line per event, each with a single write(2) to a file opened
// with O_APPEND, so an event is in the kernel's hands before the message
// moves on and survives the process being killed (though not the machine
// losing power: a sync per message would cost more than the send):
//
//	c <subscriber>   just before the end of data: the relay may have it from here
//	s <subscriber>   the relay accepted it
//	f <subscriber>   the relay refused it after the end of data: it does not have it
//
// A run that finds deliveries still "sending" from a run that died reads
// the journal: accepted ones are sent, refused or never committed ones go
// back to pending and are sent now, and only those committed without an
// answer (at most one per connection at the moment of the kill) become
// "uncertain". Without the journal (a resumption on another machine, or
// no data directory) every such delivery is uncertain, as none can be
// proven unsent.
const (
	evCommitted = 'c'
	evSent      = 's'
	evRefused   = 'f'
)

// journalPath is where an issue's send journal lives, or "" when the
// service has no data directory.
func (s *Service) journalPath(issueID string) string {
	if s.DataDir == "" || issueID == "" || strings.ContainsAny(issueID, `/\.`) {
		return ""
	}
	return filepath.Join(s.DataDir, "bulletin", "send-"+issueID+".journal")
}

// sendJournal appends events to one issue's journal.
type sendJournal struct{ f *os.File }

// openJournal opens (creating) the journal at path for appending; a nil
// journal records nothing.
func openJournal(path string) (*sendJournal, error) {
	if path == "" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("send journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("send journal: %w", err)
	}
	return &sendJournal{f: f}, nil
}

// add appends one event, in one write.
func (j *sendJournal) add(ev byte, subID string) error {
	if j == nil {
		return nil
	}
	line := make([]byte, 0, len(subID)+3)
	line = append(append(append(line, ev, ' '), subID...), '\n')
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("send journal: %w", err)
	}
	return nil
}

func (j *sendJournal) close() {
	if j != nil {
		_ = j.f.Close()
	}
}

// readJournal returns the last event of each subscriber in the journal at
// path, and whether the journal exists.
func readJournal(path string) (map[string]byte, bool, error) {
	if path == "" {
		return nil, false, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("send journal: %w", err)
	}
	defer f.Close()
	last := map[string]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		// A line cut short by the kill has no newline; Scanner returns it
		// all the same, and a subscriber id cut short matches no row.
		if len(line) < 3 || line[1] != ' ' {
			continue
		}
		last[line[2:]] = line[0]
	}
	if err := sc.Err(); err != nil {
		return nil, false, fmt.Errorf("send journal: %w", err)
	}
	return last, true, nil
}

// recoverSending settles the deliveries a dead run left "sending", from the
// journal, before this run claims anything; see the journal's comment.
func (s *Service) recoverSending(ctx context.Context, issueID string) error {
	rows, err := s.DB.QueryContext(ctx, `SELECT subscriber_id FROM bulletin_deliveries WHERE issue_id = ? AND status = ?`, issueID, DelSending)
	if err != nil {
		return err
	}
	var stuck []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return err
		}
		stuck = append(stuck, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(stuck) == 0 {
		return err
	}
	events, found, err := readJournal(s.journalPath(issueID))
	if err != nil {
		return err
	}
	var sent, pending, uncertain []any
	for _, x := range stuck {
		switch ev := events[x]; {
		case !found || ev == evCommitted:
			uncertain = append(uncertain, x)
		case ev == evSent:
			sent = append(sent, x)
		default: // refused after the end of data, or never committed
			pending = append(pending, x)
		}
	}
	now := time.Now().UTC()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for len(sent)+len(pending)+len(uncertain) > 0 {
			// At most 500 ids a statement.
			take := func(ids *[]any) []any {
				n := min(len(*ids), 500)
				out := (*ids)[:n]
				*ids = (*ids)[n:]
				return out
			}
			if err := setStatus(ctx, tx, issueID, DelSent, take(&sent), &now); err != nil {
				return err
			}
			if ids := take(&pending); len(ids) > 0 {
				args := append([]any{DelPending, now, issueID, DelSending}, ids...)
				if _, err := tx.ExecContext(ctx, `UPDATE bulletin_deliveries SET status = ?, next_at = ? WHERE issue_id = ? AND status = ? AND subscriber_id IN (`+db.Placeholders(len(ids))+`)`, args...); err != nil {
					return err
				}
			}
			if ids := take(&uncertain); len(ids) > 0 {
				reason := "the sender stopped after handing this message to the relay and before its answer: it may have been delivered, so it is not sent again"
				if !found {
					reason = "the sender stopped while this message was being handed to the relay, and its journal is not on this machine: it is not sent again"
				}
				args := append([]any{DelUncertain, reason, issueID, DelSending}, ids...)
				if _, err := tx.ExecContext(ctx, `UPDATE bulletin_deliveries SET status = ?, last_error = ? WHERE issue_id = ? AND status = ? AND subscriber_id IN (`+db.Placeholders(len(ids))+`)`, args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// removeJournal deletes an issue's journal once its send is done.
func (s *Service) removeJournal(issueID string) {
	if p := s.journalPath(issueID); p != "" {
		_ = os.Remove(p)
	}
}

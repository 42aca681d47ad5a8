package bulletin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// bulletin_subscriber_counts (migration 0501) holds the list's size by
// status, so that reading it costs the same with ten subscribers or a
// million. Every write that adds subscribers or changes a status calls
// moveCount in its transaction, with the rows the write did change.

// errChangedMeanwhile answers a write whose subscriber another transaction
// changed between the read and the update (possible on PostgreSQL): the
// update guarded by the status it read changed nothing, and moving the
// counts for it would make them wrong.
var errChangedMeanwhile = errors.New("the address changed at the same moment: try again")

// retryChanged runs a subscriber's transaction again when it found the
// subscriber changed by another at the same moment, or added by another
// (two first subscriptions of one address: the unique address refuses the
// second insert), up to five runs in all: the next run reads the new row
// and does what its status calls for, so the person subscribing or the
// bounce being recorded never sees the race.
func retryChanged(run func() error) error {
	var err error
	for range 5 {
		if err = run(); !errors.Is(err, errChangedMeanwhile) && !db.IsUniqueViolation(err) {
			return err
		}
	}
	return err
}

// moveCount records that n subscribers went from status from to status to;
// from is "" for new subscribers (and to would be "" for deleted ones,
// though nothing deletes subscribers today). Nothing moves when n is 0 or the status
// stays the same. The two rows are written in the order of their names, so
// that two transactions moving in opposite directions on PostgreSQL wait
// for each other instead of deadlocking.
func moveCount(ctx context.Context, tx *db.Tx, from, to string, n int64) error {
	if n == 0 || from == to {
		return nil
	}
	type delta struct {
		status string
		n      int64
	}
	steps := []delta{{from, -n}, {to, n}}
	if to < from {
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, d := range steps {
		if d.status == "" {
			continue
		}
		// An upsert in both directions: a row missing for a decrease shows
		// up as a negative count instead of being hidden.
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_subscriber_counts (status, n) VALUES (?, ?)
			ON CONFLICT (status) DO UPDATE SET n = bulletin_subscriber_counts.n + excluded.n`, d.status, d.n); err != nil {
			return fmt.Errorf("subscriber counts: %w", err)
		}
	}
	return nil
}

// SubscriberCounts counts the list by status (the statuses it has).
func (s *Service) SubscriberCounts(ctx context.Context) (map[string]int, error) {
	return db.Counts(ctx, s.DB, `SELECT status, n FROM bulletin_subscriber_counts WHERE n <> 0`)
}

// confirmedCount is the number of confirmed subscribers, 0 when none ever were.
func (s *Service) confirmedCount(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT n FROM bulletin_subscriber_counts WHERE status = ?`, SubConfirmed).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// Package audit appends every write to a hash-chained log. Each entry's hash
// covers its own fields and the previous entry's hash, so rewriting or
// deleting any entry breaks the chain from that point on, and Verify names
// the first entry that does not fit.
//
// With an audit key (db.DB.AuditKey, from the operator's --audit-key-file,
// kept off the database server), each entry's hash is an HMAC-SHA-256 under
// that key, stored as "hmac-sha256:<hex>": someone who can write the
// database but does not hold the key cannot recompute the chain after
// altering, inserting or removing an entry. Entries written before the key
// was set keep their plain SHA-256 hash; once a keyed entry appears, every
// later one must be keyed too. See docs/security.md for what the chain does
// and does not prove.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Actor is who performed a write and through which channel.
type Actor struct {
	ID    string // user id, or "system" / "cli"
	Label string // e-mail address or a description
	Via   string // "web", "api", "cli", "job"
}

type actorKey struct{}

// WithActor returns a context carrying the actor that writes will be
// attributed to.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{ID: "system", Label: "system", Via: "job"}
}

// Entry is one audit record.
type Entry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	ActorLabel string    `json:"actor"`
	Via        string    `json:"via"`
	Action     string    `json:"action"`
	Entity     string    `json:"entity"`
	EntityID   string    `json:"entity_id"`
	Before     string    `json:"before"`
	After      string    `json:"after"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// Record appends an entry inside tx, so the audit record commits or rolls
// back with the write it describes. before and after are marshalled to
// JSON; pass nil for "nothing".
func Record(ctx context.Context, tx *db.Tx, action, entity, entityID string, before, after any) error {
	return record(ctx, tx, action, entity, entityID, before, after, true)
}

// RecordEvent appends a security event that changed nothing (a failed
// sign-in, a refused request): like Record, but the transaction is not
// marked as a change, so such events do not empty the page cache.
func RecordEvent(ctx context.Context, tx *db.Tx, action, entity, entityID string, detail any) error {
	return record(ctx, tx, action, entity, entityID, nil, detail, false)
}

func record(ctx context.Context, tx *db.Tx, action, entity, entityID string, before, after any, change bool) error {
	b, err := marshal(before)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	a, err := marshal(after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if tx.Dialect() == db.Postgres {
		// Serialise appends across instances so the chain never forks.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727275)`); err != nil {
			return fmt.Errorf("audit lock: %w", err)
		}
	}
	var last Entry
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last.Seq, &last.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit tail: %w", err)
	}
	if change {
		tx.MarkChanged()
	}
	actor := ActorFrom(ctx)
	e := Entry{
		Seq: last.Seq + 1, At: time.Now().UTC().Truncate(time.Microsecond),
		ActorID: actor.ID, ActorLabel: actor.Label, Via: actor.Via,
		Action: action, Entity: entity, EntityID: entityID,
		Before: b, After: a, PrevHash: last.Hash,
	}
	e.Hash = e.computeHash(tx.DB().AuditKey)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, actor_id, actor_label, via, action, entity, entity_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.ActorID, e.ActorLabel, e.Via, e.Action, e.Entity, e.EntityID, e.Before, e.After, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}

func marshal(v any) (string, error) {
	if v == nil {
		return "null", nil
	}
	if s, ok := v.(string); ok && json.Valid([]byte(s)) {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// keyedPrefix marks a hash that is an HMAC under the audit key.
const keyedPrefix = "hmac-sha256:"

// computeHash is SHA-256 over the previous hash and every field, each on its
// own line with its length, so no two different entries hash alike; with a
// key, HMAC-SHA-256 of the same, prefixed with keyedPrefix.
func (e Entry) computeHash(key []byte) string {
	h := sha256.New()
	if len(key) > 0 {
		h = hmac.New(sha256.New, key)
	}
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.ActorID, e.ActorLabel, e.Via, e.Action, e.Entity, e.EntityID, e.Before, e.After,
	} {
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	if len(key) > 0 {
		return keyedPrefix + hex.EncodeToString(h.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ErrNoKey means the chain holds keyed entries and no audit key was given.
var ErrNoKey = errors.New("the audit log has keyed entries: give the audit key (--audit-key-file) to verify them")

// Report is what Verify found.
type Report struct {
	Entries    int64 // entries checked
	Keyed      int64 // of which keyed (HMAC)
	FirstKeyed int64 // sequence number of the first keyed entry, 0 if none
}

func keyOf(q db.Querier) []byte {
	switch v := q.(type) {
	case *db.DB:
		return v.AuditKey
	case *db.Tx:
		return v.DB().AuditKey
	}
	return nil
}

// Filter selects entries for browsing.
type Filter struct {
	Entity    string
	EntityID  string
	ActorID   string
	Action    string // prefix match
	BeforeSeq int64  // cursor: entries with seq < BeforeSeq; 0 for the newest
	Limit     int
}

// List returns entries newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	if f.Entity != "" {
		where = append(where, "entity = ?")
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		where = append(where, "entity_id = ?")
		args = append(args, f.EntityID)
	}
	if f.ActorID != "" {
		where = append(where, "actor_id = ?")
		args = append(args, f.ActorID)
	}
	if f.Action != "" {
		where = append(where, "action LIKE ?")
		args = append(args, strings.ReplaceAll(f.Action, "%", "")+"%")
	}
	if f.BeforeSeq > 0 {
		where = append(where, "seq < ?")
		args = append(args, f.BeforeSeq)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	query := `SELECT seq, at, actor_id, actor_label, via, action, entity, entity_id, before_json, after_json, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq DESC LIMIT " + strconv.Itoa(f.Limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorLabel, &e.Via, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// BrokenError names the first entry that does not fit the chain.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Verify walks the whole chain in order and returns the number of entries
// checked, or a *BrokenError for the first entry that does not fit. Keyed
// entries are checked with q's audit key (ErrNoKey without one).
func Verify(ctx context.Context, q db.Querier) (int64, error) {
	r, err := VerifyReport(ctx, q)
	return r.Entries, err
}

// VerifyReport is Verify, saying also how many entries are keyed.
func VerifyReport(ctx context.Context, q db.Querier) (Report, error) {
	key := keyOf(q)
	var rep Report
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_id, actor_label, via, action, entity, entity_id, before_json, after_json, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	prev := ""
	var expectSeq int64 = 1
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorLabel, &e.Via, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return rep, err
		}
		keyed := strings.HasPrefix(e.Hash, keyedPrefix)
		switch {
		case e.Seq != expectSeq:
			return rep, &BrokenError{Seq: e.Seq, Reason: fmt.Sprintf("expected entry %d here: an entry was removed", expectSeq)}
		case e.PrevHash != prev:
			return rep, &BrokenError{Seq: e.Seq, Reason: "previous-hash does not match the entry before it"}
		case !keyed && rep.Keyed > 0:
			return rep, &BrokenError{Seq: e.Seq, Reason: "an unkeyed entry after keyed ones: written by someone without the audit key"}
		case keyed && len(key) == 0:
			return rep, ErrNoKey
		case keyed && !hmac.Equal([]byte(e.computeHash(key)), []byte(e.Hash)):
			return rep, &BrokenError{Seq: e.Seq, Reason: "contents do not match its keyed hash: the entry was altered (or the audit key is not the one that wrote it)"}
		case !keyed && e.computeHash(nil) != e.Hash:
			return rep, &BrokenError{Seq: e.Seq, Reason: "contents do not match its hash: the entry was altered"}
		}
		if keyed {
			if rep.Keyed == 0 {
				rep.FirstKeyed = e.Seq
			}
			rep.Keyed++
		}
		prev = e.Hash
		expectSeq++
		rep.Entries++
	}
	return rep, rows.Err()
}

// Tail returns the sequence number of the newest entry, 0 when the log is
// empty. Every write appends an entry, so a change of Tail means that some
// process has changed something.
func Tail(ctx context.Context, q db.Querier) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log`).Scan(&seq)
	return seq, err
}

package states

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Sync writes the embedded reference data into the states table, so that
// other modules can join on it. It is idempotent and runs at every start.
// Instances starting at once take turns (on PostgreSQL an advisory lock; on
// SQLite the write lock): the table has two unique keys (iso3, iso2), and
// an INSERT … ON CONFLICT (iso3) racing another instance's insert of the
// same State can fail on iso2 instead of updating.
func Sync(ctx context.Context, d *db.DB) error {
	all := All()
	return d.InTx(ctx, func(tx *db.Tx) error {
		if d.Dialect == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727276)`); err != nil {
				return fmt.Errorf("sync states: %w", err)
			}
		}
		for _, s := range all {
			names, err := json.Marshal(s.Names)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO states (iso3, iso2, numeric, name_en, names_json, grp, group_note, observer)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (iso3) DO UPDATE SET iso2 = excluded.iso2, numeric = excluded.numeric, name_en = excluded.name_en,
				names_json = excluded.names_json, grp = excluded.grp, group_note = excluded.group_note, observer = excluded.observer`,
				s.ISO3, s.ISO2, s.Numeric, s.Names["en"], string(names), string(s.Group), s.GroupNote, s.Observer)
			if err != nil {
				return fmt.Errorf("sync state %s: %w", s.ISO3, err)
			}
		}
		return nil
	})
}

// Known reports whether iso3 is one of the 195 States.
func Known(iso3 string) bool {
	_, ok := ByISO3(iso3)
	return ok
}

// Filter returns the States in a group (all when group is empty), in the
// order of their name in lang.
func Filter(group Group, lang string) []State {
	var out []State
	for _, s := range All() {
		if group == "" || s.Group == group {
			out = append(out, s)
		}
	}
	sortByName(out, lang)
	return out
}

package states

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"

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
	_, ok := byISO3()[strings.ToUpper(iso3)]
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

// Entry is what a list of States mostly needs of one: its codes, group and
// name in the list's language. It holds no map, so an Entry handed out is
// the caller's own copy and the lists kept per language cannot be changed
// through it.
type Entry struct {
	ISO2, ISO3, Numeric string
	// Name is the State's name in the list's language (see State.Name).
	Name     string
	Group    Group
	Observer bool
}

// entriesByLang holds, for each of the six Languages, every State as an
// Entry in the order of its name in that language, made once. Never hand
// out these slices themselves: InOrder yields copies of their elements.
var entriesByLang sync.Map // lang → []Entry

// InOrder yields the States in a group (all when group is empty) in the
// order of their name in lang, the same order as Filter, from a list made
// once per language: Filter copies every State's names map on each call
// (All hands out copies so that the reference data cannot be changed),
// which was a twentieth of the time of pages listing the States.
func InOrder(group Group, lang string) iter.Seq[Entry] {
	list := entries(lang)
	return func(yield func(Entry) bool) {
		for _, e := range list {
			if (group == "" || e.Group == group) && !yield(e) {
				return
			}
		}
	}
}

func entries(lang string) []Entry {
	if l, ok := entriesByLang.Load(lang); ok {
		return l.([]Entry)
	}
	all := registry()
	rank := nameRanks(lang)
	list := make([]Entry, len(all))
	for i, s := range all {
		list[i] = Entry{ISO2: s.ISO2, ISO3: s.ISO3, Numeric: s.Numeric, Name: s.Name(lang), Group: s.Group, Observer: s.Observer}
	}
	slices.SortStableFunc(list, func(a, b Entry) int { return cmp.Compare(rank[a.ISO3], rank[b.ISO3]) })
	if slices.Contains(Languages, lang) {
		l, _ := entriesByLang.LoadOrStore(lang, list)
		return l.([]Entry)
	}
	return list
}

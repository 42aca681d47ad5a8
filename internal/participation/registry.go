package participation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// The registry's name search must not cost more as the registry grows
// (issue 6). A query of three or more characters matches names containing
// it; one or two characters match names with a word starting with them
// ("eu" finds "EU DisinfoLab", not "Neutral"), since a substring that
// short is in most names and no index can find it. Both ignore case (ASCII
// on SQLite, as LOWER and LIKE there; Unicode on PostgreSQL) but not
// accents, and % and _ are ordinary characters.
//
// A search first asks its indexes (migrations/0401_*: FTS5 trigram and word
// indexes on SQLite, pg_trgm and tsvector GIN indexes on PostgreSQL, and
// indexes on the consultative-status and headquarters filters) whether one
// of its conditions is rare, passed by at most directCap organisations:
// then those are fetched, checked, filtered and sorted by slug, so that a
// rare name costs the same in a registry of two thousand and of twenty.
// Otherwise it walks a window of the registry in slug order (the next
// walkWindow organisations after the page's start), which is all it needs
// when matches are common: a page of them turns up within the window, or
// the window reaches the end of the registry. If not, the matches beyond
// the window are few, and the condition with the fewest candidates leads,
// if it has at most candidateCap. Only when every condition is common but
// all of them together are rare does the walk go on to the end of the
// registry.

// walkWindow is how many organisations a search walks before it turns to
// the indexes (at least, for long pages, 20 times the page).
const walkWindow = 2000

// candidateCap is the most index candidates fetched and sorted.
const candidateCap = 1000

// directCap is the most index candidates fetched and sorted before the
// window is walked. On the scale-10 demo (40,000 organisations) a rare name
// costs 0.3 ms of CPU a page this way instead of 10–12 ms; more candidates
// would spare some of the walk to mid-frequency names but cost common ones
// the longer count (docs/performance.md, 2026-12-07, ninth session).
const directCap = 50

// nameMatch finds organisations by name: candidates is an indexed SELECT
// of organisation ids (a superset of the matches), check the exact
// condition on o.
type nameMatch struct {
	candidates string
	candArg    any
	check      string
	checkArg   any
}

// matchName says how to find the organisations whose name matches q, or
// false when no name can (a short query with no letter or digit).
func matchName(d db.Dialect, q string) (nameMatch, bool) {
	lower := strings.ToLower(q)
	if utf8.RuneCountInString(q) >= 3 {
		pattern := db.Contains(lower)
		if d == db.Postgres {
			return nameMatch{
				candidates: `SELECT id FROM organisations WHERE lower(name) LIKE ? ESCAPE '\'`, candArg: pattern,
				check: `lower(o.name) LIKE ? ESCAPE '\'`, checkArg: pattern,
			}, true
		}
		// A quoted FTS5 string: the trigrams of q, in a row.
		return nameMatch{
			candidates: `SELECT s.org_id AS id FROM participation_org_trigrams t JOIN participation_org_search s ON s.id = t.rowid WHERE participation_org_trigrams MATCH ?`,
			candArg:    `"` + strings.ReplaceAll(q, `"`, `""`) + `"`,
			check:      `o.name LIKE ? ESCAPE '\'`, checkArg: pattern,
		}, true
	}
	for _, r := range q {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return nameMatch{}, false
		}
	}
	// The start of the name or of a word after a space.
	pattern := "% " + lower + "%"
	if d == db.Postgres {
		return nameMatch{
			candidates: `SELECT id FROM organisations WHERE to_tsvector('simple', name) @@ to_tsquery('simple', ?)`, candArg: lower + ":*",
			check: `(' ' || lower(o.name)) LIKE ?`, checkArg: pattern,
		}, true
	}
	return nameMatch{
		candidates: `SELECT s.org_id AS id FROM participation_org_words w JOIN participation_org_search s ON s.id = w.rowid WHERE participation_org_words MATCH ?`,
		candArg:    `"` + q + `"*`,
		check:      `(' ' || o.name) LIKE ?`, checkArg: pattern,
	}, true
}

// candidateSource is an indexed SELECT of organisation ids holding every
// organisation that passes one condition of a search.
type candidateSource struct {
	sql string
	arg any
}

// Organisations lists the registry by slug, filtered and paged.
func (s *Service) Organisations(ctx context.Context, f OrgFilter) ([]Organisation, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var conds []string
	var args []any
	var sources []candidateSource
	if q := strings.TrimSpace(f.Query); q != "" {
		m, ok := matchName(s.DB.Dialect, q)
		if !ok {
			return []Organisation{}, nil
		}
		sources = append(sources, candidateSource{m.candidates, m.candArg})
		conds, args = append(conds, m.check), append(args, m.checkArg)
	}
	if f.Type != "" {
		conds, args = append(conds, `COALESCE(p.org_type, o.kind) = ?`), append(args, f.Type)
	}
	if f.ECOSOC != "" {
		conds, args = append(conds, `COALESCE(p.ecosoc, 'none') = ?`), append(args, f.ECOSOC)
		if f.ECOSOC != "none" {
			sources = append(sources, candidateSource{`SELECT org_id AS id FROM participation_profiles WHERE ecosoc = ?`, f.ECOSOC})
		}
	}
	if !f.UpdatedSince.IsZero() {
		conds, args = append(conds, `COALESCE(p.updated_at, o.created_at) > ?`), append(args, f.UpdatedSince)
	}
	if f.HQ != "" {
		conds, args = append(conds, `p.hq_iso3 = ?`), append(args, f.HQ)
		sources = append(sources, candidateSource{`SELECT org_id AS id FROM participation_profiles WHERE hq_iso3 = ?`, f.HQ})
	}
	if len(sources) == 0 {
		// No filter or only the type, which every fifth organisation has.
		return s.listOrganisations(ctx, orgFrom, append([]string{`o.slug > ?`}, conds...), append([]any{f.After}, args...), f.Limit)
	}

	// A condition with at most directCap candidates leads at once: a rare
	// name costs the same in a registry of two thousand and of twenty.
	best, fewest, err := s.fewestCandidates(ctx, sources, directCap)
	if err != nil || fewest == 0 {
		return []Organisation{}, err
	}
	if best >= 0 {
		return s.listCandidates(ctx, sources[best], conds, args, f.After, f.Limit)
	}

	// The rest, a walk and a longer read of the indexes, waits its turn
	// with the full-text searches (search.Enter); a rare name, above, costs
	// less than the wait.
	leave, err := search.Enter(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	defer leave()

	// The window: up to the walkWindow-th organisation after the start.
	window := max(walkWindow, 20*f.Limit)
	var end string
	err = s.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT slug FROM organisations WHERE slug > ? ORDER BY slug LIMIT 1 OFFSET %d`, window-1), f.After).Scan(&end)
	if errors.Is(err, sql.ErrNoRows) {
		return s.listOrganisations(ctx, orgFrom, append([]string{`o.slug > ?`}, conds...), append([]any{f.After}, args...), f.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	out, err := s.listOrganisations(ctx, orgFrom, append([]string{`o.slug > ?`, `o.slug <= ?`}, conds...), append([]any{f.After, end}, args...), f.Limit)
	if err != nil || len(out) == f.Limit {
		return out, err
	}

	// Beyond the window: the condition with the fewest candidates leads.
	best, fewest, err = s.fewestCandidates(ctx, sources, candidateCap)
	if err != nil || fewest == 0 {
		return out, err
	}
	var more []Organisation
	if best >= 0 {
		more, err = s.listCandidates(ctx, sources[best], conds, args, end, f.Limit-len(out))
	} else {
		more, err = s.listOrganisations(ctx, orgFrom, append([]string{`o.slug > ?`}, conds...), append([]any{end}, args...), f.Limit-len(out))
	}
	return append(out, more...), err
}

// fewestCandidates counts each source's candidates, up to limit+1, and
// says which has the fewest if that is at most limit (else -1), and how
// many (0: no organisation can match).
func (s *Service) fewestCandidates(ctx context.Context, sources []candidateSource, limit int) (best, fewest int, err error) {
	best, fewest = -1, limit+1
	for i, src := range sources {
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+src.sql+fmt.Sprintf(` LIMIT %d) c`, limit+1), src.arg).Scan(&n); err != nil {
			return -1, 0, fmt.Errorf("count candidate organisations: %w", err)
		}
		if n == 0 {
			return -1, 0, nil
		}
		if n < fewest {
			best, fewest = i, n
		}
	}
	return best, fewest, nil
}

// listCandidates is a page of the organisations after the slug after that
// src's candidates hold and that pass conds.
func (s *Service) listCandidates(ctx context.Context, src candidateSource, conds []string, args []any, after string, limit int) ([]Organisation, error) {
	// CROSS JOIN keeps SQLite from walking organisations by slug and
	// probing the candidates.
	from := ` FROM (` + src.sql + `) c CROSS JOIN organisations o LEFT JOIN participation_profiles p ON p.org_id = o.id`
	return s.listOrganisations(ctx, from, append([]string{`o.id = c.id`, `o.slug > ?`}, conds...), append([]any{src.arg, after}, args...), limit)
}

// listOrganisations runs one query of the registry: from, the conditions
// and their arguments, by slug.
func (s *Service) listOrganisations(ctx context.Context, from string, where []string, args []any, limit int) ([]Organisation, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+orgCols+from+` WHERE `+strings.Join(where, ` AND `)+fmt.Sprintf(` ORDER BY o.slug LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	out := []Organisation{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrganisationInput registers an organisation in the registry with its
// profile: the API through which a secretariat imports an existing
// registry.
type OrganisationInput struct {
	Slug string `json:"slug" api:"required"`
	Name string `json:"name" api:"required"`
	ProfileInput
}

// orgSlugRE is the slug an organisation may have anywhere on the platform
// (the back office's form allows 2–63 characters).
var orgSlugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// CreateOrganisation adds an organisation and its profile (secretariat),
// audited. A slug already taken is refused, naming the field, so that an
// import can go on with the next organisation.
func (s *Service) CreateOrganisation(ctx context.Context, in OrganisationInput) (Organisation, error) {
	if !auth.UserFrom(ctx).Has(auth.RoleSecretariat) {
		return Organisation{}, ErrForbidden
	}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case !orgSlugRE.MatchString(in.Slug):
		return Organisation{}, invalid("slug", "must be 2–63 lower-case letters, digits or hyphens")
	case in.Name == "" || len(in.Name) > 200:
		return Organisation{}, invalid("name", "is required and at most 200 characters")
	}
	if err := in.ProfileInput.validate(); err != nil {
		return Organisation{}, err
	}
	var out Organisation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE slug = ?`, in.Slug).Scan(&taken); err != nil {
			return fmt.Errorf("organisation slug: %w", err)
		}
		if taken > 0 {
			return invalid("slug", "is already used by another organisation")
		}
		var err error
		out, err = s.registerOrganisationTx(ctx, tx, in.Slug, in.Name, in.ProfileInput, s.now())
		if db.IsUniqueViolation(err) {
			return invalid("slug", "is already used by another organisation")
		}
		return err
	})
	if err != nil {
		return Organisation{}, err
	}
	return s.OrganisationBySlug(ctx, out.Slug)
}

package capacity

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Gap is one capacity gap a State recorded in its national report, as the
// reporting module lets the reader see it (the draft to its own State, the
// published text to everyone).
type Gap struct {
	ReportID  string
	State     string
	Cycle     string
	NormID    string
	Text      string
	Published bool
}

// GapReader reads a report's capacity gap for the acting user, through the
// reporting module's own access rules. ErrNotFound (or any error) when the
// user may not see it. The app wires reporting's service behind it.
type GapReader interface {
	ReportGap(ctx context.Context, reportID, normID string) (Gap, error)
}

// SessionLister lists the participation module's sessions for the combined
// calendar. The app wires participation's service behind it.
type SessionLister interface {
	CalendarSessions(ctx context.Context, from time.Time) ([]CalendarItem, error)
}

// CalendarItem is one entry of the combined calendar page.
type CalendarItem struct {
	Kind      string    // event | session | deadline
	Title     string    //
	URL       string    //
	Starts    time.Time //
	Ends      time.Time //
	AllDay    bool      //
	Place     string    //
	Organiser string    //
}

// Service holds the rules of capacity building.
type Service struct {
	P        *platform.Services
	FW       *framework.Store
	Gaps     GapReader
	Sessions SessionLister
	// Now is the clock (tests move it).
	Now func() time.Time

	normMu sync.RWMutex
	norms  map[string]framework.Norm

	profMu sync.Mutex
	profs  *offerProfiles

	// filterVocabs are the lists' filters per language (filters.go).
	filterVocabs audit.KeptBy[string, *filterVocab]
}

// NewService returns the service on the shared services.
func NewService(ps *platform.Services, fw *framework.Store) *Service {
	return &Service{P: ps, FW: fw, Now: func() time.Time { return time.Now().UTC() }}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) today() string { return s.now().Format("2006-01-02") }

// loadNorms caches the framework's norms (the framework adds norms rarely;
// an unknown id reloads once).
func (s *Service) loadNorms(ctx context.Context, force bool) (map[string]framework.Norm, error) {
	s.normMu.RLock()
	m := s.norms
	s.normMu.RUnlock()
	if m != nil && !force {
		return m, nil
	}
	list, err := s.FW.Norms(ctx, "", "en")
	if err != nil {
		return nil, err
	}
	m = make(map[string]framework.Norm, len(list))
	for _, n := range list {
		m[n.ID] = n
	}
	s.normMu.Lock()
	s.norms = m
	s.normMu.Unlock()
	return m, nil
}

// Norms lists the framework's norms (for forms and filters).
func (s *Service) Norms(ctx context.Context) ([]framework.Norm, error) {
	return s.FW.Norms(ctx, "", web.LangOf(ctx))
}

// NormLabel is a norm's short citation: "(c)" for a GGE norm.
func (s *Service) NormLabel(ctx context.Context, id string) string {
	m, err := s.loadNorms(ctx, false)
	if err == nil {
		if n, ok := m[id]; ok {
			return n.Label()
		}
	}
	return id
}

// checkNorms validates norm ids against the framework.
func (s *Service) checkNorms(ctx context.Context, in []string) ([]string, error) {
	m, err := s.loadNorms(ctx, false)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, v := range in {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		if _, ok := m[v]; !ok {
			if m, err = s.loadNorms(ctx, true); err != nil {
				return nil, err
			}
			if _, ok := m[v]; !ok {
				return nil, invalid("norms", "%q is not a norm of the framework (e.g. gge2015-c)", v)
			}
		}
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > 20 {
		return nil, invalid("norms", "at most 20")
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// viewer is who is looking, with what the visibility rules need to know.
type viewer struct {
	u        *auth.User
	offering bool // a stakeholder whose organisation has a published offer
}

func (s *Service) viewer(ctx context.Context) viewer {
	v := viewer{u: auth.UserFrom(ctx)}
	if v.u != nil && v.u.Role == auth.RoleStakeholder && v.u.OrgID != "" {
		var n int
		_ = s.P.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM capacity_offers WHERE org_id = ? AND status = 'published'`, v.u.OrgID).Scan(&n)
		v.offering = n > 0
	}
	return v
}

func (v viewer) secretariat() bool { return v.u.Has(auth.RoleSecretariat) }

func (v viewer) state() string {
	if v.u != nil && v.u.Role.IsState() {
		return v.u.StateISO3
	}
	return ""
}

// needFilter is the one place that says which needs a viewer may see, as a
// condition on capacity_needs n: drafts only to their own State; published
// and closed needs by their visibility; a need whose State invited (or
// heard from) the viewer's offer is visible to that offerer too, and a
// need with a "Friends of" meeting to the participants asked. Pages,
// the API, search, counts, suggestions and exports all use it.
func (v viewer) needFilter() (string, []any) {
	matched := `n.id IN (SELECT m.need_id FROM capacity_matches m JOIN capacity_offers o ON o.id = m.offer_id WHERE `
	met := `n.id IN (SELECT g.need_id FROM capacity_meetings g JOIN capacity_meeting_participants mp ON mp.meeting_id = g.id WHERE `
	switch {
	case v.secretariat():
		return `(n.status <> 'draft')`, nil
	case v.state() != "":
		iso := v.state()
		return `(n.state_iso3 = ? OR (n.status <> 'draft' AND (n.visibility IN ('public', 'members') OR ` + matched + `o.state_iso3 = ?) OR ` + met + `mp.state_iso3 = ?))))`, []any{iso, iso, iso}
	case v.u != nil && v.u.OrgID != "":
		vis := `n.visibility = 'public'`
		if v.offering {
			vis = `n.visibility IN ('public', 'members')`
		}
		return `(n.status <> 'draft' AND (` + vis + ` OR ` + matched + `o.org_id = ?) OR ` + met + `mp.org_id = ?)))`, []any{v.u.OrgID, v.u.OrgID}
	default:
		return `(n.status <> 'draft' AND n.visibility = 'public')`, nil
	}
}

// ownsNeed reports whether the viewer acts for the need's State.
func (v viewer) ownsNeed(n Need) bool { return v.u.ActsFor(n.State) }

// ownsOffer reports whether the viewer may act for the offer.
func (v viewer) ownsOffer(o Offer) bool {
	if v.u == nil {
		return false
	}
	if o.ProviderKind == "state" {
		return v.u.ActsFor(o.State)
	}
	return v.u.Role == auth.RoleStakeholder && v.u.OrgID != "" && v.u.OrgID == o.OrgID
}

// querier is a *db.DB or *db.Tx.
type querier = db.Querier

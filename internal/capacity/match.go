package capacity

import (
	"context"
	"fmt"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// MaxSuggestions is how many proposals a need or an offer shows.
const MaxSuggestions = 20

// Suggestion is a proposed offer for a need (or need for an offer) with
// the score and its reasons.
type Suggestion struct {
	Match
	Offer *Offer `json:"offer,omitempty"`
	Need  *Need  `json:"need,omitempty"`
}

// overlapCond is the database's first cut: rows with at least one of the
// norms or topics in common (col is the table alias).
func overlapCond(alias string, norms, topics []string) (string, []any) {
	var ors []string
	var args []any
	for _, x := range norms {
		ors = append(ors, alias+".norms LIKE ?")
		args = append(args, "% "+x+" %")
	}
	for _, x := range topics {
		ors = append(ors, alias+".topics LIKE ?")
		args = append(args, "% "+x+" %")
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

func (s *Service) labelFunc(ctx context.Context) func(string) string {
	m, _ := s.loadNorms(ctx, false)
	return func(id string) string {
		if n, ok := m[id]; ok {
			return n.Label()
		}
		return id
	}
}

// offerProfiles are the matching profiles of the offers that can take an
// engagement, as of a version of capacity_profile_version.
type offerProfiles struct {
	version int64
	ids     []string
	list    []profile
}

// profiles returns the offers' profiles, read again from the database when
// its version counter has moved since they were last read. Only outside a
// transaction (a transaction may see changes that are not committed).
func (s *Service) profiles(ctx context.Context) (*offerProfiles, error) {
	var v int64
	if err := s.P.DB.QueryRowContext(ctx, `SELECT version FROM capacity_profile_version WHERE id = 1`).Scan(&v); err != nil {
		return nil, err
	}
	s.profMu.Lock()
	defer s.profMu.Unlock()
	if s.profs != nil && s.profs.version == v {
		return s.profs, nil
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT offer_id, norms, topics, kinds, languages, regions, starts_on, ends_on, free FROM capacity_offer_profiles`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ps := &offerProfiles{version: v}
	for rows.Next() {
		var oid, norms, topics, kinds, langs, regions string
		var p profile
		if err := rows.Scan(&oid, &norms, &topics, &kinds, &langs, &regions, &p.startsOn, &p.endsOn, &p.free); err != nil {
			return nil, err
		}
		p.norms, p.topics, p.kinds, p.languages, p.regions = strings.Fields(norms), strings.Fields(topics), strings.Fields(kinds), strings.Fields(langs), strings.Fields(regions)
		ps.ids = append(ps.ids, oid)
		ps.list = append(ps.list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The version may have moved while reading; keeping the older number
	// only means the next request reads again.
	s.profs = ps
	return ps, nil
}

// scoreOffers scores every offer that can take an engagement against a
// need and returns the best, without their full rows.
func (s *Service) scoreOffers(ctx context.Context, n Need, limit int) ([]Match, error) {
	ps, err := s.profiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("score offers: %w", err)
	}
	need := needProfile(n)
	label := s.labelFunc(ctx)
	var out []Match
	for i := range ps.list {
		if sc, reasons, ok := Score(need, ps.list[i], label); ok {
			out = append(out, Match{NeedID: n.ID, OfferID: ps.ids[i], Score: sc, Reasons: reasons})
		}
	}
	rank(out, true)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SuggestOffers proposes offers for a need the acting user may see, best
// first, each with its reasons. A closed need has none.
func (s *Service) SuggestOffers(ctx context.Context, needID string) ([]Suggestion, error) {
	n, err := s.Need(ctx, needID)
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	if n.Status != NeedPublished {
		return out, nil
	}
	ms, err := s.scoreOffers(ctx, n, MaxSuggestions)
	if err != nil {
		return nil, err
	}
	ids := make([]any, len(ms))
	for i, m := range ms {
		ids[i] = m.OfferID
	}
	offers, err := s.offersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if o, ok := offers[m.OfferID]; ok {
			out = append(out, Suggestion{Match: m, Offer: &o})
		}
	}
	return out, nil
}

// offersByID reads offers by id in one statement.
func (s *Service) offersByID(ctx context.Context, ids []any) (map[string]Offer, error) {
	out := make(map[string]Offer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+offerCols+` FROM capacity_offers o WHERE o.id IN (`+db.Placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, err
		}
		out[o.ID] = o
	}
	return out, rows.Err()
}

// syncProfile keeps an offer's row of capacity_offer_profiles in step with
// the offer, inside the transaction that changed it.
func syncProfile(ctx context.Context, tx *db.Tx, offerID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM capacity_offer_profiles WHERE offer_id = ?`, offerID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_offer_profiles (offer_id, norms, topics, kinds, languages, regions, starts_on, ends_on, free)
		SELECT id, norms, topics, kinds, languages, regions, starts_on, ends_on, capacity - engaged FROM capacity_offers WHERE id = ? AND status = 'published' AND engaged < capacity`, offerID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE capacity_profile_version SET version = version + 1 WHERE id = 1`)
	return err
}

// RebuildProfiles rewrites capacity_offer_profiles from the offers, for
// data written straight to the tables (benchmarks, repairs).
func RebuildProfiles(ctx context.Context, d *db.DB) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM capacity_offer_profiles`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_offer_profiles (offer_id, norms, topics, kinds, languages, regions, starts_on, ends_on, free)
			SELECT id, norms, topics, kinds, languages, regions, starts_on, ends_on, capacity - engaged FROM capacity_offers WHERE status = 'published' AND engaged < capacity`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE capacity_profile_version SET version = version + 1 WHERE id = 1`)
		return err
	})
}

// SuggestNeeds proposes needs for an offer, among the published needs the
// acting user may see, best first.
func (s *Service) SuggestNeeds(ctx context.Context, offerID string) ([]Suggestion, error) {
	o, err := s.Offer(ctx, offerID)
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	if o.Status == OfferWithdrawn {
		return out, nil
	}
	vis, vargs := s.viewer(ctx).needFilter()
	ms, err := s.scoreNeeds(ctx, s.P.DB, o, vis, vargs, MaxSuggestions)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		n, err := s.loadNeed(ctx, s.P.DB, m.NeedID)
		if err != nil {
			return nil, err
		}
		out = append(out, Suggestion{Match: m, Need: &n})
	}
	return out, nil
}

// scoreNeeds scores the published needs under the visibility condition vis
// against an offer.
func (s *Service) scoreNeeds(ctx context.Context, q querier, o Offer, vis string, vargs []any, limit int) ([]Match, error) {
	cond, args := overlapCond("n", o.Norms, o.Topics)
	args = append(args, vargs...)
	rows, err := q.QueryContext(ctx, `SELECT n.id, n.norms, n.topics, n.kinds, n.languages, n.region, n.starts_on, n.ends_on
		FROM capacity_needs n WHERE n.status = 'published' AND `+cond+` AND `+vis, args...)
	if err != nil {
		return nil, fmt.Errorf("score needs: %w", err)
	}
	defer rows.Close()
	offer := offerProfile(o)
	if offer.free < 1 {
		offer.free = 1 // a full offer is still shown what it would match
	}
	label := s.labelFunc(ctx)
	var out []Match
	for rows.Next() {
		var nid, norms, topics, kinds, langs string
		var p profile
		if err := rows.Scan(&nid, &norms, &topics, &kinds, &langs, &p.region, &p.startsOn, &p.endsOn); err != nil {
			return nil, err
		}
		p.norms, p.topics, p.kinds, p.languages = strings.Fields(norms), strings.Fields(topics), strings.Fields(kinds), strings.Fields(langs)
		if sc, reasons, ok := Score(p, offer, label); ok {
			out = append(out, Match{NeedID: nid, OfferID: o.ID, Score: sc, Reasons: reasons})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rank(out, false)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ReasonLabels joins reasons for a sentence: "norm (c), French, training".
func ReasonLabels(rs []Reason) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.Code == "timing" {
			continue
		}
		parts = append(parts, r.Label)
	}
	return strings.Join(parts, ", ")
}

// alertNeeds e-mails the States whose published needs a newly published
// offer matches well (score ≥ AlertThreshold), once per need and offer, in
// the publishing transaction.
func (s *Service) alertNeeds(ctx context.Context, tx *db.Tx, o Offer) error {
	ms, err := s.scoreNeeds(ctx, tx, o, "1 = 1", nil, 50)
	if err != nil {
		return err
	}
	now := s.now()
	for _, m := range ms {
		if m.Score < AlertThreshold {
			break
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO capacity_alerts (need_id, offer_id, sent_at) VALUES (?, ?, ?) ON CONFLICT (need_id, offer_id) DO NOTHING`, m.NeedID, o.ID, now)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		n, err := s.loadNeed(ctx, tx, m.NeedID)
		if err != nil {
			return err
		}
		link, reasons, score := s.P.Link("/capacity/needs/"+n.ID), m.Reasons, m.Score
		if err := s.mailState(ctx, tx, n.State, func(lang string, t tr) (string, string) {
			return t("capacity.mail.alert.subject", o.Title),
				t("capacity.mail.alert.body", n.Title, o.Title, providerName(o, lang), reasonsText(reasons, t), score, link)
		}); err != nil {
			return err
		}
	}
	return nil
}

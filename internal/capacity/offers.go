package capacity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

const offerCols = `o.id, o.provider_kind, o.state_iso3, o.org_id, o.provider_name, o.status, o.title, o.description, o.norms, o.topics, o.kinds, o.languages, o.regions,
	o.starts_on, o.ends_on, o.capacity, o.engaged, o.cost, o.contact, o.created_at, o.updated_at, o.published_at`

func scanOffer(row interface{ Scan(...any) error }) (Offer, error) {
	var o Offer
	var norms, topics, kinds, langs, regions string
	var pub sql.NullTime
	err := row.Scan(&o.ID, &o.ProviderKind, &o.State, &o.OrgID, &o.Provider, &o.Status, &o.Title, &o.Description, &norms, &topics, &kinds, &langs, &regions,
		&o.StartsOn, &o.EndsOn, &o.Capacity, &o.Engaged, &o.Cost, &o.Contact, &o.CreatedAt, &o.UpdatedAt, &pub)
	if err != nil {
		return o, err
	}
	o.Norms, o.Topics, o.Kinds, o.Languages, o.Regions = splitList(norms), splitList(topics), splitList(kinds), splitList(langs), splitList(regions)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		o.PublishedAt = &t
	}
	return o, nil
}

func (s *Service) validateOffer(ctx context.Context, in OfferInput, o *Offer) error {
	var err error
	if o.Title, err = checkLine("title", in.Title, 3, 200); err != nil {
		return err
	}
	if o.Description, err = checkText("description", in.Description, 10, 20000); err != nil {
		return err
	}
	if o.Norms, err = s.checkNorms(ctx, in.Norms); err != nil {
		return err
	}
	if o.Topics, err = fromList("topics", in.Topics, Topics); err != nil {
		return err
	}
	if len(o.Norms) == 0 && len(o.Topics) == 0 {
		return invalid("norms", "name at least one norm or topic")
	}
	if o.Kinds, err = fromList("kinds", in.Kinds, KindsOfHelp); err != nil {
		return err
	}
	if len(o.Kinds) == 0 {
		return invalid("kinds", "name at least one kind of help")
	}
	if o.Languages, err = fromList("languages", in.Languages, Languages); err != nil {
		return err
	}
	if len(o.Languages) == 0 {
		return invalid("languages", "name at least one language")
	}
	if o.Regions, err = fromList("regions", in.Regions, Regions); err != nil {
		return err
	}
	if len(o.Regions) == 0 {
		return invalid("regions", "name at least one region, or global")
	}
	if o.StartsOn, o.EndsOn, err = checkPeriod("starts_on", in.StartsOn, "ends_on", in.EndsOn); err != nil {
		return err
	}
	if in.Capacity < 1 || in.Capacity > 1000 {
		return invalid("capacity", "must be from 1 to 1000 engagements")
	}
	if in.Capacity < o.Engaged {
		return invalid("capacity", "must not be below the %d engagements already accepted", o.Engaged)
	}
	o.Capacity = in.Capacity
	o.Cost = strings.TrimSpace(in.Cost)
	if !contains(CostBases, o.Cost) {
		return invalid("cost", "must be free, co-funded or at-cost")
	}
	if o.Contact, err = checkLine("contact", in.Contact, 0, 200); err != nil {
		return err
	}
	return nil
}

// CreateOffer records an offer of the acting State (its staff) or
// organisation (its members), as a draft or published at once.
func (s *Service) CreateOffer(ctx context.Context, in OfferInput) (Offer, error) {
	u := auth.UserFrom(ctx)
	o := Offer{ID: id.New(), Status: OfferDraft}
	switch {
	case u != nil && u.Role.IsState():
		o.ProviderKind, o.State, o.Provider = "state", u.StateISO3, stateName(u.StateISO3, "en")
	case u != nil && u.Role == auth.RoleStakeholder && u.OrgID != "":
		o.ProviderKind, o.OrgID = "organisation", u.OrgID
		if err := s.P.DB.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = ?`, u.OrgID).Scan(&o.Provider); err != nil {
			return o, fmt.Errorf("organisation of %s: %w", u.ID, err)
		}
	default:
		return o, ErrForbidden
	}
	if err := s.validateOffer(ctx, in, &o); err != nil {
		return o, err
	}
	if in.Publish && !canPublishOffer(u) {
		return o, ErrForbidden
	}
	now := s.now()
	o.CreatedAt, o.UpdatedAt = now, now
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_offers (id, provider_kind, state_iso3, org_id, provider_name, status, title, description, norms, topics, kinds, languages, regions,
			starts_on, ends_on, capacity, engaged, cost, contact, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
			o.ID, o.ProviderKind, o.State, o.OrgID, o.Provider, o.Status, o.Title, o.Description, joinList(o.Norms), joinList(o.Topics), joinList(o.Kinds), joinList(o.Languages),
			joinList(o.Regions), o.StartsOn, o.EndsOn, o.Capacity, o.Cost, o.Contact, u.ID, now, now); err != nil {
			return fmt.Errorf("insert offer: %w", err)
		}
		if err := audit.Record(ctx, tx, "capacity.offer.create", "capacity_offer", o.ID, nil, offerAudit(o)); err != nil {
			return err
		}
		if in.Publish {
			return s.publishOfferTx(ctx, tx, &o)
		}
		return nil
	})
	return o, err
}

// canPublishOffer: a State's offers are published by its approver, an
// organisation's by any of its members.
func canPublishOffer(u *auth.User) bool {
	return u != nil && (u.Role == auth.RoleStateApprover || u.Role == auth.RoleStakeholder)
}

func offerAudit(o Offer) map[string]any {
	return map[string]any{"provider": o.Provider, "status": o.Status, "title": o.Title, "norms": o.Norms, "kinds": o.Kinds, "capacity": o.Capacity}
}

func (s *Service) loadOffer(ctx context.Context, q querier, offerID string) (Offer, error) {
	o, err := scanOffer(q.QueryRowContext(ctx, `SELECT `+offerCols+` FROM capacity_offers o WHERE o.id = ?`, offerID))
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	return o, err
}

// Offer reads an offer: published and withdrawn offers are public, drafts
// only to their owner.
func (s *Service) Offer(ctx context.Context, offerID string) (Offer, error) {
	o, err := s.loadOffer(ctx, s.P.DB, offerID)
	if err != nil {
		return o, err
	}
	if o.Status == OfferDraft && !s.viewer(ctx).ownsOffer(o) {
		return Offer{}, ErrNotFound
	}
	return o, nil
}

// UpdateOffer changes an offer of the acting user's State or organisation.
func (s *Service) UpdateOffer(ctx context.Context, offerID string, in OfferInput) (Offer, error) {
	var out Offer
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := s.loadOffer(ctx, tx, offerID)
		if err != nil {
			return err
		}
		if !s.viewer(ctx).ownsOffer(o) {
			return ErrNotFound
		}
		if o.Status == OfferWithdrawn {
			return conflict("the offer was withdrawn")
		}
		before := offerAudit(o)
		if err := s.validateOffer(ctx, in, &o); err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_offers SET title = ?, description = ?, norms = ?, topics = ?, kinds = ?, languages = ?, regions = ?,
			starts_on = ?, ends_on = ?, capacity = ?, cost = ?, contact = ?, updated_at = ? WHERE id = ?`, o.Title, o.Description, joinList(o.Norms), joinList(o.Topics),
			joinList(o.Kinds), joinList(o.Languages), joinList(o.Regions), o.StartsOn, o.EndsOn, o.Capacity, o.Cost, o.Contact, o.UpdatedAt, o.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "capacity.offer.update", "capacity_offer", o.ID, before, offerAudit(o)); err != nil {
			return err
		}
		if in.Publish && o.Status == OfferDraft {
			if !canPublishOffer(auth.UserFrom(ctx)) {
				return ErrForbidden
			}
			return s.publishOfferTx(ctx, tx, &o)
		}
		out = o
		if err := syncProfile(ctx, tx, o.ID); err != nil {
			return err
		}
		return s.indexOffer(ctx, tx, o)
	})
	if err == nil && out.ID == "" {
		out, err = s.loadOffer(ctx, s.P.DB, offerID)
	}
	return out, err
}

// PublishOffer publishes a draft offer.
func (s *Service) PublishOffer(ctx context.Context, offerID string) (Offer, error) {
	var out Offer
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := s.loadOffer(ctx, tx, offerID)
		if err != nil {
			return err
		}
		if !s.viewer(ctx).ownsOffer(o) {
			return ErrNotFound
		}
		if !canPublishOffer(auth.UserFrom(ctx)) {
			return ErrForbidden
		}
		if o.Status != OfferDraft {
			return conflict("the offer is %s", o.Status)
		}
		out = o
		return s.publishOfferTx(ctx, tx, &out)
	})
	return out, err
}

// WithdrawOffer takes a published offer back: it is no longer proposed.
func (s *Service) WithdrawOffer(ctx context.Context, offerID string) (Offer, error) {
	var out Offer
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := s.loadOffer(ctx, tx, offerID)
		if err != nil {
			return err
		}
		if !s.viewer(ctx).ownsOffer(o) {
			return ErrNotFound
		}
		if o.Status == OfferWithdrawn {
			return conflict("the offer was already withdrawn")
		}
		before := offerAudit(o)
		o.Status, o.UpdatedAt = OfferWithdrawn, s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_offers SET status = ?, updated_at = ? WHERE id = ?`, o.Status, o.UpdatedAt, o.ID); err != nil {
			return err
		}
		out = o
		if err := syncProfile(ctx, tx, o.ID); err != nil {
			return err
		}
		if err := search.Remove(ctx, tx, SearchOffer, o.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.offer.withdraw", "capacity_offer", o.ID, before, offerAudit(o))
	})
	return out, err
}

func (s *Service) publishOfferTx(ctx context.Context, tx *db.Tx, o *Offer) error {
	before := offerAudit(*o)
	now := s.now()
	o.Status, o.UpdatedAt, o.PublishedAt = OfferPublished, now, &now
	if _, err := tx.ExecContext(ctx, `UPDATE capacity_offers SET status = ?, updated_at = ?, published_at = ? WHERE id = ?`, o.Status, now, now, o.ID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, "capacity.offer.publish", "capacity_offer", o.ID, before, offerAudit(*o)); err != nil {
		return err
	}
	if err := syncProfile(ctx, tx, o.ID); err != nil {
		return err
	}
	if err := s.indexOffer(ctx, tx, *o); err != nil {
		return err
	}
	return s.alertNeeds(ctx, tx, *o)
}

func (s *Service) indexOffer(ctx context.Context, tx *db.Tx, o Offer) error {
	if o.Status != OfferPublished {
		return search.Remove(ctx, tx, SearchOffer, o.ID)
	}
	d := search.Document{Kind: SearchOffer, Ref: o.ID, Lang: "en", Title: o.Title, Body: o.Provider + "\n" + o.Description, URL: "/capacity/offers/" + o.ID,
		Norms: o.Norms, Status: o.Status, State: o.State}
	if len(o.Kinds) > 0 {
		d.Type = o.Kinds[0]
	}
	if len(o.Regions) > 0 {
		d.Region = o.Regions[0]
	}
	if o.PublishedAt != nil {
		d.Year = o.PublishedAt.Year()
	}
	return search.Index(ctx, tx, d)
}

// OfferFilter narrows a list of offers.
type OfferFilter struct {
	Norm, Topic, Kind, Region, Language, Cost string
	Own                                       bool
	After                                     string
	Limit                                     int
	// UpdatedSince keeps the offers changed after it.
	UpdatedSince time.Time
}

// Offers lists offers: published ones, and the acting user's own drafts
// and withdrawn ones with Own.
func (s *Service) Offers(ctx context.Context, f OfferFilter) ([]Offer, error) {
	return s.offers(ctx, f, offerCols, scanOffer)
}

// offerBriefCols are the columns a list of offers shows (scanOfferBrief).
const offerBriefCols = `o.id, o.provider_kind, o.state_iso3, o.provider_name, o.status, o.title, o.kinds, o.capacity, o.engaged`

// scanOfferBrief reads an offer's offerBriefCols, leaving its other fields
// empty.
func scanOfferBrief(row interface{ Scan(...any) error }) (Offer, error) {
	var o Offer
	var kinds string
	err := row.Scan(&o.ID, &o.ProviderKind, &o.State, &o.Provider, &o.Status, &o.Title, &kinds, &o.Capacity, &o.Engaged)
	o.Kinds = splitList(kinds)
	return o, err
}

// offerBriefs are Offers with only what the lists show (offerBriefCols):
// the pages' lists do not read every offer's description, dates and times.
func (s *Service) offerBriefs(ctx context.Context, f OfferFilter) ([]Offer, error) {
	return s.offers(ctx, f, offerBriefCols, scanOfferBrief)
}

func (s *Service) offers(ctx context.Context, f OfferFilter, cols string, scan func(interface{ Scan(...any) error }) (Offer, error)) ([]Offer, error) {
	var conds []string
	var args []any
	u := auth.UserFrom(ctx)
	if f.Own {
		switch {
		case u != nil && u.Role.IsState():
			conds = append(conds, "o.provider_kind = 'state' AND o.state_iso3 = ?")
			args = append(args, u.StateISO3)
		case u != nil && u.OrgID != "":
			conds = append(conds, "o.provider_kind = 'organisation' AND o.org_id = ?")
			args = append(args, u.OrgID)
		default:
			return []Offer{}, nil
		}
	} else {
		conds = append(conds, "o.status = 'published'")
	}
	for _, x := range []struct{ col, v string }{{"o.norms", f.Norm}, {"o.topics", f.Topic}, {"o.kinds", f.Kind}, {"o.languages", f.Language}, {"o.regions", f.Region}} {
		if x.v != "" {
			conds = append(conds, x.col+" LIKE ?")
			args = append(args, "% "+x.v+" %")
		}
	}
	if f.Cost != "" {
		conds = append(conds, "o.cost = ?")
		args = append(args, f.Cost)
	}
	if f.After != "" {
		conds = append(conds, "o.id < ?")
		args = append(args, f.After)
	}
	if !f.UpdatedSince.IsZero() {
		conds = append(conds, "o.updated_at > ?")
		args = append(args, f.UpdatedSince)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+cols+` FROM capacity_offers o WHERE `+strings.Join(conds, " AND ")+` ORDER BY o.id DESC LIMIT `+fmt.Sprint(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	defer rows.Close()
	out := []Offer{}
	for rows.Next() {
		o, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

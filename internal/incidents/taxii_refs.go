package incidents

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// incident_stix_refs (migration 1003) says which STIX objects each
// published incident's bundle holds and at which version, so that the
// TAXII root finds an object by id, lists its versions and serves the
// manifest without building every bundle.

// stixVersion is an object's version: its modified, else its created
// (marking definitions have no modified).
func stixVersion(o stix.Object) string {
	if v, ok := o.String("modified"); ok {
		return v
	}
	v, _ := o.String("created")
	return v
}

// writeSTIXRefs rewrites x's rows: its bundle's objects while it is
// published, none otherwise. Every write that changes a published
// incident or its published statements calls it (through index, or
// answer), inside its transaction.
func writeSTIXRefs(ctx context.Context, q db.Querier, x *Incident) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM incident_stix_refs WHERE incident_id = ?`, x.ID); err != nil {
		return fmt.Errorf("stix refs %s: %w", x.ID, err)
	}
	if x.Status != StatusPublished {
		return nil
	}
	b, err := bundleOf(ctx, q, x.ID, []*Incident{x})
	if err != nil {
		return err
	}
	args := make([]any, 0, 4*len(b.Objects))
	for _, o := range b.Objects {
		args = append(args, x.ID, o.ID(), o.Type(), stixVersion(o))
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO incident_stix_refs (incident_id, stix_id, stix_type, version) VALUES `+db.ValueRows(len(b.Objects), 4), args...); err != nil {
		return fmt.Errorf("stix refs %s: %w", x.ID, err)
	}
	return nil
}

// objectVersion is one version of an object in the collection: added when
// the first incident holding it at that version was published.
type objectVersion struct {
	Version    string
	DateAdded  time.Time
	IncidentID string // a published incident whose bundle holds it
}

// objectVersions lists the versions of the object stixID held by published
// incidents, oldest added first (then by version).
func (s *Service) objectVersions(ctx context.Context, stixID string) ([]objectVersion, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT r.version, i.published_at, i.id FROM incident_stix_refs r JOIN incidents i ON i.id = r.incident_id
		WHERE r.stix_id = ? AND i.status = ? ORDER BY r.version, i.published_at, i.id`, stixID, StatusPublished)
	if err != nil {
		return nil, fmt.Errorf("object versions: %w", err)
	}
	defer rows.Close()
	var out []objectVersion
	for rows.Next() {
		var v objectVersion
		if err := rows.Scan(&v.Version, &v.DateAdded, &v.IncidentID); err != nil {
			return nil, err
		}
		v.DateAdded = v.DateAdded.UTC()
		if n := len(out); n > 0 && out[n-1].Version == v.Version {
			continue // the earliest publication of this version is already kept
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DateAdded.Equal(out[j].DateAdded) {
			return out[i].DateAdded.Before(out[j].DateAdded)
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// objectAt builds the object stixID as the incident incidentID's bundle
// holds it.
func (s *Service) objectAt(ctx context.Context, incidentID, stixID string) (stix.Object, bool, error) {
	x, err := loadIncident(ctx, s.DB, incidentID)
	if err != nil {
		return stix.Object{}, false, err
	}
	b, err := bundleOf(ctx, s.DB, x.ID, []*Incident{x})
	if err != nil {
		return stix.Object{}, false, err
	}
	for _, o := range b.Objects {
		if o.ID() == stixID {
			return o, true, nil
		}
	}
	return stix.Object{}, false, nil
}

// manifestEntry is one object of a published incident, for the manifest.
type manifestEntry struct {
	IncidentID string
	Published  time.Time
	ID, Type   string
	Version    string
}

// manifestOf reads the refs of the given published incidents, in the
// order of ids and then of object id.
func (s *Service) manifestOf(ctx context.Context, ids []string) ([]manifestEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, v := range ids {
		args[i] = v
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT r.incident_id, i.published_at, r.stix_id, r.stix_type, r.version FROM incident_stix_refs r
		JOIN incidents i ON i.id = r.incident_id WHERE r.incident_id IN (`+db.Placeholders(len(ids))+`) ORDER BY r.incident_id, r.stix_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer rows.Close()
	var out []manifestEntry
	for rows.Next() {
		var e manifestEntry
		if err := rows.Scan(&e.IncidentID, &e.Published, &e.ID, &e.Type, &e.Version); err != nil {
			return nil, err
		}
		e.Published = e.Published.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

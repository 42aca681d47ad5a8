package reporting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Change kinds in a diff.
const (
	Added   = "added"
	Changed = "changed"
	Removed = "removed"
)

// MeasureChange is one measure that differs between two contents. Measures
// are matched by their key, which survives saves, versions and carrying a
// report forward into the next cycle.
type MeasureChange struct {
	Kind   string   `json:"kind"`
	Key    string   `json:"key"`
	Old    *Measure `json:"old,omitempty"`
	New    *Measure `json:"new,omitempty"`
	Fields []string `json:"fields,omitempty"` // for "changed": which fields
}

// NormDiff is what changed under one norm.
type NormDiff struct {
	NormID         string          `json:"norm_id"`
	Changes        []MeasureChange `json:"changes"`
	Unchanged      int             `json:"unchanged"`
	NotesChanged   bool            `json:"notes_changed"`
	OldNotes       NormNotes       `json:"old_notes"`
	NewNotes       NormNotes       `json:"new_notes"`
	Added, Removed int
	ChangedCount   int
}

// Diff compares two contents norm by norm.
type Diff struct {
	From        Ref        `json:"from"`
	To          Ref        `json:"to"`
	Norms       []NormDiff `json:"norms"`
	ILawChanged bool       `json:"international_law_changed"`
	Added       int        `json:"added"`
	Changed     int        `json:"changed"`
	Removed     int        `json:"removed"`
}

// Ref names one side of a comparison.
type Ref struct {
	ReportID string `json:"report_id"`
	Cycle    string `json:"cycle"`
	Version  int    `json:"version"`
}

func measureFields(a, b Measure) []string {
	var f []string
	if a.Title != b.Title {
		f = append(f, "title")
	}
	if a.Description != b.Description {
		f = append(f, "description")
	}
	if a.Type != b.Type {
		f = append(f, "type")
	}
	if a.Status != b.Status {
		f = append(f, "status")
	}
	if a.Date != b.Date {
		f = append(f, "date")
	}
	if !slices.Equal(a.Links, b.Links) {
		f = append(f, "links")
	}
	if !slices.Equal(a.OtherNorms, b.OtherNorms) {
		f = append(f, "other_norms")
	}
	if a.NormID != b.NormID {
		f = append(f, "norm_id")
	}
	return f
}

// Compare computes the differences from old to new, listing the norms in
// the order given (the reportable norms), then any other norm met.
func Compare(normOrder []string, old, new Content) Diff {
	var d Diff
	byNorm := map[string]*NormDiff{}
	order := append([]string(nil), normOrder...)
	get := func(n string) *NormDiff {
		if nd, ok := byNorm[n]; ok {
			return nd
		}
		nd := &NormDiff{NormID: n, Changes: []MeasureChange{}}
		byNorm[n] = nd
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
		return nd
	}
	oldByKey := map[string]Measure{}
	for _, m := range old.Measures {
		oldByKey[m.Key] = m
	}
	newKeys := map[string]bool{}
	for _, m := range new.Measures {
		newKeys[m.Key] = true
		nd := get(m.NormID)
		o, ok := oldByKey[m.Key]
		switch {
		case !ok:
			mm := m
			nd.Changes = append(nd.Changes, MeasureChange{Kind: Added, Key: m.Key, New: &mm})
			nd.Added++
		default:
			if f := measureFields(o, m); len(f) > 0 {
				oo, mm := o, m
				nd.Changes = append(nd.Changes, MeasureChange{Kind: Changed, Key: m.Key, Old: &oo, New: &mm, Fields: f})
				nd.ChangedCount++
			} else {
				nd.Unchanged++
			}
		}
	}
	for _, m := range old.Measures {
		if !newKeys[m.Key] {
			mm := m
			nd := get(m.NormID)
			nd.Changes = append(nd.Changes, MeasureChange{Kind: Removed, Key: m.Key, Old: &mm})
			nd.Removed++
		}
	}
	oldNotes, newNotes := map[string]NormNotes{}, map[string]NormNotes{}
	for _, n := range old.Notes {
		oldNotes[n.NormID] = n
	}
	for _, n := range new.Notes {
		newNotes[n.NormID] = n
	}
	for _, n := range order {
		o, nw := oldNotes[n], newNotes[n]
		if o.Challenges != nw.Challenges || o.CapacityGaps != nw.CapacityGaps {
			nd := get(n)
			nd.NotesChanged, nd.OldNotes, nd.NewNotes = true, o, nw
		}
	}
	for _, n := range order {
		if nd, ok := byNorm[n]; ok {
			d.Norms = append(d.Norms, *nd)
			d.Added += nd.Added
			d.Changed += nd.ChangedCount
			d.Removed += nd.Removed
		}
	}
	d.ILawChanged = old.ILawSummary != new.ILawSummary || !slices.Equal(old.ILawLinks, new.ILawLinks)
	return d
}

// Against says what to compare a version with.
const (
	AgainstPreviousVersion = "previous-version"
	AgainstPreviousCycle   = "previous-cycle"
)

// DiffReport compares a version of a report (version < 0: the caller's
// default, as in Open) with its previous version, or with the State's
// report in the previous cycle that the caller may read. Both sides obey the
// same access rules as Open.
func (s *Service) DiffReport(ctx context.Context, reportID string, version int, against string) (Diff, error) {
	to, err := s.Open(ctx, reportID, version)
	if err != nil {
		return Diff{}, err
	}
	var from View
	switch against {
	case "", AgainstPreviousVersion:
		prev := to.Version - 1
		if to.Version == 0 {
			prev = to.Report.CurrentVersion
		}
		if prev >= 1 {
			// The newest readable version before this one.
			vs, err := s.Versions(ctx, reportID)
			if err != nil {
				return Diff{}, err
			}
			found := false
			for _, v := range vs {
				if v.Version <= prev {
					prev, found = v.Version, true
					break
				}
			}
			if found {
				if from, err = s.Open(ctx, reportID, prev); err != nil {
					return Diff{}, err
				}
			}
		}
	case AgainstPreviousCycle:
		var prevID string
		err := s.P.DB.QueryRowContext(ctx, `SELECT r.id FROM reports r WHERE r.state_iso3 = ? AND r.cycle_year < ? AND r.current_version > 0 ORDER BY r.cycle_year DESC LIMIT 1`,
			to.Report.StateISO3, to.Report.CycleYear).Scan(&prevID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Diff{}, fmt.Errorf("previous cycle: %w", err)
		}
		if prevID != "" {
			if from, err = s.Open(ctx, prevID, -1); err != nil && !errors.Is(err, ErrNotFound) {
				var p *Problem
				if !errors.As(err, &p) {
					return Diff{}, err
				}
			}
			if from.Version == 0 && from.Report.ID != "" {
				// A reopened earlier report: compare with its current version.
				from, _ = s.Open(ctx, prevID, from.Report.CurrentVersion)
			}
		}
	default:
		return Diff{}, invalid("against", "must be previous-version or previous-cycle")
	}
	norms, err := s.ReportableNorms(ctx)
	if err != nil {
		return Diff{}, err
	}
	order := make([]string, len(norms))
	for i, n := range norms {
		order[i] = n.ID
	}
	d := Compare(order, from.Content, to.Content)
	d.To = Ref{ReportID: to.Report.ID, Cycle: to.Report.CycleName, Version: to.Version}
	if from.Report.ID != "" {
		d.From = Ref{ReportID: from.Report.ID, Cycle: from.Report.CycleName, Version: from.Version}
	}
	return d, nil
}

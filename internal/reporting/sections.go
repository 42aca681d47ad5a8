package reporting

import (
	"context"
	"fmt"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// SectionILaw names the section of the State's position on international
// law; every other section is named by a reportable norm's id.
const SectionILaw = "international-law"

// Section statuses on the task list, in the order a section moves through
// them.
const (
	SectionNotStarted = "not_started"
	SectionToReview   = "to_review" // carried forward, not yet saved in this draft
	SectionInProgress = "in_progress"
	SectionCompleted  = "completed" // marked completed by an editor
)

// SectionState is one line of the draft's task list.
type SectionState struct {
	Section  string `json:"section"`
	Status   string `json:"status"`
	Measures int    `json:"measures"`
	HasNotes bool   `json:"has_notes"`
}

// isSection reports whether name is a section of a report.
func (s *Service) isSection(name string) bool {
	return name == SectionILaw || s.isReportable(name)
}

// SectionStates is the task list of a report's draft: every reportable
// norm, then the international-law position, with its status. The caller
// must be an insider (Open's rules).
func (s *Service) SectionStates(ctx context.Context, reportID string) ([]SectionState, error) {
	// The measures are counted, not read (issue 20: a draft may hold
	// nine hundred).
	v, err := s.open(ctx, reportID, 0, false)
	if err != nil {
		return nil, err
	}
	counts, err := measureCounts(ctx, s.P.DB, reportID, 0)
	if err != nil {
		return nil, err
	}
	norms, err := s.ReportableNorms(ctx)
	if err != nil {
		return nil, err
	}
	type mark struct{ reviewed, completed bool }
	marks := map[string]mark{}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT section, reviewed, completed FROM report_sections WHERE report_id = ?`, reportID)
	if err != nil {
		return nil, fmt.Errorf("sections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var m mark
		if err := rows.Scan(&name, &m.reviewed, &m.completed); err != nil {
			return nil, err
		}
		marks[name] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Measures are carried forward until the report is first submitted; a
	// correction starts from its own version.
	carried := v.Report.StartedFrom != "" && v.Report.CurrentVersion == 0
	status := func(name string, content bool) string {
		m := marks[name]
		switch {
		case m.completed:
			return SectionCompleted
		case content && carried && !m.reviewed:
			return SectionToReview
		case content || m.reviewed:
			return SectionInProgress
		}
		return SectionNotStarted
	}
	out := make([]SectionState, 0, len(norms)+1)
	for _, n := range norms {
		st := SectionState{Section: n.ID, Measures: counts[n.ID]}
		for _, nn := range v.Content.Notes {
			if nn.NormID == n.ID && (strings.TrimSpace(nn.Challenges) != "" || strings.TrimSpace(nn.CapacityGaps) != "") {
				st.HasNotes = true
			}
		}
		st.Status = status(n.ID, st.Measures > 0 || st.HasNotes)
		out = append(out, st)
	}
	il := SectionState{Section: SectionILaw, HasNotes: strings.TrimSpace(v.Content.ILawSummary) != "" || len(v.Content.ILawLinks) > 0}
	il.Status = status(SectionILaw, il.HasNotes)
	return append(out, il), nil
}

// SectionInput is one section of the draft as an editor saves it on its
// own page.
type SectionInput struct {
	// Part holds the section's content: the measures and notes of its
	// norm, or the international-law position.
	Part Content
	// Completed says the editor marks the section completed.
	Completed bool
}

// SaveSection replaces one section of the draft — the measures and notes of
// one norm, or the international-law position — leaving the others as they
// are, and records it as reviewed (and completed or not) on the task list.
// revision is checked as in SaveDraft. Refusals of the part's content name
// its fields relative to the part (measures[0] is the section's first).
func (s *Service) SaveSection(ctx context.Context, reportID string, revision int, section string, in SectionInput) (Report, error) {
	if err := s.loadNorms(ctx); err != nil {
		return Report{}, err
	}
	if !s.isSection(section) {
		return Report{}, ErrNotFound
	}
	part := in.Part
	for _, m := range part.Measures {
		if section == SectionILaw || strings.TrimSpace(m.NormID) != section {
			return Report{}, invalid("measures", "a section holds only its own norm's measures")
		}
	}
	for _, n := range part.Notes {
		if section == SectionILaw || n.NormID != section {
			return Report{}, invalid("notes", "a section holds only its own norm's notes")
		}
	}
	if err := s.Validate(&part); err != nil {
		return Report{}, err
	}
	var r Report
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.loadReport(ctx, tx, reportID)
		if err != nil {
			return err
		}
		if !insider(user(ctx), cur.StateISO3) {
			return ErrNotFound
		}
		whole, err := loadContent(ctx, tx, reportID, 0)
		if err != nil {
			return err
		}
		merged := Content{Measures: []Measure{}, Notes: []NormNotes{}, ILawSummary: whole.ILawSummary, ILawLinks: whole.ILawLinks}
		if section == SectionILaw {
			merged.ILawSummary, merged.ILawLinks = part.ILawSummary, part.ILawLinks
		}
		for _, m := range whole.Measures {
			if m.NormID != section {
				merged.Measures = append(merged.Measures, m)
			}
		}
		merged.Measures = append(merged.Measures, part.Measures...)
		for _, n := range whole.Notes {
			if n.NormID != section {
				merged.Notes = append(merged.Notes, n)
			}
		}
		merged.Notes = append(merged.Notes, part.Notes...)
		if r, err = s.saveTx(ctx, tx, reportID, revision, merged); err != nil {
			return err
		}
		now := s.now(ctx)
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_sections WHERE report_id = ? AND section = ?`, reportID, section); err != nil {
			return fmt.Errorf("save section: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_sections (report_id, section, reviewed, completed, updated_at, updated_by_name) VALUES (?, ?, TRUE, ?, ?, ?)`,
			reportID, section, in.Completed, now, user(ctx).Name); err != nil {
			return fmt.Errorf("save section: %w", err)
		}
		return audit.Record(ctx, tx, "report.section", "report", reportID, nil, map[string]any{"section": section, "completed": in.Completed, "revision": r.Revision})
	})
	return r, err
}

// clearSections empties the task list of a report whose draft became a
// version: the next draft (a correction) starts its own.
func clearSections(ctx context.Context, tx *db.Tx, reportID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_sections WHERE report_id = ?`, reportID); err != nil {
		return fmt.Errorf("clear sections: %w", err)
	}
	return nil
}

package compendium

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// JobSyncSearch is the job that brings the search index in step with the
// published measures of the reporting module. It runs every minute over
// every report, and is also enqueued by the reporting module, by this name,
// in the transaction of each submission with the payload SyncRequest, so a
// newly published (or newly confidential) version is indexed as soon as a
// worker picks the job up rather than at the next minute.
const JobSyncSearch = "compendium.sync_search"

// SyncRequest is the payload of a JobSyncSearch enqueued for one report
// (the periodic run carries no report and syncs every report).
type SyncRequest struct {
	ReportID string `json:"report_id"`
	Version  int    `json:"version,omitempty"`
}

// JobOptimizeSearch merges the full-text index's segments once a day.
const JobOptimizeSearch = "search.optimize"

// SyncResult says what a sync run changed.
type SyncResult struct {
	Reports  int `json:"reports"`
	Measures int `json:"measures"`
	Removed  int `json:"removed"`
}

type publishedVersion struct {
	report, state string
	version       int
}

// SyncSearch compares the current published version of every report with
// the version whose measures are in the index, and re-indexes only the
// reports that changed (a new version, or a report no longer public). It
// also points each good practice at its measure's current published row.
// It is safe to run at any time and on several instances at once.
func (s *Service) SyncSearch(ctx context.Context) (SyncResult, error) {
	return s.sync(ctx, "")
}

// SyncReport is SyncSearch for one report: what the job enqueued at a
// submission does, at the cost of a few single-row reads when the report is
// already in step.
func (s *Service) SyncReport(ctx context.Context, reportID string) (SyncResult, error) {
	if reportID == "" {
		return SyncResult{}, errors.New("compendium: sync: a report id is required")
	}
	return s.sync(ctx, reportID)
}

// sync brings the index in step for one report, or for every report when
// only is empty.
func (s *Service) sync(ctx context.Context, only string) (SyncResult, error) {
	var res SyncResult
	published, indexed, stale, err := s.indexState(ctx, only)
	if err != nil {
		return res, err
	}
	changedStates := map[string]bool{}
	// Several reports per transaction: SQLite's full-text index writes its
	// pending terms at every commit, so a first sync of thousands of reports
	// costs far less in a few dozen transactions than in one per report,
	// while each still holds the write lock only briefly.
	for len(stale) > 0 {
		group := stale[:min(len(stale), reportsPerTx)]
		stale = stale[len(group):]
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			var docs []search.Document
			for _, v := range group {
				d, err := s.indexReport(ctx, tx, v)
				if err != nil {
					return err
				}
				docs = append(docs, d...)
				res.Reports++
				changedStates[v.state] = true
			}
			// The old entries are gone and measure ids are new in each
			// version: every document is new. Adding them last, in few
			// statements, lets SQLite's full-text index write its pending
			// terms a few times per group rather than at every statement.
			res.Measures += len(docs)
			return search.IndexNew(ctx, tx, docs)
		})
		if err != nil {
			return res, err
		}
	}
	for r := range indexed {
		if _, ok := published[r]; ok {
			continue
		}
		var state string
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			_ = tx.QueryRowContext(ctx, `SELECT state_iso3 FROM reports WHERE id = ?`, r).Scan(&state)
			if err := search.RemoveParent(ctx, tx, KindMeasure, r); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM compendium_indexed_reports WHERE report_id = ?`, r)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("compendium: sync: unindex %s: %w", r, err)
		}
		res.Removed++
		changedStates[state] = true
	}
	for st := range changedStates {
		if err := s.refreshPractices(ctx, st); err != nil {
			return res, err
		}
	}
	if res.Reports >= optimizeAfter {
		// Thousands of small index segments make every query slower (five to
		// fifteen times after the first sync of the scale-1 demo) until the
		// daily merge; merge them now.
		if err := search.Optimize(ctx, s.P.DB); err != nil {
			return res, err
		}
	}
	if res.Reports+res.Removed > 0 {
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, "compendium.search_sync", "search_index", KindMeasure, nil, res)
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// reportsPerTx is how many reports a sync indexes per transaction.
const reportsPerTx = 40

// optimizeAfter is how many reports a sync must index to merge the index
// when it is done.
const optimizeAfter = 100

// indexReport takes one report's measures out of the index and returns the
// documents of its published version, which the caller adds with
// search.IndexNew (for the whole group at once), inside tx.
func (s *Service) indexReport(ctx context.Context, tx *db.Tx, v publishedVersion) ([]search.Document, error) {
	docs, err := s.reportDocs(ctx, tx, v)
	if err != nil {
		return nil, fmt.Errorf("compendium: index report %s: %w", v.report, err)
	}
	return docs, nil
}

func (s *Service) reportDocs(ctx context.Context, tx *db.Tx, v publishedVersion) ([]search.Document, error) {
	if err := search.RemoveParent(ctx, tx, KindMeasure, v.report); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	res, err := tx.ExecContext(ctx, `UPDATE compendium_indexed_reports SET version = ?, indexed_at = ? WHERE report_id = ?`, v.version, now, v.report)
	if err != nil {
		return nil, err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO compendium_indexed_reports (report_id, version, indexed_at) VALUES (?, ?, ?)`, v.report, v.version, now); err != nil {
			return nil, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+measureCols+` FROM report_measures m WHERE m.report_id = ? AND m.version = ? AND m.published = ?`, v.report, v.version, true)
	if err != nil {
		return nil, err
	}
	var ms []PublishedMeasure
	for rows.Next() {
		m, err := scanMeasure(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	norms, err := reportMeasureNorms(ctx, tx, v.report, v.version)
	if err != nil {
		return nil, err
	}
	region := stateRegion(v.state)
	docs := make([]search.Document, 0, len(ms))
	for _, m := range ms {
		m.Norms = norms[m.ID]
		if len(m.Norms) == 0 {
			m.Norms = []string{m.NormID}
		}
		docs = append(docs, search.Document{Kind: KindMeasure, Ref: m.ID, Title: m.Title, Body: m.Desc, URL: "/reports/" + m.ReportID + "#m-" + m.Key,
			Norms: m.Norms, Type: m.Type, Status: m.Status, Region: region, Year: m.CycleYear, State: m.State, Parent: m.ReportID})
	}
	return docs, nil
}

// reportMeasureNorms returns the norms of every measure of a report version.
func reportMeasureNorms(ctx context.Context, q db.Querier, report string, version int) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT n.measure_id, n.norm_id FROM report_measure_norms n JOIN report_measures m ON m.id = n.measure_id
		WHERE m.report_id = ? AND m.version = ? ORDER BY n.measure_id, n.is_primary DESC, n.norm_id`, report, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var m, n string
		if err := rows.Scan(&m, &n); err != nil {
			return nil, err
		}
		out[m] = append(out[m], n)
	}
	return out, rows.Err()
}

// refreshPractices points each practice of a State at the newest published
// row of its measure key, and re-indexes or removes it.
func (s *Service) refreshPractices(ctx context.Context, state string) error {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT measure_key, note, marked_role, marked_at FROM compendium_practices WHERE state_iso3 = ?`, state)
	if err != nil {
		return err
	}
	type mark struct {
		key, note, role string
		at              time.Time
	}
	var marks []mark
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.key, &m.note, &m.role, &m.at); err != nil {
			rows.Close()
			return err
		}
		marks = append(marks, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(marks) == 0 {
		return nil
	}
	var versions []publishedVersion
	rows, err = s.P.DB.QueryContext(ctx, `SELECT report_id, version FROM report_versions WHERE published = ? AND state_iso3 = ?`, true, state)
	if err != nil {
		return err
	}
	for rows.Next() {
		v := publishedVersion{state: state}
		if err := rows.Scan(&v.report, &v.version); err != nil {
			rows.Close()
			return err
		}
		versions = append(versions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, mk := range marks {
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := countPractice(ctx, tx, mk.key, -1); err != nil {
				return err
			}
			var best *PublishedMeasure
			for _, v := range versions {
				m, err := scanMeasure(tx.QueryRowContext(ctx, `SELECT `+measureCols+` FROM report_measures m WHERE m.report_id = ? AND m.version = ? AND m.measure_key = ? AND m.published = ?`, v.report, v.version, mk.key, true))
				if err != nil {
					continue
				}
				if best == nil || m.CycleYear > best.CycleYear {
					best = &m
				}
			}
			if best == nil {
				// No longer counted: countPractice skips a practice
				// without a published measure.
				if _, err := tx.ExecContext(ctx, `UPDATE compendium_practices SET measure_id = '' WHERE measure_key = ?`, mk.key); err != nil {
					return err
				}
				return search.Remove(ctx, tx, KindPractice, mk.key)
			}
			if err := measureNorms(ctx, tx, best); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE compendium_practices SET measure_id = ? WHERE measure_key = ?`, best.ID, mk.key); err != nil {
				return err
			}
			if err := keepPracticeOrder(ctx, tx, *best); err != nil {
				return err
			}
			if err := countPractice(ctx, tx, mk.key, 1); err != nil {
				return err
			}
			return search.Index(ctx, tx, practiceDoc(practiceOf(*best, mk.note, mk.role, mk.at)))
		})
		if err != nil {
			return fmt.Errorf("compendium: refresh practice %s: %w", mk.key, err)
		}
	}
	return nil
}

func (s *Service) registerJobs() {
	s.P.Jobs.Register(JobSyncSearch, func(ctx context.Context, payload json.RawMessage) error {
		var req SyncRequest
		_ = json.Unmarshal(payload, &req) // the periodic run's payload names no report
		var err error
		if req.ReportID != "" {
			_, err = s.SyncReport(ctx, req.ReportID)
		} else {
			_, err = s.SyncSearch(ctx)
		}
		return err
	})
	s.P.Jobs.Every(JobSyncSearch, time.Minute)
	s.P.Jobs.Register(JobOptimizeSearch, func(ctx context.Context, _ json.RawMessage) error {
		return search.Optimize(ctx, s.P.DB)
	})
	s.P.Jobs.Every(JobOptimizeSearch, 24*time.Hour)
}

// indexState reads the published version of every report (or of only)
// and the version of each report in the search index, and lists the
// published versions not yet in the index, in report order.
func (s *Service) indexState(ctx context.Context, only string) (map[string]publishedVersion, map[string]int, []publishedVersion, error) {
	filter, args := "", []any{true}
	if only != "" {
		filter, args = " AND report_id = ?", append(args, only)
	}
	published := map[string]publishedVersion{}
	var order []string
	rows, err := s.P.DB.QueryContext(ctx, `SELECT report_id, version, state_iso3 FROM report_versions WHERE published = ?`+filter+` ORDER BY report_id`, args...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("compendium: sync: published versions: %w", err)
	}
	for rows.Next() {
		var v publishedVersion
		if err := rows.Scan(&v.report, &v.version, &v.state); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		published[v.report] = v
		order = append(order, v.report)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	indexed, err := s.indexedVersions(ctx, only)
	if err != nil {
		return nil, nil, nil, err
	}
	var stale []publishedVersion
	for _, r := range order {
		if v := published[r]; indexed[r] != v.version {
			stale = append(stale, v)
		}
	}
	return published, indexed, stale, nil
}

// indexedVersions returns which version of each report is in the search
// index: of one report, or of every report when only is empty.
func (s *Service) indexedVersions(ctx context.Context, only string) (map[string]int, error) {
	q, args := `SELECT report_id, version FROM compendium_indexed_reports`, []any(nil)
	if only != "" {
		q, args = q+` WHERE report_id = ?`, []any{only}
	}
	indexed, err := db.Counts(ctx, s.P.DB, q, args...) // report → indexed version
	if err != nil {
		return nil, fmt.Errorf("compendium: sync: indexed reports: %w", err)
	}
	return indexed, nil
}

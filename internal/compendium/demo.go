package compendium

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// DemoPracticesPerNorm is how many measures per norm the demo marks as good
// practices at scale 1; scale N multiplies it, up to demoMaxPerNorm.
const DemoPracticesPerNorm = 25

const (
	demoMaxPerNorm = 200
	// demoBatch marks share one transaction; each is still checked and
	// audited on its own (markTx).
	demoBatch = 50
)

// GenerateDemo marks published measures as good practices for `cybernorms
// demo`, through the path a curator or a State takes (MarkPractice's
// checks, audit entry and search-index update, per mark): for each norm,
// DemoPracticesPerNorm × scale measures of the States' newest public
// reports, mostly implemented ones, a few in progress. About 45 % are
// marked by the secretariat and the rest by the reporting State's editor or
// approver, each with a note saying why. The same seed and reporting data
// give the same marks. It needs the reporting step's data.
func GenerateDemo(ctx context.Context, svc *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	if scale < 1 {
		return fmt.Errorf("compendium demo: scale must be at least 1")
	}
	s := &Service{P: svc, FW: &framework.Store{DB: svc.DB}}
	norms, err := s.Norms(ctx, "en")
	if err != nil {
		return err
	}
	cands, reports, err := s.demoCandidates(ctx)
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("%d measures in the newest public reports of %d States", len(cands), reports))

	byNorm := map[string][]PublishedMeasure{}
	for _, m := range cands {
		byNorm[m.NormID] = append(byNorm[m.NormID], m)
	}
	perNorm := min(DemoPracticesPerNorm*scale, demoMaxPerNorm)
	type pick struct {
		m    PublishedMeasure
		user *auth.User
		note string
	}
	var picks []pick
	seen := map[string]bool{}
	bySec, byState := 0, 0
	for _, n := range norms {
		var done, progressing []PublishedMeasure
		for _, m := range byNorm[n.ID] {
			switch m.Status {
			case "implemented":
				done = append(done, m)
			case "in_progress":
				progressing = append(progressing, m)
			}
		}
		rng.Shuffle(len(done), func(i, j int) { done[i], done[j] = done[j], done[i] })
		rng.Shuffle(len(progressing), func(i, j int) { progressing[i], progressing[j] = progressing[j], progressing[i] })
		for k := 0; k < perNorm && len(done)+len(progressing) > 0; {
			var m PublishedMeasure
			if len(progressing) > 0 && (len(done) == 0 || rng.Float64() < 0.15) {
				m, progressing = progressing[0], progressing[1:]
			} else {
				m, done = done[0], done[1:]
			}
			if seen[m.Key] {
				continue
			}
			seen[m.Key] = true
			k++
			p := pick{m: m}
			switch r := rng.Float64(); {
			case r < 0.45:
				p.user = &auth.User{ID: "demo-secretariat", Name: "Demo secretariat", Email: "secretariat@demo.example.org", Role: auth.RoleSecretariat}
				p.note = demoSecretariatNote(rng, m)
				bySec++
			default:
				role, kind := auth.RoleStateEditor, "editor"
				if r < 0.75 {
					role, kind = auth.RoleStateApprover, "approver"
				}
				p.user = &auth.User{ID: "demo-" + kind + "-" + strings.ToLower(m.State), Name: "Demo " + kind + ", " + stateName(m.State, "en"), Role: role, StateISO3: m.State}
				p.note = demoStateNote(rng, m)
				byState++
			}
			picks = append(picks, p)
		}
	}
	total := len(picks)
	for len(picks) > 0 {
		k := min(demoBatch, len(picks))
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, p := range picks[:k] {
				uctx := audit.WithActor(auth.WithUser(ctx, p.user), p.user.Actor("demo"))
				if _, err := s.markTx(uctx, tx, PracticeInput{MeasureID: p.m.ID, Note: p.note}); err != nil {
					return fmt.Errorf("compendium demo: mark %s (%s): %w", p.m.Key, p.m.State, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		picks = picks[k:]
	}
	progress(fmt.Sprintf("%d good practices marked across %d norms (%d by the secretariat, %d by their States)", total, len(norms), bySec, byState))
	return nil
}

// demoCandidates returns the published measures of each State's newest
// public report, in a stable order (State, norm, position), and how many
// reports they come from.
func (s *Service) demoCandidates(ctx context.Context) ([]PublishedMeasure, int, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT report_id, version, state_iso3 FROM report_versions WHERE published = ? ORDER BY state_iso3, cycle_year DESC, report_id`, true)
	if err != nil {
		return nil, 0, fmt.Errorf("compendium demo: published reports: %w", err)
	}
	var newest []publishedVersion
	for rows.Next() {
		var v publishedVersion
		if err := rows.Scan(&v.report, &v.version, &v.state); err != nil {
			rows.Close()
			return nil, 0, err
		}
		if len(newest) == 0 || newest[len(newest)-1].state != v.state {
			newest = append(newest, v)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var out []PublishedMeasure
	for _, v := range newest {
		rows, err := s.P.DB.QueryContext(ctx, `SELECT `+measureCols+` FROM report_measures m WHERE m.report_id = ? AND m.version = ? AND m.published = ? ORDER BY m.norm_id, m.position, m.measure_key`,
			v.report, v.version, true)
		if err != nil {
			return nil, 0, fmt.Errorf("compendium demo: measures of %s: %w", v.report, err)
		}
		for rows.Next() {
			m, err := scanMeasure(rows)
			if err != nil {
				rows.Close()
				return nil, 0, err
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
	}
	return out, len(newest), nil
}

// demoWhy is what a curator sees in a measure of each type.
var demoWhy = map[string]string{
	"legislation":       "A clear legal basis with defined duties, safeguards and independent oversight.",
	"strategy":          "Measurable objectives, a named lead for each and a public review every two years.",
	"policy":            "A written policy that every agency applies the same way, published so partners know what to expect.",
	"institution":       "A single body with a published mandate and a point of contact that other States can reach at any hour.",
	"practice":          "A routine that works in daily operations and is documented well enough for others to adapt.",
	"cbm":               "Regular, verifiable exchanges that make the State's conduct more predictable to its neighbours.",
	"capacity_building": "Shares skills on request and follows the needs the partners themselves identified.",
	"other":             "Fills a gap that other reports describe, in a way that can be reused.",
}

var demoSecretariatAfter = []string{
	"Recommended as a starting point for States building their first programme.",
	"Suitable for States with limited resources.",
	"Several States asked about it during the last session.",
	"The report gives enough detail to reproduce it.",
	"",
}

func demoSecretariatNote(rng *rand.Rand, m PublishedMeasure) string {
	why := demoWhy[m.Type]
	if why == "" {
		why = demoWhy["other"]
	}
	return strings.TrimSpace(why + " " + demoSecretariatAfter[rng.IntN(len(demoSecretariatAfter))])
}

// demoTypeNoun names a measure of each type in a State's own note.
var demoTypeNoun = map[string]string{
	"legislation": "This law", "strategy": "This strategy", "policy": "This policy", "institution": "This institution",
	"practice": "This practice", "cbm": "This confidence-building measure", "capacity_building": "This capacity-building programme", "other": "This measure",
}

var demoStateWhy = []string{
	"%s has worked in practice and we are ready to share our experience with other States.",
	"%s was set up with industry and civil society; our national point of contact can explain how.",
	"%s was reviewed after its first year; the lessons learned are in our report and we welcome questions.",
	"%s was developed with regional partners and is offered as an example for States with similar institutions.",
	"%s has measurably reduced response times; we publish its yearly figures.",
}

func demoStateNote(rng *rand.Rand, m PublishedMeasure) string {
	noun := demoTypeNoun[m.Type]
	if noun == "" {
		noun = demoTypeNoun["other"]
	}
	return fmt.Sprintf(demoStateWhy[rng.IntN(len(demoStateWhy))], noun)
}

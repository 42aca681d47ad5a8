package participation

import "context"

// History is an organisation's accreditation record across sessions.
type History struct {
	Organisation Organisation  `json:"organisation"`
	Contacts     []string      `json:"contact_people"`
	Applications []Application `json:"applications"`
	Summary      Summary       `json:"summary"`
	// Bodies is the record body by body, in the order the organisation
	// first applied to each.
	Bodies []BodyRecord `json:"bodies"`
}

// BodyRecord is an organisation's accreditation record in one body: what
// became of its applications there, and its runs of consecutive sessions
// refused and objected to. Bodies are counted apart, and objections apart
// from refusals, because an objection refuses under the veto but only puts
// the application to a vote under the decision modality.
type BodyRecord struct {
	Body     string `json:"body"`
	BodyName string `json:"body_name"`
	// Applications counts every application to the body (drafts aside),
	// standing ones and those not yet decided included.
	Applications int `json:"applications"`
	// Sessions counts the sessions for which an application was decided;
	// the figures and runs below are over these, in session order.
	Sessions           int `json:"sessions_decided"`
	Accredited         int `json:"accredited"`
	Refused            int `json:"refused"`
	Objected           int `json:"objected"`
	RefusedByObjection int `json:"refused_by_objection"`
	AccreditedByVote   int `json:"accredited_by_vote"`
	RefusedByVote      int `json:"refused_by_vote"`
	// RefusedRun counts the consecutive sessions, ending with the latest
	// decided one, for which the organisation was refused.
	RefusedRun        int `json:"refused_consecutive_sessions"`
	LongestRefusedRun int `json:"longest_refused_run"`
	// ObjectedRun counts the consecutive sessions, ending with the latest
	// decided one, in which an objection stood at the end of the objection
	// period, whatever the outcome.
	ObjectedRun        int `json:"objected_consecutive_sessions"`
	LongestObjectedRun int `json:"longest_objected_run"`
	// RunObjections is, when every refusal of the current refused run was
	// by objection with the same number of objections standing, that
	// number (1: each time by one State's objection); 0 otherwise.
	RunObjections int `json:"objections_per_refusal_in_run,omitempty"`
	// RunAccreditedByVote is true when every session of the current
	// objected run ended in accreditation by vote.
	RunAccreditedByVote bool `json:"objected_run_accredited_by_vote,omitempty"`
}

// BodyRecords sums applications up body by body. list is in session
// order, oldest first; standing applications and those not yet decided
// count only in Applications.
func BodyRecords(list []Application) []BodyRecord {
	type step struct {
		refused, objected, byObjection, byVote bool
		objections                             int
	}
	var out []BodyRecord
	index := map[string]int{}
	steps := map[string][]step{}
	for _, a := range list {
		i, ok := index[a.BodySlug]
		if !ok {
			i = len(out)
			index[a.BodySlug] = i
			out = append(out, BodyRecord{Body: a.BodySlug, BodyName: a.BodyName})
		}
		r := &out[i]
		r.Applications++
		decided := a.Status == StatusAccredited || a.Status == StatusRefused
		if a.Standing || !decided {
			continue
		}
		st := step{refused: a.Status == StatusRefused, objected: a.Modality.Circulated() && a.Objections > 0, byVote: a.VoteClosed(), objections: a.Objections}
		st.byObjection = st.refused && st.objected && !st.byVote
		r.Sessions++
		switch {
		case st.refused:
			r.Refused++
		default:
			r.Accredited++
		}
		if st.objected {
			r.Objected++
		}
		switch {
		case st.byObjection:
			r.RefusedByObjection++
		case st.byVote && st.refused:
			r.RefusedByVote++
		case st.byVote:
			r.AccreditedByVote++
		}
		steps[a.BodySlug] = append(steps[a.BodySlug], st)
	}
	for i := range out {
		r := &out[i]
		seq := steps[r.Body]
		refused, objected := make([]bool, len(seq)), make([]bool, len(seq))
		for k, st := range seq {
			refused[k], objected[k] = st.refused, st.objected
		}
		r.RefusedRun, r.LongestRefusedRun = Streak(refused)
		r.ObjectedRun, r.LongestObjectedRun = Streak(objected)
		if r.RefusedRun > 0 {
			run := seq[len(seq)-r.RefusedRun:]
			r.RunObjections = run[0].objections
			for _, st := range run {
				if !st.byObjection || st.objections != r.RunObjections {
					r.RunObjections = 0
					break
				}
			}
		}
		if r.ObjectedRun > 0 {
			r.RunAccreditedByVote = true
			for _, st := range seq[len(seq)-r.ObjectedRun:] {
				r.RunAccreditedByVote = r.RunAccreditedByVote && st.byVote && !st.refused
			}
		}
	}
	return out
}

// OrganisationHistory returns an organisation's profile and its full
// accreditation history, oldest session first, with its record body by
// body.
func (s *Service) OrganisationHistory(ctx context.Context, slug string) (History, error) {
	o, err := s.OrganisationBySlug(ctx, slug)
	if err != nil {
		return History{}, err
	}
	h := History{Organisation: o}
	if h.Contacts, err = s.ContactPeople(ctx, o.ID); err != nil {
		return h, err
	}
	list, err := s.listApps(ctx, `a.org_id = ? ORDER BY COALESCE(s.starts_at, a.created_at), a.created_at`, o.ID)
	if err != nil {
		return h, err
	}
	h.Applications, h.Summary, h.Bodies = list, Summarise(list), BodyRecords(list)
	if h.Bodies == nil {
		h.Bodies = []BodyRecord{}
	}
	return h, nil
}

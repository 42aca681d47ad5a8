package participation

import (
	"fmt"
	"time"
)

// Modality is how a body decides whether a stakeholder organisation is
// accredited. The secretariat chooses it per body and it is shown publicly.
type Modality string

// The four modalities; docs/modules/participation.md explains each.
const (
	// ModalityECOSOC accredits, on application, organisations in ECOSOC
	// consultative status; others are not eligible under it.
	ModalityECOSOC Modality = "ecosoc"
	// ModalityVeto circulates applications to the Member States for an
	// objection period; any one objection still standing at its end refuses.
	ModalityVeto Modality = "non-objection-veto"
	// ModalityDecision circulates like ModalityVeto, but an objection puts the
	// application to a recorded vote of the Member States.
	ModalityDecision Modality = "non-objection-decision"
	// ModalityOpen accredits every applicant on application.
	ModalityOpen Modality = "open"
)

// Modalities lists the modalities in the order they are offered.
var Modalities = []Modality{ModalityECOSOC, ModalityVeto, ModalityDecision, ModalityOpen}

// Valid reports whether m is one of Modalities.
func (m Modality) Valid() bool {
	for _, x := range Modalities {
		if x == m {
			return true
		}
	}
	return false
}

// Circulated reports whether applications under m go to the Member States.
func (m Modality) Circulated() bool { return m == ModalityVeto || m == ModalityDecision }

// Majority is the rule a recorded vote must meet for an application to be
// accepted. Only yes and no votes count ("present and voting"); abstentions
// do not.
type Majority string

// The majority rules.
const (
	// MajoritySimple: more yes than no votes.
	MajoritySimple Majority = "simple"
	// MajorityTwoThirds: at least two thirds of the yes and no votes are yes.
	MajorityTwoThirds Majority = "two-thirds"
)

// Majorities lists the majority rules.
var Majorities = []Majority{MajoritySimple, MajorityTwoThirds}

// Valid reports whether m is one of Majorities.
func (m Majority) Valid() bool { return m == MajoritySimple || m == MajorityTwoThirds }

// Tally counts a recorded vote.
type Tally struct {
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Abstain int `json:"abstain"`
}

// Passes reports whether the tally meets the majority rule. With no yes or
// no votes at all there is no majority, so it does not pass; a tie does not
// pass either.
func (t Tally) Passes(m Majority) bool {
	voting := t.Yes + t.No
	if voting == 0 {
		return false
	}
	if m == MajorityTwoThirds {
		return 3*t.Yes >= 2*voting
	}
	return t.Yes > t.No
}

// Outcome is the result of an application.
type Outcome string

// The outcomes.
const (
	OutcomeAccredited Outcome = "accredited"
	OutcomeRefused    Outcome = "refused"
	// OutcomeToVote: objected to under ModalityDecision with no vote on
	// record, so the result would depend on a vote that was never held.
	OutcomeToVote Outcome = "to-vote"
)

// Record is what was recorded about one application: enough to decide it
// under any modality.
type Record struct {
	// ECOSOC is true when the organisation is in consultative status.
	ECOSOC bool
	// Objections counts objections still standing at the end of the period.
	Objections int
	// Voted is true when a vote was held (even if nobody voted).
	Voted bool
	// Tally is the vote's result when Voted.
	Tally Tally
}

// Decide applies a modality to a record. It is a pure function: the live
// process calls it when a period ends, and the comparison page calls it for
// every modality over the same records. The reason explains the outcome in
// one sentence.
func Decide(m Modality, maj Majority, r Record) (Outcome, string) {
	switch m {
	case ModalityOpen:
		return OutcomeAccredited, "open registration"
	case ModalityECOSOC:
		if r.ECOSOC {
			return OutcomeAccredited, "in ECOSOC consultative status"
		}
		return OutcomeRefused, "not in ECOSOC consultative status"
	case ModalityVeto:
		if r.Objections > 0 {
			return OutcomeRefused, fmt.Sprintf("objected to by %d State(s); any objection refuses", r.Objections)
		}
		return OutcomeAccredited, "no objection"
	case ModalityDecision:
		if r.Objections == 0 {
			return OutcomeAccredited, "no objection"
		}
		if !r.Voted {
			return OutcomeToVote, "objected to; the body would vote"
		}
		if r.Tally.Passes(maj) {
			return OutcomeAccredited, fmt.Sprintf("accepted by vote %d–%d (%d abstaining)", r.Tally.Yes, r.Tally.No, r.Tally.Abstain)
		}
		return OutcomeRefused, fmt.Sprintf("refused by vote %d–%d (%d abstaining)", r.Tally.Yes, r.Tally.No, r.Tally.Abstain)
	}
	return OutcomeRefused, "unknown modality"
}

// Comparison is what a set of applications yields under one modality.
type Comparison struct {
	Modality   Modality `json:"modality"`
	Accredited int      `json:"accredited"`
	Refused    int      `json:"refused"`
	ToVote     int      `json:"to_vote"`
}

// Compare decides every record under every modality, in the order of
// Modalities.
func Compare(maj Majority, records []Record) []Comparison {
	out := make([]Comparison, 0, len(Modalities))
	for _, m := range Modalities {
		c := Comparison{Modality: m}
		for _, r := range records {
			switch o, _ := Decide(m, maj, r); o {
			case OutcomeAccredited:
				c.Accredited++
			case OutcomeRefused:
				c.Refused++
			case OutcomeToVote:
				c.ToVote++
			}
		}
		out = append(out, c)
	}
	return out
}

// Streak measures runs of sessions in which an organisation was objected
// to. objected lists, oldest first, one entry per session the organisation
// applied to whose objection period has ended: true when at least one
// objection stood. Current is the run ending with the latest session;
// Longest is the longest run anywhere.
func Streak(objected []bool) (current, longest int) {
	run := 0
	for _, o := range objected {
		if o {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return run, longest
}

// AddWorkingDays returns t moved forward by n working days (Monday to
// Friday), keeping the time of day. A period of 10 working days that starts
// on a Monday ends two weeks later on the Monday at the same time.
func AddWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

package vep

import (
	"context"
	"slices"
	"time"

	"github.com/cybernorms/cybernorms/internal/states"
)

// Recommendations are the seed's recommendations for a Vulnerabilities
// Equities Process (norm (j), ../shared/seeds/002_*.txt), in its order.
// Their text is in the catalog under vep.rec.<id>.
var Recommendations = []string{"presume_disclosure", "all_evaluated", "criteria_public", "four_criteria", "ecosystem", "six_month_review", "secured"}

func isRecommendation(id string) bool { return slices.Contains(Recommendations, id) }

// The ratings of a recommendation.
const (
	Met     = "met"
	Partly  = "partly"
	NotMet  = "not_met"
	Unknown = "unknown"
)

// Ratings in display order.
var Ratings = []string{Met, Partly, NotMet, Unknown}

// Score is how a policy meets one recommendation, with the policy's own
// words that show it.
type Score struct {
	Recommendation string `json:"recommendation"`
	Rating         string `json:"rating" doc:"met, partly, not_met or unknown"`
	Passage        string `json:"passage"`
}

// Scorecard is a State's policy in force scored against every
// recommendation. A State with no published policy is unknown throughout.
type Scorecard struct {
	State     string     `json:"state"`
	StateName string     `json:"state_name"`
	HasRecord bool       `json:"has_record"`
	Version   int        `json:"version,omitempty"`
	Source    string     `json:"source,omitempty" doc:"state or secretariat"`
	Published *time.Time `json:"published_at,omitempty"`
	Scores    []Score    `json:"scores"`
	Met       int        `json:"met"`
}

// Rate scores a policy against each recommendation. The rules are simple
// and public (docs/modules/vep.md): a State without a published process
// meets none; otherwise each recommendation reads the fields that answer it.
func Rate(p Policy) []Score {
	p.normalise()
	level := func(v string) string {
		switch v {
		case "yes", "full":
			return Met
		case "partly", "partial":
			return Partly
		case "no":
			return NotMet
		}
		return Unknown
	}
	out := make([]Score, 0, len(Recommendations))
	for _, rec := range Recommendations {
		r := Unknown
		switch {
		case !p.HasProcess:
			r = NotMet
		case rec == "presume_disclosure":
			r = map[string]string{"disclose": Met, "case_by_case": Partly, "retain": NotMet}[p.Default]
		case rec == "all_evaluated":
			r = map[string]string{"all": Met, "partial": Partly}[p.Scope]
		case rec == "criteria_public":
			r = level(p.CriteriaPublic)
		case rec == "four_criteria":
			switch n := len(p.CriteriaNamed); {
			case n == len(FourCriteria):
				r = Met
			case n > 0:
				r = Partly
			case p.CriteriaPublic == "full" || p.CriteriaPublic == "partial":
				r = NotMet
			}
		case rec == "ecosystem":
			r = level(p.Ecosystem)
		case rec == "six_month_review":
			switch {
			case p.Review == "periodic" && p.ReviewMonths <= 6:
				r = Met
			case p.Review == "periodic":
				r = Partly
			case p.Review == "none":
				r = NotMet
			}
		case rec == "secured":
			r = level(p.Secured)
		}
		if r == "" {
			r = Unknown
		}
		out = append(out, Score{Recommendation: rec, Rating: r, Passage: p.Passages[rec]})
	}
	return out
}

// scorecardOf builds a scorecard from a published record.
func scorecardOf(rec PolicyRecord) Scorecard {
	at := rec.UpdatedAt
	sc := Scorecard{State: rec.State, StateName: rec.StateName, HasRecord: true, Version: rec.Version, Source: rec.Source, Published: &at, Scores: Rate(rec.Policy)}
	for _, s := range sc.Scores {
		if s.Rating == Met {
			sc.Met++
		}
	}
	return sc
}

func unknownCard(st states.State) Scorecard {
	sc := Scorecard{State: st.ISO3, StateName: st.Name("en")}
	for _, rec := range Recommendations {
		sc.Scores = append(sc.Scores, Score{Recommendation: rec, Rating: Unknown})
	}
	return sc
}

// Scorecard returns a State's scorecard (unknown throughout when it has no
// published policy).
func (s *Service) Scorecard(ctx context.Context, iso3 string) (Scorecard, error) {
	st, err := knownState(iso3)
	if err != nil {
		return Scorecard{}, err
	}
	rec, err := s.Published(ctx, st.ISO3)
	if err == ErrNotFound {
		return unknownCard(st), nil
	}
	if err != nil {
		return Scorecard{}, err
	}
	return scorecardOf(rec), nil
}

// Scorecards returns the scorecards of every State, in ISO3 order; with
// recorded only, of the States with a published policy.
func (s *Service) Scorecards(ctx context.Context, recorded bool) ([]Scorecard, error) {
	pols, err := s.Policies(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]PolicyRecord{}
	for _, p := range pols {
		by[p.State] = p
	}
	out := []Scorecard{}
	for _, st := range states.All() {
		if p, ok := by[st.ISO3]; ok {
			out = append(out, scorecardOf(p))
		} else if !recorded {
			out = append(out, unknownCard(st))
		}
	}
	return out, nil
}

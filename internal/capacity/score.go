package capacity

import (
	"sort"
	"strings"
)

// The matching score of an offer for a need, documented in
// docs/modules/capacity.md. Each part adds points and, where it does, a
// reason shown beside the proposal ("matches on: norm (c), French, African
// States, training").
const (
	PointsFirstNorm  = 25 // the first norm in common
	PointsMoreNorm   = 10 // each further norm in common, up to MaxNormPoints
	MaxNormPoints    = 45
	PointsTopic      = 10 // each topic in common, up to MaxTopicPoints
	MaxTopicPoints   = 20
	PointsKind       = 15 // a kind of help in common
	PointsLanguage   = 10 // a language in common
	PointsRegion     = 10 // the offer names the need's regional group
	PointsGlobal     = 5  // the offer is global
	PointsTiming     = 10 // both periods given and overlapping
	PointsOpenTiming = 5  // one of the periods left open
	MaxFreePoints    = 5  // one point per free engagement, up to this
	// AlertThreshold is the score from which a newly published offer is
	// announced by e-mail to the need's State.
	AlertThreshold = 50
)

// Reason is one thing a need and an offer have in common.
type Reason struct {
	Code  string `json:"code"`  // norm | topic | kind | language | region | timing | capacity
	Value string `json:"value"` // the norm id, topic, kind, language code, region; the free engagements
	Label string `json:"label"` // in English: "norm (c)", "French", "training"
}

// Match is a proposed pairing of a need and an offer, with its score and
// reasons.
type Match struct {
	NeedID  string   `json:"need_id"`
	OfferID string   `json:"offer_id"`
	Score   int      `json:"score"`
	Reasons []Reason `json:"reasons"`
}

// profile is what the score reads of a need or an offer.
type profile struct {
	norms, topics, kinds, languages, regions []string
	region                                   string // a need's region
	startsOn, endsOn                         string
	free                                     int
}

func needProfile(n Need) profile {
	return profile{norms: n.Norms, topics: n.Topics, kinds: n.Kinds, languages: n.Languages, region: n.Region, startsOn: n.StartsOn, endsOn: n.EndsOn}
}

func offerProfile(o Offer) profile {
	return profile{norms: o.Norms, topics: o.Topics, kinds: o.Kinds, languages: o.Languages, regions: o.Regions, startsOn: o.StartsOn, endsOn: o.EndsOn, free: o.Free()}
}

// Score scores an offer for a need. ok is false when the offer is not a
// candidate at all: no norm and no topic in common, no free capacity, or
// periods that do not overlap.
func Score(need, offer profile, normLabel func(string) string) (int, []Reason, bool) {
	if offer.free < 1 {
		return 0, nil, false
	}
	score := 0
	var reasons []Reason
	n := 0
	for _, x := range need.norms {
		if contains(offer.norms, x) {
			if n == 0 {
				score += PointsFirstNorm
			} else if score < MaxNormPoints {
				score = min(score+PointsMoreNorm, MaxNormPoints)
			}
			n++
			reasons = append(reasons, Reason{"norm", x, "norm " + normLabel(x)})
		}
	}
	t := 0
	for _, x := range need.topics {
		if contains(offer.topics, x) {
			if t < MaxTopicPoints {
				t += PointsTopic
			}
			reasons = append(reasons, Reason{"topic", x, TopicLabels[x]})
		}
	}
	if n == 0 && t == 0 {
		return 0, nil, false
	}
	score += t
	// Timing: a need's period that does not meet the offer's rules it out.
	switch {
	case need.startsOn != "" && offer.endsOn != "" && offer.endsOn < need.startsOn,
		need.endsOn != "" && offer.startsOn != "" && offer.startsOn > need.endsOn:
		return 0, nil, false
	case need.startsOn != "" && need.endsOn != "" && offer.startsOn != "" && offer.endsOn != "":
		score += PointsTiming
		reasons = append(reasons, Reason{"timing", "overlap", "available in the timeframe"})
	default:
		score += PointsOpenTiming
	}
	for _, x := range need.languages {
		if contains(offer.languages, x) {
			score += PointsLanguage
			reasons = append(reasons, Reason{"language", x, LanguageNames[x]})
			break
		}
	}
	switch {
	case need.region != "" && contains(offer.regions, need.region):
		score += PointsRegion
		reasons = append(reasons, Reason{"region", need.region, RegionLabels[need.region]})
	case contains(offer.regions, "global"):
		score += PointsGlobal
		reasons = append(reasons, Reason{"region", "global", RegionLabels["global"]})
	}
	for _, x := range need.kinds {
		if contains(offer.kinds, x) {
			score += PointsKind
			reasons = append(reasons, Reason{"kind", x, KindLabels[x]})
			break
		}
	}
	score += min(offer.free, MaxFreePoints)
	return score, reasons, true
}

// rank sorts matches best first (ties: the newer id first).
func rank(ms []Match, byOffer bool) {
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Score != ms[j].Score {
			return ms[i].Score > ms[j].Score
		}
		if byOffer {
			return ms[i].OfferID > ms[j].OfferID
		}
		return ms[i].NeedID > ms[j].NeedID
	})
}

// English labels, for the API's reasons and e-mails; pages translate.
var (
	LanguageNames = map[string]string{"ar": "Arabic", "en": "English", "es": "Spanish", "fr": "French", "ru": "Russian", "zh": "Chinese", "pt": "Portuguese", "sw": "Swahili"}
	RegionLabels  = map[string]string{"global": "global", "african": "African States", "asia-pacific": "Asia-Pacific States", "eastern-european": "Eastern European States",
		"latin-american-caribbean": "Latin American and Caribbean States", "weog": "Western European and other States"}
	KindLabels = map[string]string{"training": "training", "technical-assistance": "technical assistance", "policy-advice": "policy advice", "legal-advice": "legal advice",
		"equipment": "equipment", "exercise": "exercise", "mentoring": "mentoring"}
	TopicLabels = map[string]string{"incident-response": "incident response", "critical-infrastructure": "critical infrastructure", "cybercrime": "cybercrime",
		"national-strategy": "national strategy", "legislation": "legislation", "international-law": "international law", "diplomacy": "cyber diplomacy",
		"cbm": "confidence-building measures", "supply-chain": "supply chain security", "vulnerability-disclosure": "vulnerability disclosure",
		"awareness": "awareness", "workforce": "workforce and skills"}
)

// Key is the catalog key that names the reason on a page.
func (r Reason) Key() string {
	switch r.Code {
	case "norm":
		return "capacity.reason.norm"
	case "timing":
		return "capacity.reason.timing"
	case "language":
		return "capacity.lang." + r.Value
	}
	return "capacity." + r.Code + "." + r.Value
}

// Arg is the reason's argument for its key (the norm's citation).
func (r Reason) Arg() string {
	if r.Code == "norm" {
		return strings.TrimPrefix(r.Label, "norm ")
	}
	return ""
}

// Package positions holds how States say international law applies in
// cyberspace — topics, questions with closed answers, position documents
// split into passages, joint positions — and where States stand on
// proposed norms, with a consensus view per proposal.
package positions

import (
	"time"
)

// Document kinds and statuses.
const (
	KindNational = "national"
	KindJoint    = "joint"

	StatusDraft      = "draft"
	StatusPublished  = "published"
	StatusSuperseded = "superseded"
)

// allStatuses are every status a document has: the only values the
// service writes to positions_documents.status.
var allStatuses = []string{StatusDraft, StatusPublished, StatusSuperseded}

// Topic is a topic of international law, with a stable identifier.
type Topic struct {
	ID           string            `json:"id"`
	Position     int               `json:"position"`
	Version      int               `json:"version"`
	Title        string            `json:"title"`
	Description  string            `json:"description"`
	Titles       map[string]string `json:"titles"`
	Descriptions map[string]string `json:"descriptions"`
	UpdatedAt    time.Time         `json:"updated_at"`
	// TitleLang and DescriptionLang are the languages of Title and
	// Description (In).
	TitleLang       string `json:"-"`
	DescriptionLang string `json:"-"`
}

// Answer is one of a question's closed set of answers.
type Answer struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Question is a question on a topic with a closed set of answers. A State
// without an answer has "not stated".
type Question struct {
	ID       string   `json:"id"`
	Topic    string   `json:"topic"`
	Position int      `json:"position"`
	Text     string   `json:"text"`
	Answers  []Answer `json:"answers"`
	// Lang is the language of Text and of the answers' labels: English as
	// stored, or the reader's for a shipped question said in it (In).
	Lang string `json:"-"`
}

// AnswerLabel returns the label of an answer id ("" when unknown).
func (q Question) AnswerLabel(id string) string {
	for _, a := range q.Answers {
		if a.ID == id {
			return a.Label
		}
	}
	return ""
}

// Passage quotes a position document, tagged with topics.
type Passage struct {
	ID     string   `json:"id"`
	Seq    int      `json:"seq"`
	Ref    string   `json:"ref"`
	Text   string   `json:"text"`
	Lang   string   `json:"lang"`
	Topics []string `json:"topics"`
}

// Stance is a document's answer to a question.
type Stance struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	// Passage is the seq of the passage that says it (0: none).
	Passage int `json:"passage,omitempty"`
}

// Endorsement is a State's endorsement of a joint position.
type Endorsement struct {
	State      string `json:"state"`
	StateName  string `json:"state_name,omitempty"`
	EndorsedOn string `json:"endorsed_on"`
}

// Position is a position document.
type Position struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	State     string   `json:"state,omitempty"`
	StateName string   `json:"state_name,omitempty"`
	Group     string   `json:"group,omitempty"`
	Title     string   `json:"title"`
	IssuedOn  string   `json:"issued_on"`
	Year      int      `json:"year"`
	Languages []string `json:"languages"`
	SourceURL string   `json:"source_url"`
	Body      string   `json:"body,omitempty"`
	Status    string   `json:"status"`
	// BySecretariat: entered by the secretariat from the public source;
	// Confirmed once the State has confirmed it.
	BySecretariat bool          `json:"by_secretariat"`
	Confirmed     bool          `json:"confirmed"`
	Supersedes    string        `json:"supersedes,omitempty"`
	SupersededBy  string        `json:"superseded_by,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	PublishedAt   *time.Time    `json:"published_at,omitempty"`
	Passages      []Passage     `json:"passages"`
	Stances       []Stance      `json:"stances"`
	Endorsements  []Endorsement `json:"endorsements"`
	// File is the document's PDF, when one was attached.
	File *DocumentFile `json:"file,omitempty"`
}

// Editable reports whether the document is a draft.
func (p Position) Editable() bool { return p.Status == StatusDraft }

// PassageInput is a passage as written.
type PassageInput struct {
	Ref    string   `json:"ref"`
	Text   string   `json:"text"`
	Lang   string   `json:"lang,omitempty"`
	Topics []string `json:"topics"`
}

// StanceInput answers a question; passage is the 1-based number of the
// passage that says it, or 0.
type StanceInput struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Passage  int    `json:"passage,omitempty"`
}

// EndorsementInput names an endorsing State and the date.
type EndorsementInput struct {
	State      string `json:"state"`
	EndorsedOn string `json:"endorsed_on"`
}

// PositionInput creates or replaces a position document. State editors and
// approvers write their own State's drafts (state may be omitted); the
// secretariat enters a State's published position from its public source
// (state required), or a joint position (kind "joint", group and
// endorsements).
type PositionInput struct {
	Kind         string             `json:"kind,omitempty" doc:"national (default) or joint"`
	State        string             `json:"state,omitempty" doc:"ISO3; defaults to the acting State"`
	Group        string             `json:"group,omitempty" doc:"joint positions: the group holding it, e.g. African Union"`
	Title        string             `json:"title"`
	IssuedOn     string             `json:"issued_on" doc:"YYYY-MM-DD, not in the future"`
	Languages    []string           `json:"languages" doc:"ISO 639-1 codes"`
	SourceURL    string             `json:"source_url,omitempty" doc:"http(s); required to publish"`
	Body         string             `json:"body,omitempty"`
	Passages     []PassageInput     `json:"passages"`
	Stances      []StanceInput      `json:"stances,omitempty"`
	Endorsements []EndorsementInput `json:"endorsements,omitempty"`
}

// seedTopics are the topics shipped with the product, in the order of the
// African Union's Common Position (2024) with the topics of the UN and
// CCDCOE compilations added. Their titles and descriptions in the six
// languages are the module's catalog texts positions.topic_title.<id> and
// positions.topic_description.<id> (seedtexts.go).
var seedTopics = []string{"sovereignty", "due-diligence", "non-intervention", "peaceful-settlement", "use-of-force", "self-defence",
	"ihl", "ihrl", "attribution", "countermeasures", "capacity-building"}

// seedQuestions are the first questions, with their closed answer sets, in
// English as stored; pages say them in the reader's language from the
// catalog (positions.question_text.<id>, positions.answer_label.<answer>).
var seedQuestions = []Question{
	{ID: "sovereignty-rule", Topic: "sovereignty", Text: "Is sovereignty a standalone rule whose breach is an internationally wrongful act?",
		Answers: []Answer{{"yes", "Yes"}, {"no", "No"}, {"not-settled", "Not settled"}}},
	{ID: "due-diligence-binding", Topic: "due-diligence", Text: "Is due diligence a binding obligation?",
		Answers: []Answer{{"yes", "Yes"}, {"no", "No"}, {"not-settled", "Not settled"}}},
	{ID: "ihl-applies", Topic: "ihl", Text: "Does IHL apply to cyber operations in armed conflict?",
		Answers: []Answer{{"yes", "Yes"}, {"no", "No"}, {"not-settled", "Not settled"}}},
	{ID: "collective-countermeasures", Topic: "countermeasures", Text: "Are collective countermeasures permitted?",
		Answers: []Answer{{"yes", "Yes"}, {"no", "No"}, {"not-settled", "Not settled"}}},
}

package positions

import (
	"context"
	"encoding/json"
	"strings"
)

// catalogTexts are the module's catalog texts whose keys start with one of
// the prefixes, per language (read once from i18n/*.json): the shipped
// topics' titles and descriptions and the shipped questions' texts and
// answers, which the seed and the pages take from the catalogs.
var catalogTexts = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, _ := i18nFS.ReadDir("i18n")
	for _, e := range entries {
		lang := strings.TrimSuffix(e.Name(), ".json")
		b, err := i18nFS.ReadFile("i18n/" + e.Name())
		if err != nil {
			continue
		}
		m := map[string]string{}
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		out[lang] = map[string]string{}
		for k, v := range m {
			for _, p := range []string{"positions.topic_title.", "positions.topic_description.", "positions.question_text.", "positions.answer_label."} {
				if strings.HasPrefix(k, p) {
					out[lang][k] = v
				}
			}
		}
	}
	return out
}()

// seedTopicTexts are a shipped topic's title and description in every
// language that has them.
func seedTopicTexts(id string) (titles, descriptions map[string]string) {
	titles, descriptions = map[string]string{}, map[string]string{}
	for lang, m := range catalogTexts {
		if s, ok := m["positions.topic_title."+id]; ok {
			titles[lang] = s
		}
		if s, ok := m["positions.topic_description."+id]; ok {
			descriptions[lang] = s
		}
	}
	return titles, descriptions
}

// In returns the question said in lang when it is a shipped question with
// a translation there (its text and every answer's label), otherwise as
// stored, in English. Lang says which.
func (q Question) In(lang string) Question {
	q.Lang = "en"
	text, ok := catalogTexts[lang]["positions.question_text."+q.ID]
	if !ok || lang == "en" {
		return q
	}
	answers := make([]Answer, len(q.Answers))
	for i, a := range q.Answers {
		l, ok := catalogTexts[lang]["positions.answer_label."+a.ID]
		if !ok {
			return q
		}
		answers[i] = Answer{ID: a.ID, Label: l}
	}
	q.Text, q.Answers, q.Lang = text, answers, lang
	return q
}

// questionsIn are the questions said in lang (Question.In).
func questionsIn(qs []Question, lang string) []Question {
	out := make([]Question, len(qs))
	for i, q := range qs {
		out[i] = q.In(lang)
	}
	return out
}

// questions lists a topic's questions (every topic's when empty) said in
// lang, for the pages.
func (m *Module) questions(ctx context.Context, topic, lang string) ([]Question, error) {
	qs, err := Questions(ctx, m.svc.DB, topic)
	return questionsIn(qs, lang), err
}

package positions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
)

var (
	// ErrNotFound: no such thing, or not one the caller may know of.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller may see it but not do this.
	ErrForbidden = errors.New("forbidden")
)

// Service holds the rules of the positions module.
type Service struct {
	P  *platform.Services
	DB *db.DB
	// topicList is Topics' answer, read again after any write.
	topicList audit.Kept[[]Topic]
}

// topics are the topics in their order, as Topics reads them, kept until
// something is written (audit.Kept): every page of the module names them,
// and their titles and descriptions are JSON to decode. The list is shared:
// callers must not change it.
func (s *Service) topics(ctx context.Context) ([]Topic, error) {
	return s.topicList.Get(ctx, s.DB, func(ctx context.Context) ([]Topic, error) { return Topics(ctx, s.DB) })
}

// NewService builds the service.
func NewService(p *platform.Services) *Service { return &Service{P: p, DB: p.DB} }

// SeedTopics writes the topics and questions that ship with the product if
// they are not there; curated rows are never overwritten.
func (s *Service) SeedTopics(ctx context.Context) error {
	at := now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// written counts the rows added or translated: a start that changes
		// any records it in the audit log, which is also what tells every
		// instance to read the topics again (Service.topics).
		var written int64
		exec := func(query string, args ...any) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err == nil {
				n, _ := res.RowsAffected()
				written += n
			}
			return err
		}
		for i, id := range seedTopics {
			ts, ds := seedTopicTexts(id)
			titles, _ := json.Marshal(ts)
			descs, _ := json.Marshal(ds)
			if err := exec(`INSERT INTO positions_topics (id, position, version, titles, descriptions, updated_at) VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				id, (i+1)*10, string(titles), string(descs), at); err != nil {
				return fmt.Errorf("seed topic %s: %w", id, err)
			}
			// A topic seeded before its description was translated (in
			// English alone) and never curated since takes the translations.
			englishOnly, _ := json.Marshal(map[string]string{"en": ds["en"]})
			if err := exec(`UPDATE positions_topics SET titles = ?, descriptions = ? WHERE id = ? AND version = 1 AND descriptions = ?`,
				string(titles), string(descs), id, string(englishOnly)); err != nil {
				return fmt.Errorf("translate topic %s: %w", id, err)
			}
		}
		for i, q := range seedQuestions {
			answers, _ := json.Marshal(q.Answers)
			if err := exec(`INSERT INTO positions_questions (id, topic_id, position, text, answers, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				q.ID, q.Topic, i+1, q.Text, string(answers), at); err != nil {
				return fmt.Errorf("seed question %s: %w", q.ID, err)
			}
		}
		if written == 0 {
			return nil
		}
		return audit.RecordEvent(ctx, tx, "position.topics.seed", "position_topic", "", map[string]int64{"rows": written})
	})
}

// ---- validation at the edge ----

// line checks a single-line field: trimmed, required if asked, at most max
// characters, no control characters.
func line(field, v string, required bool, max int) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return v, api.Invalid(field, "is required")
	}
	if !utf8.ValidString(v) {
		return v, api.Invalid(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(v) > max {
		return v, api.Invalidf(field, "must be at most %d characters", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return v, api.Invalid(field, "must not contain control characters or line breaks")
		}
	}
	return v, nil
}

// text checks a multi-line field: line breaks and tabs allowed, other
// control characters (NUL…) refused.
func text(field, v string, required bool, max int) (string, error) {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	if required && v == "" {
		return v, api.Invalid(field, "is required")
	}
	if !utf8.ValidString(v) {
		return v, api.Invalid(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(v) > max {
		return v, api.Invalidf(field, "must be at most %d characters", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return v, api.Invalid(field, "must not contain control characters")
		}
	}
	return v, nil
}

// date checks a YYYY-MM-DD date that is not in the future.
func date(field, v string) (string, int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return v, 0, api.Invalid(field, "is required (YYYY-MM-DD)")
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return v, 0, api.Invalid(field, "must be a date written YYYY-MM-DD")
	}
	if t.After(now()) {
		return v, 0, api.Invalid(field, "cannot be in the future")
	}
	if t.Year() < 1945 {
		return v, 0, api.Invalid(field, "must be after 1945")
	}
	return v, t.Year(), nil
}

// sourceURL checks an http(s) URL.
func sourceURL(field, v string, required bool) (string, error) {
	v, err := line(field, v, required, 2000)
	if err != nil || v == "" {
		return v, err
	}
	u, perr := url.Parse(v)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return v, api.Invalid(field, "must be an http:// or https:// address")
	}
	return v, nil
}

var langRE = regexp.MustCompile(`^[a-z]{2,3}$`)
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func validLang(field, v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if !langRE.MatchString(v) {
		return v, api.Invalid(field, "must be an ISO 639 language code such as en, fr or ar")
	}
	return v, nil
}

// actor returns the signed-in user, or an error for the public.
func actor(ctx context.Context) (*auth.User, error) {
	u := auth.UserFrom(ctx)
	if u == nil {
		return nil, api.ErrUnauthenticated
	}
	return u, nil
}

// checked is a validated PositionInput.
type checked struct {
	PositionInput
	year int
}

// validate checks a position document's input; the owner (kind, State) is
// settled by the caller.
func (s *Service) validate(ctx context.Context, in PositionInput, publishing bool) (checked, error) {
	c := checked{PositionInput: in}
	var err error
	if c.Title, err = line("title", in.Title, true, 300); err != nil {
		return c, err
	}
	if c.IssuedOn, c.year, err = date("issued_on", in.IssuedOn); err != nil {
		return c, err
	}
	if len(in.Languages) == 0 {
		return c, api.Invalid("languages", "name at least one language")
	}
	if len(in.Languages) > 10 {
		return c, api.Invalid("languages", "at most 10 languages")
	}
	c.Languages = nil
	for _, l := range in.Languages {
		v, err := validLang("languages", l)
		if err != nil {
			return c, err
		}
		c.Languages = append(c.Languages, v)
	}
	if c.SourceURL, err = sourceURL("source_url", in.SourceURL, publishing); err != nil {
		return c, err
	}
	if c.Body, err = text("body", in.Body, false, 200000); err != nil {
		return c, err
	}
	if len(in.Passages) > 500 {
		return c, api.Invalid("passages", "at most 500 passages")
	}
	topics, err := s.topics(ctx)
	if err != nil {
		return c, err
	}
	known := map[string]bool{}
	for _, t := range topics {
		known[t.ID] = true
	}
	c.Passages = nil
	for i, p := range in.Passages {
		f := fmt.Sprintf("passages[%d]", i)
		var out PassageInput
		if out.Ref, err = line(f+".ref", p.Ref, true, 100); err != nil {
			return c, err
		}
		if out.Text, err = text(f+".text", p.Text, true, 20000); err != nil {
			return c, err
		}
		out.Lang = c.Languages[0]
		if strings.TrimSpace(p.Lang) != "" {
			if out.Lang, err = validLang(f+".lang", p.Lang); err != nil {
				return c, err
			}
		}
		if len(p.Topics) == 0 {
			return c, api.Invalid(f+".topics", "tag the passage with at least one topic")
		}
		seen := map[string]bool{}
		for _, t := range p.Topics {
			t = strings.TrimSpace(t)
			if !known[t] {
				return c, api.Invalid(f+".topics", fmt.Sprintf("%q is not a topic", t))
			}
			if !seen[t] {
				seen[t] = true
				out.Topics = append(out.Topics, t)
			}
		}
		c.Passages = append(c.Passages, out)
	}
	if publishing && len(c.Passages) == 0 {
		return c, api.Invalid("passages", "a published position needs at least one passage")
	}
	c.Stances = nil
	answered := map[string]bool{}
	for i, st := range in.Stances {
		f := fmt.Sprintf("stances[%d]", i)
		q, err := QuestionByID(ctx, s.DB, strings.TrimSpace(st.Question))
		if errors.Is(err, ErrNotFound) {
			return c, api.Invalid(f+".question", fmt.Sprintf("%q is not a question", st.Question))
		}
		if err != nil {
			return c, err
		}
		if answered[q.ID] {
			return c, api.Invalid(f+".question", "answers the same question twice")
		}
		answered[q.ID] = true
		if q.AnswerLabel(st.Answer) == "" {
			var ids []string
			for _, a := range q.Answers {
				ids = append(ids, a.ID)
			}
			return c, api.Invalid(f+".answer", "must be one of the question's answers: "+strings.Join(ids, ", "))
		}
		if st.Passage < 0 || st.Passage > len(c.Passages) {
			return c, api.Invalid(f+".passage", "must be the number of one of the document's passages, or 0")
		}
		c.Stances = append(c.Stances, StanceInput{Question: q.ID, Answer: st.Answer, Passage: st.Passage})
	}
	c.Endorsements = nil
	endorsed := map[string]bool{}
	for i, e := range in.Endorsements {
		f := fmt.Sprintf("endorsements[%d]", i)
		st, ok := states.ByISO3(strings.TrimSpace(e.State))
		if !ok {
			return c, api.Invalid(f+".state", fmt.Sprintf("%q is not the ISO3 code of a State", e.State))
		}
		if endorsed[st.ISO3] {
			return c, api.Invalid(f+".state", "names the same State twice")
		}
		endorsed[st.ISO3] = true
		on, _, err := date(f+".endorsed_on", e.EndorsedOn)
		if err != nil {
			return c, err
		}
		c.Endorsements = append(c.Endorsements, EndorsementInput{State: st.ISO3, EndorsedOn: on})
	}
	return c, nil
}

// owner settles a new document's kind and State from the actor.
func owner(u *auth.User, in *PositionInput) error {
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		in.Kind = KindNational
	}
	in.State = strings.ToUpper(strings.TrimSpace(in.State))
	switch {
	case in.Kind != KindNational && in.Kind != KindJoint:
		return api.Invalid("kind", "must be national or joint")
	case u.Role.IsState():
		if in.Kind == KindJoint {
			return api.Errorf(http.StatusForbidden, "forbidden", "kind", "joint positions are recorded by the secretariat")
		}
		if in.State == "" {
			in.State = u.StateISO3
		}
		if in.State != u.StateISO3 {
			return api.Errorf(http.StatusForbidden, "forbidden", "state", "you may write only your own State's positions")
		}
		if len(in.Endorsements) > 0 {
			return api.Invalid("endorsements", "only joint positions have endorsing States")
		}
	case u.Role == auth.RoleSecretariat:
		if in.Kind == KindJoint {
			if in.State != "" {
				return api.Invalid("state", "a joint position has no single State; list the endorsing States")
			}
			g, err := line("group", in.Group, true, 200)
			if err != nil {
				return err
			}
			in.Group = g
			if len(in.Endorsements) == 0 {
				return api.Invalid("endorsements", "name at least one endorsing State")
			}
			return nil
		}
		if in.State == "" {
			return api.Invalid("state", "is required: the State whose published position you enter")
		}
		if !states.Known(in.State) {
			return api.Invalid("state", fmt.Sprintf("%q is not the ISO3 code of a State", in.State))
		}
		if len(in.Endorsements) > 0 {
			return api.Invalid("endorsements", "only joint positions have endorsing States")
		}
	default:
		return ErrForbidden
	}
	if in.Kind == KindNational && !states.Known(in.State) {
		return api.Invalid("state", "is not a State")
	}
	in.Group = ""
	return nil
}

// Create makes a position document. State staff make a draft of their own
// State's position; the secretariat enters a published one from its public
// source (marked as such until the State confirms), or a joint position.
func (s *Service) Create(ctx context.Context, in PositionInput) (Position, error) {
	u, err := actor(ctx)
	if err != nil {
		return Position{}, err
	}
	if err := owner(u, &in); err != nil {
		return Position{}, err
	}
	bySecretariat := u.Role == auth.RoleSecretariat
	c, err := s.validate(ctx, in, bySecretariat)
	if err != nil {
		return Position{}, err
	}
	docID := id.New()
	at := now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		status := StatusDraft
		var published any
		if bySecretariat {
			status, published = StatusPublished, at
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_documents (id, kind, state_iso3, group_name, title, issued_on, year, languages, source_url, body, status, by_secretariat, created_by, created_at, updated_at, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			docID, c.Kind, c.State, c.Group, c.Title, c.IssuedOn, c.year, joinList(c.Languages), c.SourceURL, c.Body, status, bySecretariat && c.Kind == KindNational, u.ID, at, at, published); err != nil {
			return fmt.Errorf("insert position: %w", err)
		}
		if err := writeParts(ctx, tx, docID, c); err != nil {
			return err
		}
		if status == StatusPublished {
			if _, err := s.publishTx(ctx, tx, docID, c.Kind, c.State); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "position.create", "position", docID, nil, auditView(docID, status, c))
	})
	if err != nil {
		return Position{}, err
	}
	return loadPosition(ctx, s.DB, docID, "en")
}

// auditView is what the audit keeps of a document: no full text.
func auditView(docID, status string, c checked) map[string]any {
	return map[string]any{"id": docID, "kind": c.Kind, "state": c.State, "group": c.Group, "title": c.Title, "issued_on": c.IssuedOn,
		"status": status, "passages": len(c.Passages), "stances": len(c.Stances), "endorsements": len(c.Endorsements)}
}

// writeParts replaces a document's passages, stances and endorsements.
func writeParts(ctx context.Context, tx *db.Tx, docID string, c checked) error {
	for _, q := range []string{`DELETE FROM positions_passage_topics WHERE document_id = ?`, `DELETE FROM positions_passages WHERE document_id = ?`,
		`DELETE FROM positions_stances WHERE document_id = ?`, `DELETE FROM positions_endorsements WHERE document_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, docID); err != nil {
			return err
		}
	}
	for i, p := range c.Passages {
		pid := id.New()
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_passages (id, document_id, seq, ref, text, lang) VALUES (?, ?, ?, ?, ?, ?)`, pid, docID, i+1, p.Ref, p.Text, p.Lang); err != nil {
			return fmt.Errorf("insert passage: %w", err)
		}
		for _, t := range p.Topics {
			if _, err := tx.ExecContext(ctx, `INSERT INTO positions_passage_topics (passage_id, topic_id, document_id) VALUES (?, ?, ?)`, pid, t, docID); err != nil {
				return fmt.Errorf("tag passage: %w", err)
			}
		}
	}
	for _, st := range c.Stances {
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_stances (document_id, question_id, answer, passage_seq) VALUES (?, ?, ?, ?)`, docID, st.Question, st.Answer, st.Passage); err != nil {
			return fmt.Errorf("insert stance: %w", err)
		}
	}
	for _, e := range c.Endorsements {
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_endorsements (document_id, state_iso3, endorsed_on) VALUES (?, ?, ?)`, docID, e.State, e.EndorsedOn); err != nil {
			return fmt.Errorf("insert endorsement: %w", err)
		}
	}
	return nil
}

// visible reports whether the acting user may read a document: published
// and superseded ones are public; a draft only to its own State's staff.
func visible(u *auth.User, p Position) bool {
	if p.Status != StatusDraft {
		return true
	}
	return u != nil && u.Role.IsState() && u.StateISO3 == p.State
}

// Get returns a document the caller may read (ErrNotFound otherwise).
func (s *Service) Get(ctx context.Context, docID, lang string) (Position, error) {
	p, err := loadPosition(ctx, s.DB, docID, lang)
	if err != nil {
		return p, err
	}
	if !visible(auth.UserFrom(ctx), p) {
		return Position{}, ErrNotFound
	}
	return p, nil
}

// Update replaces a draft (its own State's staff only). Published and
// superseded documents cannot be edited: a new position supersedes them.
func (s *Service) Update(ctx context.Context, docID string, in PositionInput) (Position, error) {
	u, err := actor(ctx)
	if err != nil {
		return Position{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := loadPosition(ctx, tx, docID, "en")
		if err != nil {
			return err
		}
		if !visible(u, old) {
			return ErrNotFound
		}
		if !u.Role.IsState() || u.StateISO3 != old.State {
			return api.Errorf(http.StatusForbidden, "forbidden", "", "only the State's own staff edit its positions")
		}
		if old.Status != StatusDraft {
			return api.Errorf(http.StatusConflict, "not_editable", "", "this position is %s and cannot be edited; write a new position to supersede it", old.Status)
		}
		in.Kind, in.State = old.Kind, old.State
		if err := owner(u, &in); err != nil {
			return err
		}
		c, err := s.validate(ctx, in, false)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE positions_documents SET title = ?, issued_on = ?, year = ?, languages = ?, source_url = ?, body = ?, updated_at = ? WHERE id = ?`,
			c.Title, c.IssuedOn, c.year, joinList(c.Languages), c.SourceURL, c.Body, now(), docID); err != nil {
			return err
		}
		if err := writeParts(ctx, tx, docID, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "position.update", "position", docID, map[string]any{"title": old.Title, "passages": len(old.Passages)}, auditView(docID, StatusDraft, c))
	})
	if err != nil {
		return Position{}, err
	}
	return loadPosition(ctx, s.DB, docID, "en")
}

// Publish publishes a draft (its State's approver). It supersedes the
// State's current published position, which stays readable.
func (s *Service) Publish(ctx context.Context, docID string) (Position, error) {
	u, err := actor(ctx)
	if err != nil {
		return Position{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := loadPosition(ctx, tx, docID, "en")
		if err != nil {
			return err
		}
		if !visible(u, p) {
			return ErrNotFound
		}
		if u.Role != auth.RoleStateApprover || u.StateISO3 != p.State {
			return api.Errorf(http.StatusForbidden, "forbidden", "", "only the State's approver publishes its positions")
		}
		if p.Status != StatusDraft {
			return api.Errorf(http.StatusConflict, "not_draft", "", "this position is already %s", p.Status)
		}
		in := inputOf(p)
		if _, err := s.validate(ctx, in, true); err != nil {
			return err
		}
		at := now()
		if _, err := tx.ExecContext(ctx, `UPDATE positions_documents SET status = ?, published_at = ?, updated_at = ?, confirmed_at = ? WHERE id = ?`, StatusPublished, at, at, at, docID); err != nil {
			return err
		}
		if _, err := s.publishTx(ctx, tx, docID, p.Kind, p.State); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "position.publish", "position", docID, map[string]string{"status": StatusDraft}, map[string]string{"status": StatusPublished})
	})
	if err != nil {
		return Position{}, err
	}
	return loadPosition(ctx, s.DB, docID, "en")
}

// publishTx supersedes the State's earlier published national position and
// indexes the new one's passages for search. It returns the topics the
// document speaks to.
func (s *Service) publishTx(ctx context.Context, tx *db.Tx, docID, kind, state string) ([]string, error) {
	if kind == KindNational {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM positions_documents WHERE state_iso3 = ? AND kind = ? AND status = ? AND id <> ?`, state, KindNational, StatusPublished, docID)
		if err != nil {
			return nil, err
		}
		var old []string
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return nil, err
			}
			old = append(old, o)
		}
		rows.Close()
		for _, o := range old {
			if _, err := tx.ExecContext(ctx, `UPDATE positions_documents SET status = ?, superseded_by = ?, updated_at = ? WHERE id = ?`, StatusSuperseded, docID, now(), o); err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE positions_documents SET supersedes = ? WHERE id = ?`, o, docID); err != nil {
				return nil, err
			}
			if err := uncountPublished(ctx, tx, o); err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE positions_passage_topics SET published = ? WHERE document_id = ?`, false, o); err != nil {
				return nil, err
			}
			if err := unindex(ctx, tx, o); err != nil {
				return nil, err
			}
			if err := audit.Record(ctx, tx, "position.supersede", "position", o, map[string]string{"status": StatusPublished}, map[string]string{"status": StatusSuperseded, "superseded_by": docID}); err != nil {
				return nil, err
			}
		}
	}
	if err := countPublished(ctx, tx, docID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE positions_passage_topics SET published = ? WHERE document_id = ?`, true, docID); err != nil {
		return nil, err
	}
	topics, err := index(ctx, tx, docID)
	if err != nil {
		return nil, err
	}
	return topics, s.notifyPublished(ctx, tx, docID, topics)
}

// inputOf turns a stored document back into input, for re-validation.
func inputOf(p Position) PositionInput {
	in := PositionInput{Kind: p.Kind, State: p.State, Group: p.Group, Title: p.Title, IssuedOn: p.IssuedOn, Languages: p.Languages, SourceURL: p.SourceURL, Body: p.Body}
	for _, ps := range p.Passages {
		in.Passages = append(in.Passages, PassageInput{Ref: ps.Ref, Text: ps.Text, Lang: ps.Lang, Topics: ps.Topics})
	}
	for _, st := range p.Stances {
		in.Stances = append(in.Stances, StanceInput(st))
	}
	for _, e := range p.Endorsements {
		in.Endorsements = append(in.Endorsements, EndorsementInput{State: e.State, EndorsedOn: e.EndorsedOn})
	}
	return in
}

// Confirm is the State's approver confirming a position the secretariat
// entered from its public source: it is then no longer marked as entered by
// the secretariat.
func (s *Service) Confirm(ctx context.Context, docID string) (Position, error) {
	u, err := actor(ctx)
	if err != nil {
		return Position{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := loadPosition(ctx, tx, docID, "en")
		if err != nil {
			return err
		}
		if u.Role != auth.RoleStateApprover || u.StateISO3 != p.State {
			return api.Errorf(http.StatusForbidden, "forbidden", "", "only the State's approver confirms its positions")
		}
		if !p.BySecretariat || p.Confirmed {
			return api.Errorf(http.StatusConflict, "not_pending", "", "this position is not waiting for the State's confirmation")
		}
		if p.Status != StatusPublished {
			return api.Errorf(http.StatusConflict, "not_editable", "", "this position is %s", p.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE positions_documents SET confirmed_at = ?, updated_at = ? WHERE id = ?`, now(), now(), docID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "position.confirm", "position", docID, nil, map[string]string{"confirmed_by": u.StateISO3})
	})
	if err != nil {
		return Position{}, err
	}
	return loadPosition(ctx, s.DB, docID, "en")
}

// Drafts lists the acting State's drafts.
func (s *Service) Drafts(ctx context.Context, lang string) ([]Position, error) {
	u := auth.UserFrom(ctx)
	if u == nil || !u.Role.IsState() {
		return []Position{}, nil
	}
	return listDocs(ctx, s.DB, DocFilter{State: u.StateISO3, Kind: KindNational, Statuses: []string{StatusDraft}}, lang)
}

// TopicInput changes or adds a topic (secretariat).
type TopicInput struct {
	ID           string            `json:"id,omitempty" doc:"new topics: a stable identifier (lower case, digits, '-')"`
	Titles       map[string]string `json:"titles" doc:"by language; en required"`
	Descriptions map[string]string `json:"descriptions" doc:"by language; en required"`
}

// SaveTopic adds a topic or changes one (a new version; the old text is kept).
func (s *Service) SaveTopic(ctx context.Context, topicID string, in TopicInput) (Topic, error) {
	if _, err := actor(ctx); err != nil {
		return Topic{}, err
	}
	creating := topicID == ""
	if creating {
		topicID = strings.TrimSpace(in.ID)
		if !slugRE.MatchString(topicID) {
			return Topic{}, api.Invalid("id", "must be lower-case letters, digits and '-' (at most 63)")
		}
	}
	clean := func(field string, m map[string]string, max int) (map[string]string, error) {
		out := map[string]string{}
		for l, v := range m {
			if !webLang(l) {
				return nil, api.Invalid(field, fmt.Sprintf("%q is not one of ar, zh, en, fr, ru, es", l))
			}
			v, err := line(field+"."+l, v, false, max)
			if err != nil {
				return nil, err
			}
			if v != "" {
				out[l] = v
			}
		}
		if out["en"] == "" {
			return nil, api.Invalid(field+".en", "is required")
		}
		return out, nil
	}
	titles, err := clean("titles", in.Titles, 120)
	if err != nil {
		return Topic{}, err
	}
	descs, err := clean("descriptions", in.Descriptions, 2000)
	if err != nil {
		return Topic{}, err
	}
	tj, _ := json.Marshal(titles)
	dj, _ := json.Marshal(descs)
	at := now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := TopicByID(ctx, tx, topicID)
		switch {
		case creating && err == nil:
			return api.Errorf(http.StatusConflict, "exists", "id", "there is already a topic %q", topicID)
		case creating && errors.Is(err, ErrNotFound):
			var maxPos int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM positions_topics`).Scan(&maxPos); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO positions_topics (id, position, version, titles, descriptions, updated_at) VALUES (?, ?, 1, ?, ?, ?)`, topicID, maxPos+10, string(tj), string(dj), at); err != nil {
				return err
			}
			return audit.Record(ctx, tx, "position.topic.create", "position_topic", topicID, nil, map[string]any{"titles": titles})
		case err != nil:
			return err
		}
		ot, _ := json.Marshal(old.Titles)
		od, _ := json.Marshal(old.Descriptions)
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_topic_versions (topic_id, version, titles, descriptions, changed_at) VALUES (?, ?, ?, ?, ?)`, topicID, old.Version, string(ot), string(od), at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE positions_topics SET version = version + 1, titles = ?, descriptions = ?, updated_at = ? WHERE id = ?`, string(tj), string(dj), at, topicID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "position.topic.update", "position_topic", topicID, map[string]any{"version": old.Version, "titles": old.Titles}, map[string]any{"version": old.Version + 1, "titles": titles})
	})
	if err != nil {
		return Topic{}, err
	}
	return TopicByID(ctx, s.DB, topicID)
}

// QuestionInput adds a question to a topic (secretariat).
type QuestionInput struct {
	ID      string   `json:"id" doc:"stable identifier (lower case, digits, '-')"`
	Topic   string   `json:"topic"`
	Text    string   `json:"text"`
	Answers []Answer `json:"answers" doc:"the closed set of answers, 2 to 8; 'not stated' is implied"`
}

// AddQuestion adds a question with its closed set of answers.
func (s *Service) AddQuestion(ctx context.Context, in QuestionInput) (Question, error) {
	if _, err := actor(ctx); err != nil {
		return Question{}, err
	}
	q := Question{ID: strings.TrimSpace(in.ID), Topic: strings.TrimSpace(in.Topic)}
	if !slugRE.MatchString(q.ID) {
		return q, api.Invalid("id", "must be lower-case letters, digits and '-' (at most 63)")
	}
	if _, err := TopicByID(ctx, s.DB, q.Topic); err != nil {
		if errors.Is(err, ErrNotFound) {
			return q, api.Invalid("topic", fmt.Sprintf("%q is not a topic", in.Topic))
		}
		return q, err
	}
	var err error
	if q.Text, err = line("text", in.Text, true, 500); err != nil {
		return q, err
	}
	if len(in.Answers) < 2 || len(in.Answers) > 8 {
		return q, api.Invalid("answers", "give 2 to 8 answers")
	}
	seen := map[string]bool{}
	for i, a := range in.Answers {
		f := fmt.Sprintf("answers[%d]", i)
		a.ID = strings.TrimSpace(a.ID)
		if !slugRE.MatchString(a.ID) || a.ID == "not-stated" {
			return q, api.Invalid(f+".id", "must be lower-case letters, digits and '-', and not not-stated (which every question implies)")
		}
		if seen[a.ID] {
			return q, api.Invalid(f+".id", "is given twice")
		}
		seen[a.ID] = true
		if a.Label, err = line(f+".label", a.Label, true, 80); err != nil {
			return q, err
		}
		q.Answers = append(q.Answers, a)
	}
	aj, _ := json.Marshal(q.Answers)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM positions_questions WHERE topic_id = ?`, q.Topic).Scan(&q.Position); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_questions (id, topic_id, position, text, answers, created_at) VALUES (?, ?, ?, ?, ?, ?)`, q.ID, q.Topic, q.Position, q.Text, string(aj), now()); err != nil {
			if db.IsUniqueViolation(err) {
				return api.Errorf(http.StatusConflict, "exists", "id", "there is already a question %q", q.ID)
			}
			return err
		}
		return audit.Record(ctx, tx, "position.question.create", "position_question", q.ID, nil, q)
	})
	return q, err
}

func webLang(l string) bool {
	switch l {
	case "ar", "zh", "en", "fr", "ru", "es":
		return true
	}
	return false
}

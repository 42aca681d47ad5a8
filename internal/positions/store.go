package positions

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Topics lists the topics of international law in their order, with every
// translation of their titles and descriptions; Title and Description are
// the English ones (use In for another language). Other modules read this
// list ("rules of international law") through this function.
func Topics(ctx context.Context, q db.Querier) ([]Topic, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, position, version, titles, descriptions, updated_at FROM positions_topics ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	defer rows.Close()
	out := []Topic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TopicByID returns one topic (ErrNotFound when there is none).
func TopicByID(ctx context.Context, q db.Querier, id string) (Topic, error) {
	t, err := scanTopic(q.QueryRowContext(ctx, `SELECT id, position, version, titles, descriptions, updated_at FROM positions_topics WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Topic{}, ErrNotFound
	}
	return t, err
}

func scanTopic(row interface{ Scan(...any) error }) (Topic, error) {
	var t Topic
	var titles, descs string
	if err := row.Scan(&t.ID, &t.Position, &t.Version, &titles, &descs, &t.UpdatedAt); err != nil {
		return t, err
	}
	_ = json.Unmarshal([]byte(titles), &t.Titles)
	_ = json.Unmarshal([]byte(descs), &t.Descriptions)
	t.UpdatedAt = t.UpdatedAt.UTC()
	return t.In("en"), nil
}

// In returns the topic with Title and Description in lang, falling back to
// English.
func (t Topic) In(lang string) Topic {
	t.Title, t.Description = t.Titles["en"], t.Descriptions["en"]
	t.TitleLang, t.DescriptionLang = "en", "en"
	if s := t.Titles[lang]; s != "" {
		t.Title, t.TitleLang = s, lang
	}
	if s := t.Descriptions[lang]; s != "" {
		t.Description, t.DescriptionLang = s, lang
	}
	return t
}

// Questions lists the questions of a topic (every topic when empty).
func Questions(ctx context.Context, q db.Querier, topic string) ([]Question, error) {
	query := `SELECT id, topic_id, position, text, answers FROM positions_questions`
	var args []any
	if topic != "" {
		query += ` WHERE topic_id = ?`
		args = append(args, topic)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY topic_id, position, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	defer rows.Close()
	out := []Question{}
	for rows.Next() {
		var qu Question
		var answers string
		if err := rows.Scan(&qu.ID, &qu.Topic, &qu.Position, &qu.Text, &answers); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(answers), &qu.Answers)
		out = append(out, qu)
	}
	return out, rows.Err()
}

// QuestionByID returns one question.
func QuestionByID(ctx context.Context, q db.Querier, id string) (Question, error) {
	var qu Question
	var answers string
	err := q.QueryRowContext(ctx, `SELECT id, topic_id, position, text, answers FROM positions_questions WHERE id = ?`, id).Scan(&qu.ID, &qu.Topic, &qu.Position, &qu.Text, &answers)
	if errors.Is(err, sql.ErrNoRows) {
		return qu, ErrNotFound
	}
	if err != nil {
		return qu, err
	}
	_ = json.Unmarshal([]byte(answers), &qu.Answers)
	return qu, nil
}

// list fields are stored as ",a,b,".
func joinList(l []string) string {
	if len(l) == 0 {
		return ","
	}
	return "," + strings.Join(l, ",") + ","
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(strings.Trim(s, ","), ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

const docColumns = `id, kind, state_iso3, group_name, title, issued_on, year, languages, source_url, body, status, by_secretariat, confirmed_at, supersedes, superseded_by, created_at, updated_at, published_at`

func scanDoc(row interface{ Scan(...any) error }, lang string) (Position, error) {
	var p Position
	var langs string
	var confirmed, published sql.NullTime
	err := row.Scan(&p.ID, &p.Kind, &p.State, &p.Group, &p.Title, &p.IssuedOn, &p.Year, &langs, &p.SourceURL, &p.Body, &p.Status, &p.BySecretariat, &confirmed, &p.Supersedes, &p.SupersededBy, &p.CreatedAt, &p.UpdatedAt, &published)
	if err != nil {
		return p, err
	}
	p.Languages = splitList(langs)
	p.Confirmed = confirmed.Valid
	if published.Valid {
		t := published.Time.UTC()
		p.PublishedAt = &t
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.StateName = stateName(p.State, lang)
	p.Passages, p.Stances, p.Endorsements = []Passage{}, []Stance{}, []Endorsement{}
	return p, nil
}

func stateName(iso3, lang string) string {
	si, ok := stateIndex()[iso3]
	if !ok {
		return iso3
	}
	if n := si.names[lang]; n != "" {
		return n
	}
	return si.names["en"]
}

// loadPosition reads a document with its passages, stances and endorsements.
func loadPosition(ctx context.Context, q db.Querier, id, lang string) (Position, error) {
	p, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+docColumns+` FROM positions_documents WHERE id = ?`, id), lang)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, err
	}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.seq, p.ref, p.text, p.lang, t.topic_id FROM positions_passages p
		LEFT JOIN positions_passage_topics t ON t.passage_id = p.id WHERE p.document_id = ? ORDER BY p.seq, t.topic_id`, id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var ps Passage
		var topic sql.NullString
		if err := rows.Scan(&ps.ID, &ps.Seq, &ps.Ref, &ps.Text, &ps.Lang, &topic); err != nil {
			return p, err
		}
		if n := len(p.Passages); n > 0 && p.Passages[n-1].ID == ps.ID {
			if topic.Valid {
				p.Passages[n-1].Topics = append(p.Passages[n-1].Topics, topic.String)
			}
			continue
		}
		ps.Topics = []string{}
		if topic.Valid {
			ps.Topics = append(ps.Topics, topic.String)
		}
		p.Passages = append(p.Passages, ps)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	rows.Close()
	srows, err := q.QueryContext(ctx, `SELECT question_id, answer, passage_seq FROM positions_stances WHERE document_id = ? ORDER BY question_id`, id)
	if err != nil {
		return p, err
	}
	defer srows.Close()
	for srows.Next() {
		var s Stance
		if err := srows.Scan(&s.Question, &s.Answer, &s.Passage); err != nil {
			return p, err
		}
		p.Stances = append(p.Stances, s)
	}
	if err := srows.Err(); err != nil {
		return p, err
	}
	srows.Close()
	erows, err := q.QueryContext(ctx, `SELECT state_iso3, endorsed_on FROM positions_endorsements WHERE document_id = ? ORDER BY endorsed_on, state_iso3`, id)
	if err != nil {
		return p, err
	}
	defer erows.Close()
	for erows.Next() {
		var e Endorsement
		if err := erows.Scan(&e.State, &e.EndorsedOn); err != nil {
			return p, err
		}
		e.StateName = stateName(e.State, lang)
		p.Endorsements = append(p.Endorsements, e)
	}
	if err := erows.Err(); err != nil {
		return p, err
	}
	erows.Close()
	p.File, err = fileOf(ctx, q, id)
	return p, err
}

// DocFilter selects documents.
type DocFilter struct {
	State    string // national documents of this State, and joint ones it endorses
	Kind     string
	Statuses []string
	Limit    int // at most this many, newest first (0: all)
	// AfterIssued and AfterID: the last document of the page before, when
	// the list goes on after it.
	AfterIssued, AfterID string
}

// listDocs lists documents (without passages), newest first.
func listDocs(ctx context.Context, q db.Querier, f DocFilter, lang string) ([]Position, error) {
	query, args := docsQuery(f)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list positions: %w", err)
	}
	defer rows.Close()
	out := []Position{}
	for rows.Next() {
		p, err := scanDoc(rows, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// TopicPassage is a passage as read on a topic page: with its document.
type TopicPassage struct {
	Passage
	DocumentID    string `json:"document_id"`
	DocumentTitle string `json:"document_title"`
	Kind          string `json:"kind"`
	State         string `json:"state,omitempty"`
	StateName     string `json:"state_name,omitempty"`
	Group         string `json:"group,omitempty"`
	Region        string `json:"region,omitempty"`
	IssuedOn      string `json:"issued_on"`
	Year          int    `json:"year"`
	SourceURL     string `json:"source_url"`
	BySecretariat bool   `json:"by_secretariat"`
	Confirmed     bool   `json:"confirmed"`
}

// PassageFilter narrows a topic's passages.
type PassageFilter struct {
	Topic  string
	State  string
	Region string
	Year   int
	Lang   string
	// Sort: "date" (newest first, the default) or "state".
	Sort string
}

// passages lists the published, current passages of a topic (all topics
// when empty).
func passages(ctx context.Context, q db.Querier, f PassageFilter, lang string) ([]TopicPassage, error) {
	query := `SELECT p.id, p.seq, p.ref, p.text, p.lang, d.id, d.title, d.kind, d.state_iso3, d.group_name, d.issued_on, d.year, d.source_url, d.by_secretariat, d.confirmed_at, COALESCE(s.grp, '')
		FROM positions_passage_topics t
		JOIN positions_passages p ON p.id = t.passage_id
		JOIN positions_documents d ON d.id = t.document_id
		LEFT JOIN states s ON s.iso3 = d.state_iso3
		WHERE t.published = ? AND d.status = ?`
	args := []any{true, StatusPublished}
	if f.Topic != "" {
		query += ` AND t.topic_id = ?`
		args = append(args, f.Topic)
	}
	if f.State != "" {
		query += ` AND (d.state_iso3 = ? OR d.id IN (SELECT document_id FROM positions_endorsements WHERE state_iso3 = ?))`
		args = append(args, f.State, f.State)
	}
	if f.Region != "" {
		query += ` AND (s.grp = ? OR d.id IN (SELECT e.document_id FROM positions_endorsements e JOIN states es ON es.iso3 = e.state_iso3 WHERE es.grp = ?))`
		args = append(args, f.Region, f.Region)
	}
	if f.Year != 0 {
		query += ` AND d.year = ?`
		args = append(args, f.Year)
	}
	if f.Lang != "" {
		query += ` AND p.lang = ?`
		args = append(args, f.Lang)
	}
	query += ` ORDER BY d.issued_on DESC, d.id, p.seq`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("topic passages: %w", err)
	}
	defer rows.Close()
	out := []TopicPassage{}
	seen := map[string]bool{}
	for rows.Next() {
		var tp TopicPassage
		var confirmed sql.NullTime
		if err := rows.Scan(&tp.ID, &tp.Seq, &tp.Ref, &tp.Text, &tp.Lang, &tp.DocumentID, &tp.DocumentTitle, &tp.Kind, &tp.State, &tp.Group, &tp.IssuedOn, &tp.Year, &tp.SourceURL, &tp.BySecretariat, &confirmed, &tp.Region); err != nil {
			return nil, err
		}
		if seen[tp.ID] { // a passage under several topics, when listing all
			continue
		}
		seen[tp.ID] = true
		tp.Confirmed = confirmed.Valid
		tp.StateName = stateName(tp.State, lang)
		tp.Topics = []string{}
		out = append(out, tp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if f.Sort == "state" {
		sort.SliceStable(out, func(i, j int) bool {
			return sortName(out[i]) < sortName(out[j])
		})
	}
	return out, nil
}

func sortName(p TopicPassage) string {
	if p.StateName != "" {
		return strings.ToLower(p.StateName)
	}
	return strings.ToLower(p.Group)
}

// StateStance is a State's current answer to a question, from its current
// published national position.
type StateStance struct {
	State     string `json:"state"`
	StateName string `json:"state_name"`
	Region    string `json:"region"`
	Answer    string `json:"answer"`
	Document  string `json:"document"`
	IssuedOn  string `json:"issued_on"`
}

// stances returns every State's current answer to a question.
func stances(ctx context.Context, q db.Querier, question, lang string) ([]StateStance, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.state_iso3, s.answer, d.id, d.issued_on FROM positions_stances s
		JOIN positions_documents d ON d.id = s.document_id
		WHERE s.question_id = ? AND d.status = ? AND d.kind = ? ORDER BY d.state_iso3`, question, StatusPublished, KindNational)
	if err != nil {
		return nil, fmt.Errorf("stances: %w", err)
	}
	defer rows.Close()
	out := []StateStance{}
	for rows.Next() {
		var st StateStance
		if err := rows.Scan(&st.State, &st.Answer, &st.Document, &st.IssuedOn); err != nil {
			return nil, err
		}
		st.StateName = stateName(st.State, lang)
		st.Region = stateGroup(st.State)
		out = append(out, st)
	}
	return out, rows.Err()
}

// now is the clock, UTC; tests may not move it.
func now() time.Time { return time.Now().UTC() }

// The States' names and groups, read once: states.All and states.ByISO3
// copy every State they return, too slow for a page that names hundreds.
type stateInfo struct {
	names map[string]string
	group string
}

var allStates = sync.OnceValue(states.All)

var stateIndex = sync.OnceValue(func() map[string]stateInfo {
	idx := map[string]stateInfo{}
	for _, st := range allStates() {
		si := stateInfo{names: map[string]string{}, group: string(st.Group)}
		for _, l := range []string{"ar", "zh", "en", "fr", "ru", "es"} {
			si.names[l] = st.Name(l)
		}
		idx[st.ISO3] = si
	}
	return idx
})

// numStates is the number of States (195).
func numStates() int { return len(allStates()) }

// stateGroup is a State's regional group ("" when unknown).
func stateGroup(iso3 string) string { return stateIndex()[iso3].group }

// docsQuery is listDocs' statement, newest first from f's cursor. A State's
// documents are looked up by id, its own and those it endorses, and then
// ordered (a few dozen at most). The statuses are written as those left
// out (NOT IN), so that with no State SQLite walks the index of issue dates
// (positions_documents_issued, migration 0704) and stops at the page's
// end; an equality on the status index would read every document of those
// statuses, their bodies with them, and sort them: 820 for a page of 50 at
// the demo's scale 10.
func docsQuery(f DocFilter) (string, []any) {
	query := `SELECT ` + docColumns + ` FROM positions_documents d WHERE 1 = 1`
	var args []any
	if f.State != "" {
		query += ` AND d.id IN (SELECT id FROM positions_documents WHERE state_iso3 = ? UNION SELECT document_id FROM positions_endorsements WHERE state_iso3 = ?)`
		args = append(args, f.State, f.State)
	}
	if f.Kind != "" {
		query += ` AND d.kind = ?`
		args = append(args, f.Kind)
	}
	if len(f.Statuses) > 0 {
		var out []any
		for _, s := range allStatuses {
			if !slices.Contains(f.Statuses, s) {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			query += ` AND d.status NOT IN (` + db.Placeholders(len(out)) + `)`
			args = append(args, out...)
		}
	}
	if f.AfterID != "" {
		query += ` AND (d.issued_on < ? OR d.issued_on = ? AND d.id < ?)`
		args = append(args, f.AfterIssued, f.AfterIssued, f.AfterID)
	}
	query += ` ORDER BY d.issued_on DESC, d.id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return query, args
}

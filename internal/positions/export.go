package positions

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Dataset is everything published, for researchers: dated.
type Dataset struct {
	GeneratedAt time.Time   `json:"generated_at"`
	Licence     string      `json:"licence"`
	Topics      []Topic     `json:"topics"`
	Questions   []Question  `json:"questions"`
	Documents   []Position  `json:"documents" doc:"published and superseded position documents with their passages, stances and endorsements"`
	Proposals   []Consensus `json:"proposals" doc:"each proposal with every position recorded on it and its endorsements"`
}

func (m *Module) dataset(r *http.Request) (Dataset, error) {
	ctx := r.Context()
	d := Dataset{GeneratedAt: now(), Licence: "Published positions are public documents of the States concerned; this compilation may be reused with attribution."}
	var err error
	if d.Topics, err = m.svc.topics(ctx); err != nil {
		return d, err
	}
	if d.Questions, err = Questions(ctx, m.svc.DB, ""); err != nil {
		return d, err
	}
	docs, err := listDocs(ctx, m.svc.DB, DocFilter{Statuses: []string{StatusPublished, StatusSuperseded}}, "en")
	if err != nil {
		return d, err
	}
	d.Documents = make([]Position, 0, len(docs))
	for _, p := range docs {
		full, err := loadPosition(ctx, m.svc.DB, p.ID, "en")
		if err != nil {
			return d, err
		}
		d.Documents = append(d.Documents, full)
	}
	props, err := Proposals(ctx, m.svc.DB)
	if err != nil {
		return d, err
	}
	d.Proposals = []Consensus{}
	for _, p := range props {
		c, err := m.svc.ConsensusView(ctx, p.ID, "en")
		if err != nil {
			return d, err
		}
		d.Proposals = append(d.Proposals, c)
	}
	return d, nil
}

func (m *Module) apiExport(w http.ResponseWriter, r *http.Request) {
	d, err := m.dataset(r)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-positions-`+d.GeneratedAt.Format("2006-01-02")+`.json"`)
	api.WriteJSON(w, http.StatusOK, d)
}

// exportTables are the CSV tables of the dataset.
var exportTables = []string{"passages", "stances", "endorsements", "proposal-positions"}

func (m *Module) apiExportCSV(w http.ResponseWriter, r *http.Request) {
	table := r.URL.Query().Get("table")
	if table == "" {
		table = "passages"
	}
	found := false
	for _, t := range exportTables {
		found = found || t == table
	}
	if !found {
		api.WriteError(w, api.Invalid("table", "must be one of "+strings.Join(exportTables, ", ")))
		return
	}
	d, err := m.dataset(r)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-positions-`+table+`-`+d.GeneratedAt.Format("2006-01-02")+`.csv"`)
	cw := csv.NewWriter(w)
	region := stateGroup
	switch table {
	case "passages":
		_ = cw.Write([]string{"document_id", "kind", "state", "region", "group", "document_title", "issued_on", "status", "by_secretariat", "confirmed", "source_url", "passage", "ref", "lang", "topics", "text"})
		for _, p := range d.Documents {
			for _, ps := range p.Passages {
				_ = cw.Write([]string{p.ID, p.Kind, p.State, region(p.State), defuse(p.Group), defuse(p.Title), p.IssuedOn, p.Status, strconv.FormatBool(p.BySecretariat), strconv.FormatBool(p.Confirmed), defuse(p.SourceURL),
					strconv.Itoa(ps.Seq), defuse(ps.Ref), ps.Lang, strings.Join(ps.Topics, " "), defuse(ps.Text)})
			}
		}
	case "stances":
		_ = cw.Write([]string{"document_id", "kind", "state", "group", "issued_on", "status", "question", "answer", "passage"})
		for _, p := range d.Documents {
			for _, s := range p.Stances {
				_ = cw.Write([]string{p.ID, p.Kind, p.State, defuse(p.Group), p.IssuedOn, p.Status, s.Question, s.Answer, strconv.Itoa(s.Passage)})
			}
		}
	case "endorsements":
		_ = cw.Write([]string{"document_id", "group", "state", "endorsed_on"})
		for _, p := range d.Documents {
			for _, e := range p.Endorsements {
				_ = cw.Write([]string{p.ID, defuse(p.Group), e.State, e.EndorsedOn})
			}
		}
	case "proposal-positions":
		_ = cw.Write([]string{"proposal", "state", "stance", "amendment", "reason", "stated_on", "source_kind", "source_ref", "by_secretariat", "current"})
		for _, c := range d.Proposals {
			for _, s := range c.History {
				_ = cw.Write([]string{c.Proposal.ID, s.State, s.Stance, defuse(s.Amendment), defuse(s.Reason), s.StatedOn, s.SourceKind, defuse(s.SourceRef), strconv.FormatBool(s.BySecretariat), strconv.FormatBool(s.Current)})
			}
		}
	}
	cw.Flush()
}

func (m *Module) exportRoutes(r *web.Router) {
	r.API(api.Op{Method: "GET", Path: apiBase + "/export", Summary: "The whole published dataset as one dated JSON document (topics, questions, documents with passages and stances, proposals with every position recorded)", Tag: "positions", Response: Dataset{}}, web.Public, m.apiExport)
	r.API(api.Op{Method: "GET", Path: apiBase + "/export.csv", Summary: "The whole published dataset as dated CSV, one table at a time", Tag: "positions",
		Params: []api.Param{{Name: "table", In: "query", Description: "passages (default), stances, endorsements or proposal-positions"}}, ContentType: "text/csv"}, web.Public, m.apiExportCSV)
}

package opendata

import (
	"context"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Service reads the registry's datasets and keeps the releases.
type Service struct {
	P   *platform.Services
	Reg *od.Registry
	// now is the clock (tests may set it).
	now func() time.Time
	// counts are the datasets' sizes, kept until something is written.
	counts audit.KeptBy[string, od.Stats]
}

// stats are a dataset's number of rows and last change. Counting reads the
// whole dataset (the catalog's 40 datasets took a second at the demo's
// scale 10, at every view of /data), and they change only with a write:
// they are kept until the audit log's tail moves (audit.KeptBy). A dataset
// read at a time (Params: results shown once a deadline has passed) is
// counted at each request.
func (s *Service) stats(ctx context.Context, d od.Dataset) (od.Stats, error) {
	if d.Params != nil {
		return d.Stats(ctx, s.P.DB)
	}
	return s.counts.Get(ctx, s.P.DB, d.Name, func(ctx context.Context) (od.Stats, error) { return d.Stats(ctx, s.P.DB) })
}

// NewService returns the module's service.
func NewService(ps *platform.Services, reg *od.Registry) *Service {
	return &Service{P: ps, Reg: reg, now: func() time.Time { return time.Now().UTC() }}
}

// Field is a column of a dataset, as the API shows it.
type Field struct {
	Name        string   `json:"name"`
	Type        string   `json:"type" doc:"Table Schema type: string, integer, number, boolean, date or datetime"`
	Format      string   `json:"format,omitempty"`
	Description string   `json:"description"`
	Required    bool     `json:"required"`
	Enum        []string `json:"enum,omitempty"`
	Pattern     string   `json:"pattern,omitempty"`
}

// DatasetInfo describes a dataset and where to get it.
type DatasetInfo struct {
	Name        string     `json:"name"`
	Module      string     `json:"module"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Rows        int64      `json:"rows"`
	LastChanged *time.Time `json:"last_changed" doc:"the latest change of a row, null when the dataset is empty or has no such date"`
	CSVBytes    int64      `json:"csv_bytes" doc:"size of the CSV file in the latest release, 0 before the first"`
	CSV         string     `json:"csv" doc:"the live CSV file (UTF-8, RFC 4180)"`
	JSONL       string     `json:"jsonl" doc:"the live JSON Lines file"`
	Codebook    string     `json:"codebook"`
	Feed        string     `json:"feed,omitempty" doc:"the Atom change feed, for datasets that have one"`
	Licence     string     `json:"licence" doc:"SPDX identifier"`
	PrimaryKey  []string   `json:"primary_key"`
	Fields      []Field    `json:"fields"`
}

func (s *Service) info(ctx context.Context, d od.Dataset, sizes map[string]int64) (DatasetInfo, error) {
	st, err := s.stats(ctx, d)
	if err != nil {
		return DatasetInfo{}, err
	}
	in := DatasetInfo{Name: d.Name, Module: d.Module, Title: d.Title, Description: d.Description, Rows: st.Rows, LastChanged: st.Changed,
		CSVBytes: sizes[d.Name],
		CSV:      s.P.Link("/data/files/" + d.Name + ".csv"), JSONL: s.P.Link("/data/files/" + d.Name + ".jsonl"), Codebook: s.P.Link("/data/datasets/" + d.Name),
		Licence: platform.DataLicence.ID, PrimaryKey: d.PrimaryKey, Fields: []Field{}}
	if d.Feed != nil {
		in.Feed = s.P.Link("/data/feeds/" + d.Name + ".atom")
	}
	for _, f := range d.Fields {
		in.Fields = append(in.Fields, Field{Name: f.Name, Type: f.Type, Format: f.Format, Description: f.Description, Required: f.Required, Enum: f.Enum, Pattern: f.Pattern})
	}
	return in, nil
}

// Infos describes every dataset, in registration order.
func (s *Service) Infos(ctx context.Context) ([]DatasetInfo, error) {
	sizes := s.latestSizes(ctx)
	out := []DatasetInfo{}
	for _, d := range s.Reg.All() {
		in, err := s.info(ctx, d, sizes)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// Info describes one dataset.
func (s *Service) Info(ctx context.Context, name string) (DatasetInfo, bool, error) {
	d, ok := s.Reg.Get(name)
	if !ok {
		return DatasetInfo{}, false, nil
	}
	in, err := s.info(ctx, d, s.latestSizes(ctx))
	return in, true, err
}

// Licence is the platform's data licence as the data package names it.
func Licence() od.Licence {
	return od.Licence{Name: platform.DataLicence.ID, Path: platform.DataLicence.URL, Title: platform.DataLicence.Name}
}

// PackageInfo is the data package's metadata.
func (s *Service) PackageInfo(version string, created time.Time, files map[string]od.File) od.PackageInfo {
	id := s.P.Link("/data/datapackage.json")
	if version != "" {
		id = s.P.Link("/data/releases/" + version)
	}
	return od.PackageInfo{Name: "cybernorms-open-data", Title: "cybernorms open data",
		Description: "The public data of cybernorms, the platform for the UN framework of responsible State behaviour in cyberspace: national implementation reports and their measures, the compendium of good practice and the other modules' public records. Only what the platform publishes is here: never drafts, confidential or restricted content.",
		Homepage:    s.P.Link("/data"), Version: version, Created: created.UTC().Format(time.RFC3339), Licence: Licence(), Files: files,
		ID: id, Publisher: Publisher, Keywords: Keywords}
}

// Publisher is who publishes the open data, as citations name it.
const Publisher = "cybernorms secretariat"

// Keywords describe the open data for catalogues and citations.
var Keywords = []string{"cyber norms", "responsible State behaviour in cyberspace", "United Nations", "international law", "confidence-building measures", "capacity building", "cyber incidents", "open data"}

// latestSizes are the CSV sizes in the latest release, by dataset.
func (s *Service) latestSizes(ctx context.Context) map[string]int64 {
	out := map[string]int64{}
	rel, err := s.Latest(ctx)
	if err != nil || rel == nil {
		return out
	}
	for _, f := range rel.Files {
		out[f.Dataset] = f.Bytes
	}
	return out
}

// size is a byte count for people in lang: SI units, the number written
// by web.FormatNumber (at most one decimal, the language's decimal sign:
// "1.5 MB", "1,5 MB").
func size(n int64, lang string) string {
	const unit = 1000
	if n < unit {
		return web.FormatNumber(lang, n) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return web.FormatNumber(lang, float64(n)/float64(div)) + " " + string("kMGTPE"[exp]) + "B"
}

// CSVSize is the CSV file's size in the latest release, for people
// reading lang.
func (d DatasetInfo) CSVSize(lang string) string { return size(d.CSVBytes, lang) }

// Size is the zip's size, for people reading lang.
func (r Release) Size(lang string) string { return size(r.Bytes, lang) }

// Size is the file's size, for people reading lang.
func (f ReleaseFile) Size(lang string) string { return size(f.Bytes, lang) }

package opendata

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

type catalogueData struct {
	Datasets []DatasetInfo
	Latest   *Release
	Licence  struct{ ID, Name, URL string }
	JSONLD   template.JS
}

func (m *Module) cataloguePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	infos, err := m.svc.Infos(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	latest, err := m.svc.Latest(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := catalogueData{Datasets: infos, Latest: latest, Licence: platform.DataLicence, JSONLD: jsonLD(m.svc.schemaOrg(infos))}
	m.site.Render(w, r, http.StatusOK, "opendata/catalogue.html", "opendata.title", d)
}

// jsonLD is a JSON-LD block for a <script type="application/ld+json">;
// encoding/json escapes <, > and &, so it cannot close the element.
func jsonLD(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(b)
}

// schemaOrg is the catalogue as schema.org DataCatalog with a Dataset per
// dataset, which dataset search engines read.
func (s *Service) schemaOrg(infos []DatasetInfo) map[string]any {
	var sets []map[string]any
	for _, in := range infos {
		d := map[string]any{"@type": "Dataset", "name": in.Title, "description": in.Description, "url": in.Codebook,
			"identifier": in.Name, "license": platform.DataLicence.URL, "isAccessibleForFree": true,
			"creator":          map[string]any{"@type": "Organization", "name": "cybernorms secretariat", "url": s.P.Link("/")},
			"variableMeasured": fieldNames(in.Fields),
			"distribution": []map[string]any{
				{"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": in.CSV},
				{"@type": "DataDownload", "encodingFormat": "application/jsonl", "contentUrl": in.JSONL}}}
		if in.LastChanged != nil {
			d["dateModified"] = in.LastChanged.Format(time.RFC3339)
		}
		sets = append(sets, d)
	}
	return map[string]any{"@context": "https://schema.org/", "@type": "DataCatalog", "name": "cybernorms open data", "url": s.P.Link("/data"),
		"license": platform.DataLicence.URL, "dataset": sets}
}

func fieldNames(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// dcatCatalog is the catalogue in DCAT-AP (JSON-LD), the vocabulary
// public-sector data portals exchange.
func (m *Module) dcatCatalog(w http.ResponseWriter, r *http.Request) {
	infos, err := m.svc.Infos(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	s := m.svc
	var sets []map[string]any
	for _, in := range infos {
		d := map[string]any{"@id": in.Codebook, "@type": "dcat:Dataset", "dct:identifier": in.Name, "dct:title": in.Title, "dct:description": in.Description,
			"dct:publisher": map[string]any{"@id": s.P.Link("/")}, "dcat:landingPage": map[string]any{"@id": in.Codebook},
			"dcat:distribution": []map[string]any{
				{"@type": "dcat:Distribution", "dcat:accessURL": map[string]any{"@id": in.Codebook}, "dcat:downloadURL": map[string]any{"@id": in.CSV}, "dcat:mediaType": "text/csv", "dct:format": "CSV", "dct:license": map[string]any{"@id": platform.DataLicence.URL}},
				{"@type": "dcat:Distribution", "dcat:accessURL": map[string]any{"@id": in.Codebook}, "dcat:downloadURL": map[string]any{"@id": in.JSONL}, "dcat:mediaType": "application/jsonl", "dct:format": "JSONL", "dct:license": map[string]any{"@id": platform.DataLicence.URL}}}}
		if in.LastChanged != nil {
			d["dct:modified"] = map[string]any{"@value": in.LastChanged.Format(time.RFC3339), "@type": "xsd:dateTime"}
		}
		sets = append(sets, d)
	}
	doc := map[string]any{
		"@context": map[string]string{"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#"},
		"@id":      s.P.Link("/data/catalog.jsonld"), "@type": "dcat:Catalog",
		"dct:title": "cybernorms open data", "dct:description": s.PackageInfo("", time.Now(), nil).Description,
		"dct:publisher": map[string]any{"@id": s.P.Link("/"), "@type": "foaf:Organization", "foaf:name": "cybernorms secretariat"},
		"dct:license":   map[string]any{"@id": platform.DataLicence.URL},
		"foaf:homepage": map[string]any{"@id": s.P.Link("/data")},
		"dcat:dataset":  sets,
	}
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(doc)
}

type codebookData struct {
	Info    DatasetInfo
	Keys    []od.ForeignKey
	Licence struct{ ID, Name, URL string }
	JSONLD  template.JS
	Filters []string
}

func (m *Module) codebookPage(w http.ResponseWriter, r *http.Request) {
	d, ok := m.svc.Reg.Get(r.PathValue("name"))
	if !ok {
		m.notFound(w, r)
		return
	}
	in, _, err := m.svc.Info(r.Context(), d.Name)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	cd := codebookData{Info: in, Keys: d.ForeignKeys, Licence: platform.DataLicence}
	if d.Feed != nil {
		cd.Filters = d.Feed.Filters
	}
	cat := m.svc.schemaOrg([]DatasetInfo{in})
	if sets, ok := cat["dataset"].([]map[string]any); ok && len(sets) == 1 {
		sets[0]["@context"] = "https://schema.org/"
		cd.JSONLD = jsonLD(sets[0])
	}
	m.site.Render(w, r, http.StatusOK, "opendata/codebook.html", "opendata.codebook", cd)
}

// file streams a dataset as CSV or JSON Lines, row by row.
func (m *Module) file(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	d, ok := m.svc.Reg.Get(name)
	if !ok || (ext != "csv" && ext != "jsonl") {
		m.notFound(w, r)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-`+file+`"`)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	// Streamed: too large for the page cache, and fresh on every request.
	w.Header().Set("Cache-Control", "no-store")
	var err error
	if ext == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
		_, err = d.WriteCSV(r.Context(), m.svc.P.DB, w)
	} else {
		w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
		_, err = d.WriteJSONL(r.Context(), m.svc.P.DB, w)
	}
	if err != nil {
		m.site.Log.Warn("open data file", "file", file, "err", err)
	}
}

// dataPackage is the live data package: the same descriptor a release
// holds, its resources pointing at the live CSV files.
func (m *Module) dataPackage(w http.ResponseWriter, r *http.Request) {
	files := map[string]od.File{}
	for _, d := range m.svc.Reg.All() {
		files[d.Name] = od.File{Path: "files/" + d.Name + ".csv"}
	}
	pkg := od.Package(m.svc.PackageInfo("", m.svc.now(), files), m.svc.Reg.All())
	delete(pkg, "created") // the live package changes with the data, not with the clock
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(pkg)
}

func (m *Module) apiDatasets(w http.ResponseWriter, r *http.Request) {
	infos, err := m.svc.Infos(r.Context())
	if err != nil {
		api.WriteError(w, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[DatasetInfo]{Items: infos})
}

func (m *Module) apiDataset(w http.ResponseWriter, r *http.Request) {
	in, ok, err := m.svc.Info(r.Context(), r.PathValue("name"))
	if err != nil {
		api.WriteError(w, err)
		return
	}
	if !ok {
		api.WriteError(w, api.Errorf(http.StatusNotFound, "not_found", "name", "no such dataset"))
		return
	}
	api.WriteJSON(w, http.StatusOK, in)
}

// Releases.

type releasesData struct {
	Releases    []Release
	Secretariat bool
}

func isSecretariat(r *http.Request) bool {
	u, pending := web.CurrentUser(r)
	return u != nil && !pending && u.Role == auth.RoleSecretariat
}

func (m *Module) releasesPage(w http.ResponseWriter, r *http.Request) {
	rs, err := m.svc.Releases(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "opendata/releases.html", "opendata.releases", releasesData{Releases: rs, Secretariat: isSecretariat(r)})
}

func (m *Module) releaseForm(w http.ResponseWriter, r *http.Request) {
	rel, err := m.svc.CreateRelease(r.Context(), MadeBySecretariat)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/data/releases/"+rel.Version, "opendata.released")
}

func (m *Module) releasePage(w http.ResponseWriter, r *http.Request) {
	v := r.PathValue("version")
	rel, err := m.svc.ReleaseByVersion(r.Context(), v)
	if errors.Is(err, ErrNoRelease) {
		m.notFound(w, r)
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if v == "latest" {
		http.Redirect(w, r, "/data/releases/"+rel.Version, http.StatusFound)
		return
	}
	m.site.Render(w, r, http.StatusOK, "opendata/release.html", "opendata.release", rel)
}

func (m *Module) releaseDownload(w http.ResponseWriter, r *http.Request) {
	v := r.PathValue("version")
	rel, err := m.svc.ReleaseByVersion(r.Context(), v)
	if errors.Is(err, ErrNoRelease) {
		m.notFound(w, r)
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if v == "latest" {
		http.Redirect(w, r, "/data/releases/"+rel.Version+"/download", http.StatusFound)
		return
	}
	// Immutable: cached for ever, validated by its checksum. ServeContent
	// answers If-None-Match (304), Range and If-Range (206) and sets
	// Content-Length, reading the zip from its chunks one at a time.
	w.Header().Set("ETag", `"`+rel.SHA256+`"`)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-open-data-`+rel.Version+`.zip"`)
	w.Header().Set("Digest", "sha-256="+rel.SHA256)
	zr := m.svc.openZip(r.Context(), rel)
	http.ServeContent(w, r, "", rel.ReleasedAt, zr)
	if err := zr.err; err != nil && r.Context().Err() == nil {
		m.site.Log.Warn("open data release", "version", rel.Version, "err", err)
	}
}

func (m *Module) apiReleases(w http.ResponseWriter, r *http.Request) {
	rs, err := m.svc.Releases(r.Context())
	if err != nil {
		api.WriteError(w, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Release]{Items: rs})
}

func (m *Module) apiRelease(w http.ResponseWriter, r *http.Request) {
	rel, err := m.svc.ReleaseByVersion(r.Context(), r.PathValue("version"))
	if errors.Is(err, ErrNoRelease) {
		api.WriteError(w, api.Errorf(http.StatusNotFound, "not_found", "version", "no such release"))
		return
	}
	if err != nil {
		api.WriteError(w, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rel)
}

func (m *Module) apiCreateRelease(w http.ResponseWriter, r *http.Request) {
	rel, err := m.svc.CreateRelease(r.Context(), MadeBySecretariat)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, rel)
}

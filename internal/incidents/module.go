package incidents

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the incidents' pages, API, dataset and STIX.
type Module struct {
	svc       *Service
	site      *web.Site
	actorRows web.Memo // /incidents/actors' rows, per language
	// timeline is /incidents/timeline's years per language, kept until
	// something is written.
	timeline audit.KeptBy[string, template.HTML]
	// stats is /incidents/stats' chart and table per language, kept until
	// something is written.
	stats audit.KeptBy[string, template.HTML]
	// firstList is /incidents' first page without filters per language,
	// and apiFirst /api/v1/incidents' first page encoded: both kept until
	// something is written.
	firstList audit.KeptBy[string, firstList]
	apiFirst  audit.Kept[[]byte]
}

// New registers the templates and translations and returns the module;
// topics lists the topics of international law statements may cite (the
// positions module's, wired by the app) and norms names the framework's
// norms (the framework's store, wired by the app).
func New(ps *platform.Services, topics TopicReader, norms NormReader) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("incidents", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	svc := NewService(ps)
	svc.Topics = topics
	svc.Norms = norms
	if err := svc.backfillAll(context.Background()); err != nil {
		return nil, err
	}
	ps.AddTAXIIRoot("/taxii2/incidents/")
	return &Module{svc: svc, site: ps.Site}, nil
}

// Service returns the module's service.
func (m *Module) Service() *Service { return m.svc }

// Writers of statements and responses: the secretariat and State staff;
// the services decide row by row.
var stateOrSecretariat = web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover)
var approverOrSecretariat = web.Roles(auth.RoleSecretariat, auth.RoleStateApprover)
var proposersAndSecretariat = web.Roles(auth.RoleSecretariat, auth.RoleStakeholder)

// Routes registers every route with its access rule. The record is
// /incidents/{id}; its actions take the verb first (/incidents/edit/{id})
// so that no two patterns overlap.
func (m *Module) Routes(r *web.Router) {
	// Reading.
	r.Handle("GET /incidents", web.Public, m.listPage)
	r.Handle("GET /incidents/{id}", web.Public, m.incidentPage)
	r.Handle("GET /incidents/states/{iso3}", web.Public, m.statePage)
	r.Handle("GET /incidents/norms/{id}", web.Public, m.normPage)
	r.Handle("GET /incidents/actors", web.Public, m.actorsPage)
	r.Handle("GET /incidents/actors/{id}", web.Public, m.actorPage)
	r.Handle("GET /incidents/timeline", web.Public, m.timelinePage)
	r.Handle("GET /incidents/stats", web.Public, m.statsPage)
	r.Handle("GET /incidents/stats.csv", web.Public, m.statsCSV)
	r.Handle("GET /incidents/dataset", web.Public, m.datasetPage)
	r.Handle("GET /incidents/releases/{version}", web.Public, m.releaseFile)
	r.Handle("POST /incidents/releases", web.Secretariat, m.releaseForm)
	r.Handle("GET /incidents/stix/{id}", web.Public, m.incidentSTIX)
	r.Handle("GET /incidents/stix.json", web.Public, m.listSTIX)
	r.Handle("GET /incidents/dataset/{file}", web.Public, m.datasetFile)
	// Curating (secretariat) and proposing (organisations).
	r.Handle("GET /incidents/new", proposersAndSecretariat, m.newPage)
	r.Handle("POST /incidents/new", proposersAndSecretariat, m.newForm)
	r.Handle("GET /incidents/edit/{id}", web.Secretariat, m.editPage)
	r.Handle("POST /incidents/edit/{id}", web.Secretariat, m.editForm)
	r.Handle("POST /incidents/publish/{id}", web.Secretariat, m.publishForm)
	r.Handle("GET /incidents/correct/{id}", web.Stakeholder, m.correctPage)
	r.Handle("POST /incidents/correct/{id}", web.Stakeholder, m.correctForm)
	r.Handle("GET /incidents/import", proposersAndSecretariat, m.importPage)
	r.Handle("POST /incidents/import", proposersAndSecretariat, m.importForm)
	r.Handle("GET /incidents/proposals", proposersAndSecretariat, m.proposalsPage)
	r.Handle("GET /incidents/proposals/{id}", proposersAndSecretariat, m.proposalPage)
	r.Handle("POST /incidents/review/{id}", web.Secretariat, m.reviewForm)
	// Statements and responses.
	r.Handle("POST /incidents/attribute/{id}", stateOrSecretariat, m.attributeForm)
	r.Handle("POST /incidents/sign/{id}", web.StateApprover, m.signForm)
	r.Handle("POST /incidents/answer/{id}", approverOrSecretariat, m.answerForm)
	r.Handle("POST /incidents/respond/{id}", approverOrSecretariat, m.respondForm)

	// A read-only TAXII 2.1 API root (taxii.go): its own media type and
	// errors, so not in the OpenAPI document.
	r.Handle("GET /taxii2/incidents/{$}", web.Public, m.taxiiRoot)
	r.Handle("GET /taxii2/incidents/collections/{$}", web.Public, m.taxiiCollections)
	r.Handle("GET /taxii2/incidents/collections/{collection}/{$}", web.Public, m.taxiiCollectionPage)
	r.Handle("GET /taxii2/incidents/collections/{collection}/objects/{$}", web.Public, m.taxiiObjects)
	r.Handle("GET /taxii2/incidents/collections/{collection}/objects/{object}/{$}", web.Public, m.taxiiObject)
	r.Handle("GET /taxii2/incidents/collections/{collection}/objects/{object}/versions/{$}", web.Public, m.taxiiVersions)
	r.Handle("GET /taxii2/incidents/collections/{collection}/manifest/{$}", web.Public, m.taxiiManifest)

	// JSON API.
	errs := "Errors: 400 bad parameter, 401 not signed in, 403 role, 404 not found or not visible, 409 status does not allow it, 422 invalid field (named)."
	r.API(api.Op{Method: "GET", Path: "/api/v1/incidents", Summary: "Published incidents, newest first, filtered by facets or words", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "q", In: "query"}, {Name: "type", In: "query"}, {Name: "sector", In: "query"}, {Name: "attributor", In: "query", Description: "ISO3 of a State that made or joined an attribution"},
			{Name: "named", In: "query", Description: "ISO3 of a State named by an attribution"}, {Name: "receiver", In: "query"}, {Name: "norm", In: "query", Description: "e.g. gge2015-f"},
			{Name: "actor", In: "query", Description: "ATT&CK group id"}, {Name: "year", In: "query", Schema: "integer"}, api.UpdatedSinceParam, {Name: "limit", In: "query", Schema: "integer"}, {Name: "cursor", In: "query"}},
		Response: api.List[Incident]{}}, web.Public, m.apiList)
	r.API(api.Op{Method: "GET", Path: "/api/v1/incidents/{id}", Summary: "One incident with its statements, responses and history", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Response: IncidentView{}}, web.Public, m.apiShow)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incidents", Summary: "Create a draft incident (secretariat)", Tag: "incidents", Description: errs,
		Request: IncidentInput{}, Response: Incident{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreate)
	r.API(api.Op{Method: "PUT", Path: "/api/v1/incidents/{id}", Summary: "Replace an incident's fields (secretariat)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Request: IncidentInput{}, Response: Incident{}}, web.Secretariat, m.apiUpdate)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incidents/{id}/publish", Summary: "Publish a draft incident (secretariat)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Incident{}}, web.Secretariat, m.apiPublish)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incidents/{id}/attributions", Summary: "Record an attribution statement (secretariat: published; State staff: a draft of their own State's statement, signed by its approver)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Request: AttributionInput{}, Response: Attribution{}, Status: http.StatusCreated}, stateOrSecretariat, m.apiAttribute)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incidents/{id}/responses", Summary: "Record a response (secretariat, or a State's approver for its own State's measure)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Request: ResponseInput{}, Response: Response{}, Status: http.StatusCreated}, approverOrSecretariat, m.apiRespond)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incident-attributions/{id}/sign", Summary: "Sign a draft statement for your State; the last signature publishes it (State approver)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Attribution{}}, web.StateApprover, m.apiSign)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incident-attributions/{id}/response", Summary: "Record the named State's response to a statement (secretariat, or that State's approver)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Request: AnswerInput{}, Response: Attribution{}}, approverOrSecretariat, m.apiAnswer)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incidents/import", Summary: "Import a file into drafts for review (secretariat: draft incidents; organisations: proposals); a bad file is refused whole", Tag: "incidents",
		Description: "The body is the file: ?format=cfr-csv (text/csv in the CFR Cyber Operations Tracker's columns Title, Date, Affiliations, Description, Response, Victims, Sponsor, Type, Category, Sources) or ?format=json (the platform's incidents.json; the secretariat's import records each incident's statements with it, counted in statements). A bad file is a 422 whose message names the line and the reason; nothing is written. " + errs,
		Params:      []api.Param{{Name: "format", In: "query", Required: true, Description: "cfr-csv | json"}}, Response: ImportResult{}, Status: http.StatusCreated}, proposersAndSecretariat, m.apiImport)
	r.API(api.Op{Method: "GET", Path: "/api/v1/incident-releases", Summary: "Dated releases of the dataset, newest first, with their changelogs; download at /incidents/releases/{version}", Tag: "incidents", Description: errs,
		Response: api.List[Release]{}}, web.Public, m.apiReleases)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incident-releases", Summary: "Release the published dataset as it is now, with a changelog (secretariat)", Tag: "incidents", Description: errs,
		Request: ReleaseInput{}, Response: Release{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateRelease)
	r.API(api.Op{Method: "GET", Path: "/api/v1/incident-proposals", Summary: "Proposals: the secretariat's queue, or your organisation's", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "status", In: "query", Description: "submitted | accepted | rejected"}, {Name: "limit", In: "query", Schema: "integer", Description: "1 to 200, default 50"}, {Name: "cursor", In: "query", Description: "next_cursor of the page before"}}, Response: api.List[Proposal]{}}, proposersAndSecretariat, m.apiProposals)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incident-proposals", Summary: "Propose a new incident or a correction (member of an organisation)", Tag: "incidents", Description: errs,
		Request: ProposalInput{}, Response: Proposal{}, Status: http.StatusCreated}, web.Stakeholder, m.apiPropose)
	r.API(api.Op{Method: "GET", Path: "/api/v1/incident-proposals/{id}", Summary: "One proposal (its organisation and the secretariat)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Response: Proposal{}}, proposersAndSecretariat, m.apiProposal)
	r.API(api.Op{Method: "POST", Path: "/api/v1/incident-proposals/{id}/review", Summary: "Accept (optionally edited) or reject with a reason (secretariat)", Tag: "incidents", Description: errs,
		Params: []api.Param{{Name: "id", In: "path"}}, Request: ReviewInput{}, Response: Proposal{}}, web.Secretariat, m.apiReview)
}

// httpError maps service errors to statuses.
func httpError(err error) (int, string) {
	var fe *FieldError
	var se *StateError
	switch {
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, fe.Error()
	case errors.As(err, &se):
		return http.StatusConflict, se.Reason
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "no such record"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "your account may not do this"
	}
	return 0, ""
}

func (m *Module) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	if errors.As(err, &ae) {
		api.WriteError(w, ae)
		return
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		api.WriteError(w, api.Invalid(fe.Field, fe.Reason))
		return
	}
	status, msg := httpError(err)
	if status == 0 {
		m.site.ServerError(w, r, err)
		return
	}
	code := map[int]string{403: "forbidden", 404: "not_found", 409: "conflict"}[status]
	api.WriteError(w, &api.Error{Status: status, Code: code, Message: msg})
}

// problem is a form refused by the state of the record (409): why, in the
// reader's language, and the page to go back to.
type problem struct{ Reason, Back string }

// pageFail renders err as an error page; a refusal by the record's state
// says its own reason (StateError's catalog text), since it is most often
// someone else's change since the page was opened ("this proposal has
// already been decided").
func (m *Module) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	switch status, _ := httpError(err); status {
	case http.StatusNotFound:
		m.site.Error(w, r, status, "error.notfound")
	case http.StatusForbidden:
		m.site.Error(w, r, status, "error.forbidden")
	case http.StatusConflict:
		m.site.Render(w, r, status, "incidents/problem.html", "", problem{Reason: m.site.Catalog.ErrorText(web.Lang(r), err), Back: web.Back(r, "/incidents")})
	case 0:
		m.site.ServerError(w, r, err)
	default:
		m.site.Error(w, r, status, "incidents.error.invalid")
	}
}

func user(r *http.Request) *auth.User {
	u, pending := web.CurrentUser(r)
	if pending {
		return nil
	}
	return u
}

// backfillAll fills, at start-up, the rows derived from published
// incidents that a migration added after they were published.
func (s *Service) backfillAll(ctx context.Context) error {
	if _, err := s.backfill(ctx, "incident_stix_refs", writeSTIXRefs); err != nil {
		return err
	}
	n, err := s.backfill(ctx, "incident_facets", writeFacets)
	if err != nil || n == 0 {
		return err
	}
	return recountFacets(ctx, s.DB)
}

// backfill runs write, a hundred incidents per transaction, for every
// published incident that has no row in table: the rows of a table a
// migration added after incidents were published (1003's STIX refs, 1004's
// facets), or that an older binary did not write. write must replace what
// it writes, as it does when publishing: an instance starting beside
// another may write the same rows, and the second write replaces the first
// with the same content. Every published incident gets at least one row in
// each table (its incident object; its type's facet), so the walk ends.
// It returns how many incidents it wrote rows for.
func (s *Service) backfill(ctx context.Context, table string, write func(context.Context, db.Querier, *Incident) error) (int, error) {
	total := 0
	for {
		var xs []*Incident
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents i WHERE i.status = ?
				AND NOT EXISTS (SELECT 1 FROM `+table+` t WHERE t.incident_id = i.id) ORDER BY i.id LIMIT 100`, StatusPublished)
			if err != nil {
				return err
			}
			for rows.Next() {
				x, err := scanIncident(rows)
				if err != nil {
					rows.Close()
					return err
				}
				xs = append(xs, x)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, x := range xs {
				if err := write(ctx, tx, x); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("backfill %s: %w", table, err)
		}
		total += len(xs)
		if len(xs) < 100 {
			return total, nil
		}
	}
}

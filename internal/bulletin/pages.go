package bulletin

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func user(r *http.Request) *auth.User {
	u, pending := web.CurrentUser(r)
	if pending {
		return nil
	}
	return u
}

// TLPChoice is a TLP label as a form offers it: the stored value and the
// label as FIRST writes it.
type TLPChoice struct{ Value, Label string }

// Choices are the vocabularies forms offer.
type Choices struct {
	Kinds    []Kind
	TLPs     []TLPChoice
	Sectors  []string
	Regions  []string
	LinkRels []string
	ATTACK   string
}

var choices = Choices{Kinds: Kinds, TLPs: tlpChoices(), Sectors: Sectors, Regions: Regions, LinkRels: LinkRels, ATTACK: attack.Version()}

func tlpChoices() []TLPChoice {
	var out []TLPChoice
	for _, t := range stix.TLPLevels {
		out = append(out, TLPChoice{Value: string(t), Label: t.String()})
	}
	return out
}

// tlpValue normalises a submitted label so the form shows it selected again.
func tlpValue(s string) string {
	if t, err := stix.ParseTLP(s); err == nil {
		return string(t)
	}
	return s
}

type archiveData struct {
	L        archiveLabels
	Filter   ItemFilter
	Issues   []issueRow
	Cards    htmltemplate.HTML // the items' cards (cards)
	Kinds    htmltemplate.HTML // the select's options but "any" (optionsHTML)
	Sectors  htmltemplate.HTML
	Regions  htmltemplate.HTML
	Entitled bool
	Next     string
}

// archiveLabels are the archive's words in the reader's language, looked
// up once a page: each of the template's twenty-odd .T calls cost a method
// call through reflection (issue 20).
type archiveLabels struct {
	Title, FeedIssues, FeedItems, Intro, Subscribe, PublicOnly, Issues, NoIssues, Search, Words, Kind, Any,
	Technique, Sector, Region, Quarter, SearchButton, More, NoItems string
}

func (m *Module) archiveLabels(lang string) archiveLabels {
	t := m.site.Catalog.Labels(lang)
	return archiveLabels{Title: t("bulletin.title"), FeedIssues: t("bulletin.feed_issues"), FeedItems: t("bulletin.feed_items"),
		Intro: t("bulletin.intro"), Subscribe: t("bulletin.subscribe"), PublicOnly: t("bulletin.public_only"), Issues: t("bulletin.issues"),
		NoIssues: t("bulletin.no_issues"), Search: t("bulletin.search"), Words: t("bulletin.words"), Kind: t("bulletin.kind"), Any: t("bulletin.any"),
		Technique: t("bulletin.technique"), Sector: t("bulletin.sector"), Region: t("bulletin.region"), Quarter: t("bulletin.quarter"),
		SearchButton: t("bulletin.search_button"), More: t("bulletin.more"), NoItems: t("bulletin.no_items")}
}

// issueRow is a published issue as the archive lists it, its label and
// date written in the reader's language.
type issueRow struct {
	Slug, Title, Label, Date string
	Dated                    bool
}

func (m *Module) issueRows(lang string, issues []issueLink) []issueRow {
	out := make([]issueRow, len(issues))
	for i, is := range issues {
		key := "bulletin.issue_label"
		if is.Revision > 1 {
			key = "bulletin.issue_label_revision" // Issue.LabelKey
		}
		out[i] = issueRow{Slug: is.Slug, Title: is.Title, Label: m.site.Catalog.T(lang, key, fmt.Sprint(is.Year), is.Quarter, is.Revision)}
		if !is.PublishedAt.IsZero() {
			out[i].Dated, out[i].Date = true, is.PublishedAt.UTC().Format("2006-01-02") // as the "date" template function writes it
		}
	}
	return out
}

func filterFrom(r *http.Request) ItemFilter {
	q := r.URL.Query()
	return ItemFilter{Q: q.Get("q"), Kind: q.Get("kind"), Technique: q.Get("technique"), Sector: q.Get("sector"),
		Region: q.Get("region"), Quarter: q.Get("quarter"), After: q.Get("after")}
}

func (m *Module) archive(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	f := filterFrom(r)
	f.Limit = 50
	issues, err := m.svc.issueLinks(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	items, err := m.svc.archiveItems(r.Context(), u, f)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	lang := web.Lang(r)
	d := archiveData{L: m.archiveLabels(lang), Filter: f, Issues: m.issueRows(lang, issues), Cards: m.cards(m.rows(r, items)), Entitled: Entitled(u),
		Kinds: m.optionsHTML(lang, "bulletin.kind", kindValues(), f.Kind), Sectors: m.optionsHTML(lang, "bulletin.sector", Sectors, f.Sector),
		Regions: m.optionsHTML(lang, "bulletin.region", Regions, f.Region)}
	if len(items) == f.Limit {
		q := r.URL.Query()
		q.Set("after", items[len(items)-1].ID)
		d.Next = "/bulletin?" + q.Encode()
	}
	m.site.Render(w, r, http.StatusOK, "bulletin/archive.html", "", d)
}

// IssueView is an issue as one reader sees it.
type IssueView struct {
	Issue    *Issue    `json:"issue"`
	Sections []Section `json:"sections"`
}

type issueData struct {
	C        *IssueContent
	Entitled bool
	Preview  bool
}

func (m *Module) issuePage(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	is, err := m.svc.IssueFor(r.Context(), u, r.PathValue("slug"))
	if err == nil && is.Status != IssuePublished {
		err = ErrNotFound // drafts are seen through the editor's preview
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	c, err := m.svc.Content(r.Context(), u, is)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "bulletin/issue.html", is.Title, issueData{C: c, Entitled: Entitled(u)})
}

func (m *Module) issueSTIX(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	is, err := m.svc.IssueFor(r.Context(), u, r.PathValue("slug"))
	if err == nil && is.Status != IssuePublished {
		err = ErrNotFound
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	b, err := m.svc.ExportIssue(r.Context(), u, is.ID)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	w.Header().Set("Content-Disposition", `attachment; filename="bulletin-`+is.Slug+`.stix.json"`)
	_, _ = w.Write(b)
}

type itemData struct {
	Item      *Item
	Owner     bool
	Editable  bool
	Reviewer  bool
	Reviews   []Review
	Choices   Choices
	Form      itemForm // the edit form's choices
	Error     *FieldError
	Input     formInput
	Published bool
}

func (m *Module) itemPage(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	it, err := m.svc.ItemFor(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	d := itemData{Item: it, Owner: sameOwner(u, it), Editable: canEdit(u, it), Reviewer: u != nil && u.Role == auth.RoleSecretariat, Choices: choices}
	if canReview(u, it) {
		if d.Reviews, err = m.svc.Reviews(r.Context(), it.ID); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
	}
	m.site.Render(w, r, http.StatusOK, "bulletin/item.html", it.Title, d)
}

// formInput is the item form's text, kept to re-render after an error.
type formInput struct {
	Kind, Title, Summary, Body, TLP, Techniques, States, Norms, References, Links string
	Sectors, Regions                                                              []string
}

func readItemForm(r *http.Request) (ItemInput, formInput) {
	_ = r.ParseForm()
	f := formInput{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Body: r.PostFormValue("body"),
		TLP: tlpValue(r.PostFormValue("tlp")), Techniques: r.PostFormValue("techniques"), States: r.PostFormValue("states"), Norms: r.PostFormValue("norms"),
		References: r.PostFormValue("references"), Links: r.PostFormValue("links"), Sectors: r.PostForm["sectors"], Regions: r.PostForm["regions"]}
	in := ItemInput{Kind: f.Kind, Title: f.Title, Summary: f.Summary, Body: f.Body, TLP: f.TLP, Techniques: ParseList(f.Techniques),
		Sectors: f.Sectors, Regions: f.Regions, States: ParseList(f.States), Norms: ParseList(f.Norms), References: ParseList(f.References)}
	for _, line := range strings.Split(f.Links, "\n") {
		rel, to, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok {
			in.Links = append(in.Links, Link{Rel: strings.TrimSpace(rel), To: strings.TrimSpace(to)})
		} else if strings.TrimSpace(line) != "" {
			in.Links = append(in.Links, Link{Rel: strings.TrimSpace(line)})
		}
	}
	return in, f
}

func formOf(it *Item) formInput {
	var links []string
	for _, l := range it.Links {
		links = append(links, l.Rel+" "+l.To)
	}
	return formInput{Kind: string(it.Kind), Title: it.Title, Summary: it.Summary, Body: it.Body, TLP: string(it.TLP),
		Techniques: strings.Join(it.Techniques, ", "), States: strings.Join(it.States, ", "), Norms: strings.Join(it.Norms, ", "),
		References: strings.Join(it.References, "\n"), Links: strings.Join(links, "\n"), Sectors: it.Sectors, Regions: it.Regions}
}

type contributeData struct {
	Items       []myItemRow
	Choices     Choices
	Form        itemForm
	Error       *FieldError
	ImportError error
	Input       formInput
}

func (m *Module) renderContribute(w http.ResponseWriter, r *http.Request, status int, d contributeData) {
	items, err := m.svc.MyItems(r.Context(), user(r))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d.Items, d.Choices, d.Form = m.myRows(r, items), choices, m.itemForm(r, d.Input)
	m.site.Render(w, r, status, "bulletin/contribute.html", "", d)
}

func (m *Module) contribute(w http.ResponseWriter, r *http.Request) {
	m.renderContribute(w, r, http.StatusOK, contributeData{Input: formInput{TLP: "amber", Kind: string(KindThreat)}})
}

func (m *Module) createItemForm(w http.ResponseWriter, r *http.Request) {
	in, f := readItemForm(r)
	it, err := m.svc.CreateItem(r.Context(), user(r), in)
	var fe *FieldError
	if errors.As(err, &fe) {
		m.renderContribute(w, r, http.StatusUnprocessableEntity, contributeData{Error: fe, Input: f})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/items/"+it.ID, "bulletin.flash.saved")
}

func (m *Module) editItem(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	it, err := m.svc.ItemFor(r.Context(), u, r.PathValue("id"))
	if err == nil && !canEdit(u, it) {
		err = ErrNotFound
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "bulletin/edit.html", it.Title, itemData{Item: it, Choices: choices, Input: formOf(it), Form: m.itemForm(r, formOf(it))})
}

func (m *Module) updateItemForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	in, f := readItemForm(r)
	it, err := m.svc.UpdateItem(r.Context(), u, r.PathValue("id"), in)
	var fe *FieldError
	if errors.As(err, &fe) {
		cur, lerr := m.svc.ItemFor(r.Context(), u, r.PathValue("id"))
		if lerr != nil {
			m.pageFail(w, r, lerr)
			return
		}
		m.site.Render(w, r, http.StatusUnprocessableEntity, "bulletin/edit.html", cur.Title, itemData{Item: cur, Choices: choices, Input: f, Form: m.itemForm(r, f), Error: fe})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/items/"+it.ID, "bulletin.flash.saved")
}

func (m *Module) submitItemForm(w http.ResponseWriter, r *http.Request) {
	if err := m.svc.SubmitItem(r.Context(), user(r), r.PathValue("id")); err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/items/"+r.PathValue("id"), "bulletin.flash.submitted")
}

func (m *Module) importForm(w http.ResponseWriter, r *http.Request) {
	var data []byte
	if f, _, err := r.FormFile("bundle"); err == nil {
		data, _ = io.ReadAll(io.LimitReader(f, stix.MaxBundleBytes+1))
		f.Close()
	} else {
		data = []byte(r.PostFormValue("bundle_text"))
	}
	if e := web.CheckForm(r); e != nil {
		m.pageFail(w, r, e)
		return
	}
	items, err := m.svc.ImportBundle(r.Context(), user(r), data)
	var ie *ImportError
	if errors.As(err, &ie) {
		m.renderContribute(w, r, http.StatusUnprocessableEntity, contributeData{ImportError: ie, Input: formInput{TLP: "amber"}})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	_ = items
	m.site.Redirect(w, r, "/bulletin/contribute", "bulletin.flash.imported")
}

type reviewData struct {
	Submitted []*Item
	Approved  []*Item
}

func (m *Module) reviewQueue(w http.ResponseWriter, r *http.Request) {
	sub, err := m.svc.ItemsByStatus(r.Context(), StatusSubmitted)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	appr, err := m.svc.ItemsByStatus(r.Context(), StatusApproved)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "bulletin/review.html", "", reviewData{Submitted: sub, Approved: appr})
}

func (m *Module) reviewForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	itemID := r.PathValue("id")
	err := m.svc.ReviewItem(r.Context(), u, itemID, r.PostFormValue("action"), r.PostFormValue("comment"))
	var fe *FieldError
	if errors.As(err, &fe) {
		it, lerr := m.svc.ItemFor(r.Context(), u, itemID)
		if lerr != nil {
			m.pageFail(w, r, lerr)
			return
		}
		reviews, _ := m.svc.Reviews(r.Context(), itemID)
		m.site.Render(w, r, http.StatusUnprocessableEntity, "bulletin/item.html", it.Title, itemData{Item: it, Reviewer: true, Reviews: reviews, Choices: choices, Error: fe})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/review", "bulletin.flash.reviewed")
}

type editorData struct {
	Issues      []*Issue
	Counts      map[string]int
	Error       *FieldError
	Quarter     string
	Suppression *ImportResult
}

func (m *Module) renderEditor(w http.ResponseWriter, r *http.Request, status int, d editorData) {
	var err error
	if d.Issues, err = m.svc.Issues(r.Context(), true); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if d.Counts, err = m.svc.SubscriberCounts(r.Context()); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, status, "bulletin/editor.html", "", d)
}

func (m *Module) editor(w http.ResponseWriter, r *http.Request) {
	m.renderEditor(w, r, http.StatusOK, editorData{})
}

func (m *Module) createIssueForm(w http.ResponseWriter, r *http.Request) {
	is, err := m.svc.CreateIssue(r.Context(), user(r), IssueInput{Quarter: r.PostFormValue("quarter"), Title: r.PostFormValue("title"), Foreword: r.PostFormValue("foreword")})
	var fe *FieldError
	if errors.As(err, &fe) {
		m.renderEditor(w, r, http.StatusUnprocessableEntity, editorData{Error: fe, Quarter: r.PostFormValue("quarter")})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/editor/issues/"+is.ID, "bulletin.flash.saved")
}

type composeData struct {
	Issue     *Issue
	Approved  []*Item
	Selected  map[string]bool
	Sections  string
	Progress  *Progress
	Error     *FieldError
	StateErr  error
	Published bool
}

func (m *Module) renderCompose(w http.ResponseWriter, r *http.Request, status int, issueID string, d composeData) {
	is, err := m.svc.IssueFor(r.Context(), user(r), issueID)
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	if d.Issue == nil {
		d.Issue = is
	}
	d.Published = is.Status == IssuePublished
	approved, err := m.svc.ItemsByStatus(r.Context(), StatusApproved)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, it := range approved {
		if it.TLP != stix.TLPRed {
			d.Approved = append(d.Approved, it)
		}
	}
	if d.Selected == nil {
		d.Selected = map[string]bool{}
		for _, x := range is.ItemIDs {
			d.Selected[x] = true
		}
	}
	d.Sections = sectionsString(d.Issue.Sections)
	if p, err := m.svc.SendProgress(r.Context(), is.ID); err == nil {
		d.Progress = p
	}
	m.site.Render(w, r, status, "bulletin/compose.html", is.Title, d)
}

func (m *Module) composePage(w http.ResponseWriter, r *http.Request) {
	m.renderCompose(w, r, http.StatusOK, r.PathValue("id"), composeData{})
}

func (m *Module) updateIssueForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	in := IssueInput{Title: r.PostFormValue("title"), Foreword: r.PostFormValue("foreword"), Sections: r.PostFormValue("sections"), ItemIDs: r.PostForm["items"]}
	_, err := m.svc.UpdateIssue(r.Context(), user(r), r.PathValue("id"), in)
	var fe *FieldError
	if errors.As(err, &fe) {
		sel := map[string]bool{}
		for _, x := range in.ItemIDs {
			sel[x] = true
		}
		m.renderCompose(w, r, http.StatusUnprocessableEntity, r.PathValue("id"), composeData{Error: fe, Selected: sel})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/editor/issues/"+r.PathValue("id"), "bulletin.flash.saved")
}

// preview shows a draft or published issue exactly as a channel shows it
// to the public: the web page, the list email as HTML, or as text.
func (m *Module) preview(w http.ResponseWriter, r *http.Request) {
	is, err := m.svc.IssueFor(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	c, err := m.svc.Content(r.Context(), nil, is)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	switch r.PathValue("channel") {
	case "web":
		m.site.Render(w, r, http.StatusOK, "bulletin/issue.html", is.Title, issueData{C: c, Preview: true})
	case "email-html", "email-text":
		ri, err := m.svc.renderIssueMail(c, web.Lang(r))
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		unsub := m.svc.Link("/bulletin/unsubscribe?s=PREVIEW&t=PREVIEW")
		if r.PathValue("channel") == "email-html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, strings.ReplaceAll(ri.HTML, unsubscribePlaceholder, unsub))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "Subject: "+ri.Subject+"\n\n"+strings.ReplaceAll(ri.Text, unsubscribePlaceholder, unsub))
	default:
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	}
}

func (m *Module) publishForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.PublishIssue(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		var fe *FieldError
		var se *StateError
		if errors.As(err, &fe) || errors.As(err, &se) {
			d := composeData{Error: fe}
			if se != nil {
				d.StateErr = se
			}
			status, _ := httpError(err)
			m.renderCompose(w, r, status, r.PathValue("id"), d)
			return
		}
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/editor/issues/"+r.PathValue("id"), "bulletin.flash.published")
}

func (m *Module) correctForm(w http.ResponseWriter, r *http.Request) {
	is, err := m.svc.CorrectIssue(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/editor/issues/"+is.ID, "bulletin.flash.correction")
}

func (m *Module) sendForm(w http.ResponseWriter, r *http.Request) {
	rate, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("rate")))
	if err != nil {
		m.renderCompose(w, r, http.StatusUnprocessableEntity, r.PathValue("id"), composeData{Error: invalid("rate", "must be a whole number")})
		return
	}
	err = m.svc.StartSending(r.Context(), user(r), r.PathValue("id"), rate)
	var fe *FieldError
	var se *StateError
	if errors.As(err, &fe) || errors.As(err, &se) {
		d := composeData{Error: fe}
		if se != nil {
			d.StateErr = se
		}
		status, _ := httpError(err)
		m.renderCompose(w, r, status, r.PathValue("id"), d)
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/bulletin/editor/issues/"+r.PathValue("id"), "bulletin.flash.sending")
}

func (m *Module) suppressForm(w http.ResponseWriter, r *http.Request) {
	res, err := m.svc.ImportSuppressions(r.Context(), strings.NewReader(r.PostFormValue("addresses")))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.renderEditor(w, r, http.StatusOK, editorData{Suppression: &res})
}

// The distribution list.

type listData struct {
	Email, Lang string
	Error       *FieldError
	Done        bool
	Token       string
	SubID       string
	Address     string
	Languages   []web.Language
	Problem     string
}

func (m *Module) subscribePage(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "bulletin/subscribe.html", "", listData{Lang: web.Lang(r), Languages: web.Languages})
}

func (m *Module) subscribeForm(w http.ResponseWriter, r *http.Request) {
	d := listData{Email: r.PostFormValue("email"), Lang: r.PostFormValue("lang"), Languages: web.Languages}
	err := m.svc.Subscribe(r.Context(), d.Email, d.Lang)
	var fe *FieldError
	if errors.As(err, &fe) {
		d.Error = fe
		m.site.Render(w, r, http.StatusUnprocessableEntity, "bulletin/subscribe.html", "", d)
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d.Done = true
	m.site.Render(w, r, http.StatusOK, "bulletin/subscribe.html", "", d)
}

func (m *Module) confirmPage(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "bulletin/confirm.html", "", listData{Token: r.URL.Query().Get("token")})
}

func (m *Module) confirmForm(w http.ResponseWriter, r *http.Request) {
	err := m.svc.Confirm(r.Context(), r.PostFormValue("token"))
	if errors.Is(err, ErrBadToken) {
		m.site.Render(w, r, http.StatusBadRequest, "bulletin/confirm.html", "", listData{Problem: "bulletin.error.bad_link"})
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "bulletin/confirm.html", "", listData{Done: true})
}

func unsubParams(r *http.Request) (string, string) {
	s, t := r.URL.Query().Get("s"), r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		if v := r.PostFormValue("s"); v != "" {
			s = v
		}
		if v := r.PostFormValue("t"); v != "" {
			t = v
		}
	}
	return s, t
}

func (m *Module) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	s, t := unsubParams(r)
	addr, err := m.svc.CheckUnsubscribe(r.Context(), s, t)
	d := listData{SubID: s, Token: t, Address: addr}
	status := http.StatusOK
	switch {
	case errors.Is(err, ErrBadToken):
		d.Problem, status = "bulletin.error.bad_link", http.StatusBadRequest
	case errors.Is(err, ErrAlreadyDone):
		d.Problem, status = "bulletin.error.already_unsubscribed", http.StatusGone
	case err != nil:
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, status, "bulletin/unsubscribe.html", "", d)
}

// unsubscribeForm handles the button on the page and RFC 8058 one-click
// POSTs from mail clients (body List-Unsubscribe=One-Click, token in the
// URL), neither needing an account.
func (m *Module) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	s, t := unsubParams(r)
	err := m.svc.Unsubscribe(r.Context(), s, t)
	d := listData{}
	status := http.StatusOK
	switch {
	case errors.Is(err, ErrBadToken):
		d.Problem, status = "bulletin.error.bad_link", http.StatusBadRequest
	case errors.Is(err, ErrAlreadyDone):
		d.Problem, status = "bulletin.error.already_unsubscribed", http.StatusGone
	case err != nil:
		m.site.ServerError(w, r, err)
		return
	default:
		d.Done = true
	}
	m.site.Render(w, r, status, "bulletin/unsubscribe.html", "", d)
}

// markdown is available to templates through the page data.
func (d itemData) Markdown(s string) any      { return Markdown(s) }
func (d issueData) Markdown(s string) any     { return Markdown(s) }
func (d itemData) Technique(t string) string  { return techniqueName(t) }
func (d issueData) Technique(t string) string { return techniqueName(t) }

func techniqueName(t string) string {
	if tech, ok := attack.Lookup(t); ok {
		return tech.ID + " " + tech.FullName()
	}
	return t
}

var _ = url.QueryEscape

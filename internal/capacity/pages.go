package capacity

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

type listData struct {
	Vocab
	Filter    url.Values
	NeedRows  []needRow
	OfferRows []offerRow
	Total     int
	Next      string
	Failed    string
	filters   *filterVocab
}

// Options are the options of the filter param, the one chosen selected.
func (d listData) Options(param string) template.HTML {
	return d.filters.selectOptions(param, d.Filter)
}

// needRow is a need as the list shows it, in the reader's language.
type needRow struct{ ID, Title, State, Kinds, Status string }

// offerRow is an offer as the list shows it, in the reader's language.
type offerRow struct {
	ID, Title, Provider, Kinds, Status string
	Free, Capacity                     int
}

// kindsText is the kinds of help in the reader's language, as the lists
// name them.
func kindsText(kinds []string, t tr) string {
	switch len(kinds) {
	case 0:
		return ""
	case 1:
		return t("capacity.kind." + kinds[0])
	}
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t("capacity.kind." + k))
	}
	return b.String()
}

// The lists' rows are written in Go, escaped as html/template escapes
// them (web.HTMLText for text, urlPath for a link's path), one template
// action a list instead of some ten reflective calls a row.

// NeedRowsHTML is the needs list's rows.
func (d listData) NeedRowsHTML() template.HTML {
	var b strings.Builder
	b.Grow(200 * len(d.NeedRows))
	esc := web.HTMLText
	for _, n := range d.NeedRows {
		b.WriteString(`<tr><td><a href="/capacity/needs/`)
		urlPath(&b, n.ID)
		b.WriteString(`">`)
		esc.WriteString(&b, n.Title)
		b.WriteString(`</a></td><td>`)
		esc.WriteString(&b, n.State)
		b.WriteString(`</td><td>`)
		esc.WriteString(&b, n.Kinds)
		b.WriteString(`</td><td>`)
		esc.WriteString(&b, n.Status)
		b.WriteString(`</td></tr>`)
	}
	return template.HTML(b.String()) // #nosec: escaped as html/template does
}

// OfferRowsHTML is the offers list's rows.
func (d listData) OfferRowsHTML() template.HTML {
	var b strings.Builder
	b.Grow(220 * len(d.OfferRows))
	esc := web.HTMLText
	for _, o := range d.OfferRows {
		b.WriteString(`<tr><td><a href="/capacity/offers/`)
		urlPath(&b, o.ID)
		b.WriteString(`">`)
		esc.WriteString(&b, o.Title)
		b.WriteString(`</a></td><td>`)
		esc.WriteString(&b, o.Provider)
		b.WriteString(`</td><td>`)
		esc.WriteString(&b, o.Kinds)
		b.WriteString(`</td><td>`)
		b.WriteString(strconv.Itoa(o.Free))
		b.WriteString(` / `)
		b.WriteString(strconv.Itoa(o.Capacity))
		b.WriteString(`</td><td>`)
		esc.WriteString(&b, o.Status)
		b.WriteString(`</td></tr>`)
	}
	return template.HTML(b.String()) // #nosec: escaped as html/template does
}

// urlPath writes s as html/template writes an action inside a quoted href
// after its path has begun: characters a URL may not hold percent-encoded
// (its URL normalizer), then what an attribute may not hold escaped.
func urlPath(b *strings.Builder, s string) {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	if plain { // an identifier: nothing to encode or escape
		b.WriteString(s)
		return
	}
	var n strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0,
			c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			n.WriteByte(c)
		default:
			fmt.Fprintf(&n, "%%%02x", c)
		}
	}
	web.HTMLText.WriteString(b, n.String())
}

// urlQueryValue writes s as html/template writes an action inside a quoted
// href's query: every byte but the unreserved ones percent-encoded (its URL
// escaper).
func urlQueryValue(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(b, "%%%02x", c)
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (m *Module) needsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fv, err := m.filters(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := listData{Vocab: fv.Vocab, Filter: r.URL.Query(), filters: fv}
	f, ferr := needFilterFrom(r.URL.Query())
	status := http.StatusOK
	if ferr != nil {
		if fv, ok := m.refused(r, ferr); ok {
			d.Failed, status = fv.Error, http.StatusUnprocessableEntity
		}
	} else {
		f.After = r.URL.Query().Get("after")
		f.Limit = 50
		var list []Need
		if list, err = m.svc.needBriefs(ctx, f); err == nil {
			f.After = ""
			d.Total, err = m.svc.CountNeeds(ctx, f)
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		lang := web.Lang(r)
		t := m.svc.P.T(lang)
		d.NeedRows = make([]needRow, len(list))
		for i, n := range list {
			d.NeedRows[i] = needRow{ID: n.ID, Title: n.Title, State: stateName(n.State, lang), Kinds: kindsText(n.Kinds, t), Status: t("capacity.status." + n.Status)}
		}
		if len(list) == 50 {
			q := r.URL.Query()
			q.Set("after", list[49].ID)
			d.Next = "/capacity/needs?" + q.Encode()
		}
	}
	m.site.Render(w, r, status, "capacity/needs.html", "", d)
}

type needFormData struct {
	Vocab
	Groups []CheckGroup
	Form   Form
	Need   *Need
	Gap    *Gap
	Action string
}

func (m *Module) renderNeedForm(w http.ResponseWriter, r *http.Request, status int, d needFormData) {
	voc, err := m.vocab(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d.Vocab = voc
	d.Groups = []CheckGroup{m.checks(r, d.Form, "kinds", "capacity.kind.", KindsOfHelp), m.checks(r, d.Form, "topics", "capacity.topic.", Topics),
		m.checks(r, d.Form, "languages", "capacity.lang.", Languages), m.checks(r, d.Form, "pillars", "capacity.pillar.", Pillars)}
	m.site.Render(w, r, status, "capacity/needform.html", "", d)
}

func (m *Module) newNeedPage(w http.ResponseWriter, r *http.Request) {
	d := needFormData{Form: Form{Values: url.Values{"visibility": {VisPublic}}}, Action: "/capacity/needs"}
	q := r.URL.Query()
	if rep, norm := q.Get("report"), q.Get("gap"); rep != "" || norm != "" {
		g, err := m.svc.GapFor(r.Context(), rep, norm)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		d.Gap = &g
		d.Form.Values = url.Values{"visibility": {VisPublic}, "title": {m.svc.GapTitle(g, m.svc.NormLabel(r.Context(), g.NormID), web.Lang(r))}, "description": {g.Text},
			"norms": {g.NormID}, "report_id": {g.ReportID}, "report_norm": {g.NormID}}
	}
	m.renderNeedForm(w, r, http.StatusOK, d)
}

func (m *Module) createNeedForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	n, err := m.svc.CreateNeed(r.Context(), needInputFrom(r))
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderNeedForm(w, r, f.Status, needFormData{Form: f, Action: "/capacity/needs"})
			return
		}
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+n.ID, "capacity.saved")
}

type needPageData struct {
	Need        Need
	NormLabels  map[string]string
	Owner       bool
	Approver    bool
	Suggestions []Suggestion
	Matches     []MatchView
	MyOffers    []Offer
	Meetings    []Meeting
	CanConvene  bool
}

func (m *Module) needPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n, err := m.svc.Need(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	u := auth.UserFrom(ctx)
	d := needPageData{Need: n, Owner: u.ActsFor(n.State), NormLabels: m.svc.normLabels(ctx)}
	d.Approver = d.Owner && u.Role == auth.RoleStateApprover
	if d.Suggestions, err = m.svc.SuggestOffers(ctx, n.ID); err == nil {
		if d.Matches, err = m.svc.MatchesForNeed(ctx, n.ID); err == nil && u != nil && !d.Owner && n.Status == NeedPublished {
			d.MyOffers, err = m.svc.Offers(ctx, OfferFilter{Own: true})
		}
	}
	if err == nil && u != nil {
		d.Meetings, err = m.svc.MeetingsForNeed(ctx, n.ID)
		d.CanConvene = n.Status == NeedPublished && (d.Owner || u.Has(auth.RoleSecretariat))
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	lang := web.Lang(r)
	localNeed(&d.Need, lang)
	localSuggestions(d.Suggestions, lang)
	for i := range d.Matches {
		localMatch(&d.Matches[i], lang)
	}
	for i := range d.Meetings {
		localMeeting(&d.Meetings[i], lang)
	}
	if n.Visibility != VisPublic || n.Status == NeedDraft {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, http.StatusOK, "capacity/need.html", "", d)
}

func (m *Module) editNeedPage(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.Need(r.Context(), r.PathValue("id"))
	if err == nil && !auth.UserFrom(r.Context()).ActsFor(n.State) {
		err = ErrNotFound
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.renderNeedForm(w, r, http.StatusOK, needFormData{Form: Form{Values: needValues(n)}, Need: &n, Action: "/capacity/needs/" + n.ID})
}

func (m *Module) updateNeedForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	n, err := m.svc.UpdateNeed(r.Context(), r.PathValue("id"), needInputFrom(r))
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderNeedForm(w, r, f.Status, needFormData{Form: f, Action: "/capacity/needs/" + r.PathValue("id")})
			return
		}
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+n.ID, "capacity.saved")
}

func (m *Module) publishNeedForm(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.PublishNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+n.ID, "capacity.published")
}

func (m *Module) closeNeedForm(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.CloseNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+n.ID, "capacity.saved")
}

func (m *Module) offersPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fv, err := m.filters(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := listData{Vocab: fv.Vocab, Filter: r.URL.Query(), filters: fv}
	f, ferr := offerFilterFrom(r.URL.Query())
	status := http.StatusOK
	if ferr != nil {
		if fv, ok := m.refused(r, ferr); ok {
			d.Failed, status = fv.Error, http.StatusUnprocessableEntity
		}
	} else {
		f.After = r.URL.Query().Get("after")
		f.Limit = 50
		list, err := m.svc.offerBriefs(ctx, f)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		lang := web.Lang(r)
		t := m.svc.P.T(lang)
		d.OfferRows = make([]offerRow, len(list))
		for i := range list {
			o := &list[i]
			localOffer(o, lang)
			d.OfferRows[i] = offerRow{ID: o.ID, Title: o.Title, Provider: o.Provider, Kinds: kindsText(o.Kinds, t), Status: t("capacity.ostatus." + o.Status),
				Free: o.Free(), Capacity: o.Capacity}
		}
		if len(list) == 50 {
			q := r.URL.Query()
			q.Set("after", list[49].ID)
			d.Next = "/capacity/offers?" + q.Encode()
		}
	}
	if f.Own {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, status, "capacity/offers.html", "", d)
}

type offerFormData struct {
	Vocab
	Groups   []CheckGroup
	Form     Form
	Offer    *Offer
	Action   string
	Approver bool
}

func (m *Module) renderOfferForm(w http.ResponseWriter, r *http.Request, status int, d offerFormData) {
	voc, err := m.vocab(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d.Vocab = voc
	d.Approver = canPublishOffer(auth.UserFrom(r.Context()))
	d.Groups = []CheckGroup{m.checks(r, d.Form, "kinds", "capacity.kind.", KindsOfHelp), m.checks(r, d.Form, "topics", "capacity.topic.", Topics),
		m.checks(r, d.Form, "languages", "capacity.lang.", Languages), m.checks(r, d.Form, "regions", "capacity.region.", Regions)}
	m.site.Render(w, r, status, "capacity/offerform.html", "", d)
}

func (m *Module) newOfferPage(w http.ResponseWriter, r *http.Request) {
	m.renderOfferForm(w, r, http.StatusOK, offerFormData{Form: Form{Values: url.Values{"capacity": {"3"}, "cost": {"free"}, "regions": {"global"}}}, Action: "/capacity/offers"})
}

func (m *Module) createOfferForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	o, err := m.svc.CreateOffer(r.Context(), offerInputFrom(r))
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderOfferForm(w, r, f.Status, offerFormData{Form: f, Action: "/capacity/offers"})
			return
		}
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/offers/"+o.ID, "capacity.saved")
}

type offerPageData struct {
	Offer       Offer
	NormLabels  map[string]string
	Owner       bool
	CanPublish  bool
	Suggestions []Suggestion
	Matches     []MatchView
}

func (m *Module) offerPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o, err := m.svc.Offer(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	v := m.svc.viewer(ctx)
	d := offerPageData{Offer: o, Owner: v.ownsOffer(o), NormLabels: m.svc.normLabels(ctx)}
	d.CanPublish = d.Owner && canPublishOffer(v.u)
	if d.Suggestions, err = m.svc.SuggestNeeds(ctx, o.ID); err == nil {
		d.Matches, err = m.svc.MatchesForOffer(ctx, o.ID)
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	lang := web.Lang(r)
	localOffer(&d.Offer, lang)
	localSuggestions(d.Suggestions, lang)
	for i := range d.Matches {
		localMatch(&d.Matches[i], lang)
	}
	w.Header().Set("Cache-Control", "no-store") // the proposals depend on who looks
	m.site.Render(w, r, http.StatusOK, "capacity/offer.html", "", d)
}

func (m *Module) editOfferPage(w http.ResponseWriter, r *http.Request) {
	o, err := m.svc.Offer(r.Context(), r.PathValue("id"))
	if err == nil && !m.svc.viewer(r.Context()).ownsOffer(o) {
		err = ErrNotFound
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.renderOfferForm(w, r, http.StatusOK, offerFormData{Form: Form{Values: offerValues(o)}, Offer: &o, Action: "/capacity/offers/" + o.ID})
}

func (m *Module) updateOfferForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	o, err := m.svc.UpdateOffer(r.Context(), r.PathValue("id"), offerInputFrom(r))
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderOfferForm(w, r, f.Status, offerFormData{Form: f, Action: "/capacity/offers/" + r.PathValue("id")})
			return
		}
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/offers/"+o.ID, "capacity.saved")
}

func (m *Module) publishOfferForm(w http.ResponseWriter, r *http.Request) {
	o, err := m.svc.PublishOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/offers/"+o.ID, "capacity.published")
}

func (m *Module) withdrawOfferForm(w http.ResponseWriter, r *http.Request) {
	o, err := m.svc.WithdrawOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/offers/"+o.ID, "capacity.saved")
}

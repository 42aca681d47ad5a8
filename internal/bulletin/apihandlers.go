package bulletin

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// ReviewInput is a review decision.
type ReviewInput struct {
	Action  string `json:"action"`
	Comment string `json:"comment"`
}

// SendInput starts sending an issue.
type SendInput struct {
	Rate int `json:"rate"`
}

// SubscribeInput asks to join the list.
type SubscribeInput struct {
	Email string `json:"email"`
	Lang  string `json:"lang"`
}

// SuppressionsInput reports bounced or complaining addresses.
type SuppressionsInput struct {
	Addresses []struct {
		Email string `json:"email"`
		Kind  string `json:"kind"`
	} `json:"addresses"`
}

func (m *Module) apiItems(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 50, 200)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	f := filterFrom(r)
	f.After, f.Limit = after, limit
	if f.UpdatedSince, err = api.UpdatedSince(r); err != nil {
		api.WriteError(w, err)
		return
	}
	items, err := m.svc.PublishedItems(r.Context(), user(r), f)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	out := api.List[*Item]{Items: items}
	if out.Items == nil {
		out.Items = []*Item{}
	}
	if len(items) == limit {
		out.NextCursor = api.Cursor(items[len(items)-1].ID)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (m *Module) apiItem(w http.ResponseWriter, r *http.Request) {
	it, err := m.svc.ItemFor(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, it)
}

func (m *Module) apiCreateItem(w http.ResponseWriter, r *http.Request) {
	var in ItemInput
	if err := api.Decode(w, r, &in, 256<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	it, err := m.svc.CreateItem(r.Context(), user(r), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, it)
}

func (m *Module) apiUpdateItem(w http.ResponseWriter, r *http.Request) {
	var in ItemInput
	if err := api.Decode(w, r, &in, 256<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	it, err := m.svc.UpdateItem(r.Context(), user(r), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, it)
}

func (m *Module) apiSubmitItem(w http.ResponseWriter, r *http.Request) {
	if err := m.svc.SubmitItem(r.Context(), user(r), r.PathValue("id")); err != nil {
		m.apiFail(w, r, err)
		return
	}
	m.apiItem(w, r)
}

func (m *Module) apiReview(w http.ResponseWriter, r *http.Request) {
	var in ReviewInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	if err := m.svc.ReviewItem(r.Context(), user(r), r.PathValue("id"), in.Action, in.Comment); err != nil {
		m.apiFail(w, r, err)
		return
	}
	m.apiItem(w, r)
}

func (m *Module) apiImport(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/stix+json") {
		api.WriteError(w, &api.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the bundle as application/stix+json or application/json"})
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, stix.MaxBundleBytes+1))
	if err != nil {
		api.WriteError(w, &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the bundle is larger than 10 MB"})
		return
	}
	// The bundle is read raw (STIX, not a Go type), so the platform's text
	// rules are applied here: valid UTF-8, no lone surrogates, no control
	// characters (no line breaks in names), each string within its length.
	if e := api.CheckJSONText(data); e != nil {
		api.WriteError(w, e)
		return
	}
	var doc any
	if json.Unmarshal(data, &doc) == nil {
		if err := api.CleanValue(&doc); err != nil {
			api.WriteError(w, err)
			return
		}
	}
	items, err := m.svc.ImportBundle(r.Context(), user(r), data)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, api.List[*Item]{Items: items})
}

func (m *Module) apiIssues(w http.ResponseWriter, r *http.Request) {
	issues, err := m.svc.Issues(r.Context(), false)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if issues == nil {
		issues = []*Issue{}
	}
	api.WriteJSON(w, http.StatusOK, api.List[*Issue]{Items: issues})
}

func (m *Module) apiIssue(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	is, err := m.svc.IssueFor(r.Context(), u, r.PathValue("issue"))
	if err == nil && is.Status != IssuePublished {
		err = ErrNotFound
	}
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	c, err := m.svc.Content(r.Context(), u, is)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	v := IssueView{Issue: is, Sections: c.Sections}
	if v.Sections == nil {
		v.Sections = []Section{}
	}
	// An issue's item list names only what the reader may see.
	is.ItemIDs = []string{}
	for _, s := range c.Sections {
		for _, it := range s.Items {
			is.ItemIDs = append(is.ItemIDs, it.ID)
		}
	}
	api.WriteJSON(w, http.StatusOK, v)
}

func (m *Module) apiCreateIssue(w http.ResponseWriter, r *http.Request) {
	var in IssueInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	is, err := m.svc.CreateIssue(r.Context(), user(r), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, is)
}

func (m *Module) apiUpdateIssue(w http.ResponseWriter, r *http.Request) {
	var in IssueInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	is, err := m.svc.UpdateIssue(r.Context(), user(r), r.PathValue("issue"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, is)
}

func (m *Module) apiPublish(w http.ResponseWriter, r *http.Request) {
	is, err := m.svc.PublishIssue(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, is)
}

func (m *Module) apiSend(w http.ResponseWriter, r *http.Request) {
	var in SendInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	if err := m.svc.StartSending(r.Context(), user(r), r.PathValue("id"), in.Rate); err != nil {
		m.apiFail(w, r, err)
		return
	}
	p, err := m.svc.SendProgress(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusAccepted, p)
}

func (m *Module) apiProgress(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.SendProgress(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiSubscribe(w http.ResponseWriter, r *http.Request) {
	var in SubscribeInput
	if err := api.Decode(w, r, &in, 4<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	if in.Lang == "" {
		in.Lang = "en"
	}
	if err := m.svc.Subscribe(r.Context(), in.Email, in.Lang); err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "confirmation-sent", "message": "if the address can subscribe, a confirmation link is on its way; nothing is added until it is followed"})
}

func (m *Module) apiSuppress(w http.ResponseWriter, r *http.Request) {
	var in SuppressionsInput
	if err := api.Decode(w, r, &in, 4<<20); err != nil {
		api.WriteError(w, err)
		return
	}
	for i, a := range in.Addresses {
		if _, err := ParseAddress(a.Email); err != nil {
			api.WriteError(w, api.Invalid("addresses["+itoa(i)+"].email", err.(*FieldError).Reason))
			return
		}
		if a.Kind != "" && a.Kind != KindBounce && a.Kind != KindComplaint {
			api.WriteError(w, api.Invalid("addresses["+itoa(i)+"].kind", "must be bounce or complaint"))
			return
		}
	}
	var res ImportResult
	for _, a := range in.Addresses {
		found, err := m.svc.Suppress(r.Context(), a.Email, a.Kind)
		if err != nil {
			m.apiFail(w, r, err)
			return
		}
		if found {
			res.Marked++
		} else {
			res.Unknown++
		}
	}
	api.WriteJSON(w, http.StatusOK, res)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

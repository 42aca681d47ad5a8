package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// The layout's fixed parts are written once per language; what depends on
// the request must still follow it.
func TestLayoutFollowsTheRequest(t *testing.T) {
	s := layoutSite(t)
	render := func(target string, u *auth.User, lang string) string {
		t.Helper()
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("Accept-Language", lang)
		r = r.WithContext(context.WithValue(r.Context(), keyLang, lang))
		if u != nil {
			r = r.WithContext(auth.WithUser(r.Context(), u))
		}
		w := httptest.NewRecorder()
		s.Render(w, r, 200, "t/plain.html", "", nil)
		return w.Body.String()
	}
	for _, c := range []struct{ target, next string }{
		{"/reports/x", "/reports/x"},
		{"/reports/x?page=2", "/reports/x?page=2"},
		{"/reports/x?page=2&lang=fr", "/reports/x?page=2"},
		{"/reports/x?lang=fr", "/reports/x"},
		{"/compendium/search?q=supply+chain", "/compendium/search?q=supply&#43;chain"},
		{"/search?q=%3Cb%3E", "/search?q=%3Cb%3E"},
		{"/caf%C3%A9?x=%22", "/caf%C3%A9?x=%22"},
		{"/account/reset?token=secret", "/account/reset"},
		{"/bulletin/unsubscribe?s=sub1&t=secret", "/bulletin/unsubscribe?s=sub1"},
		{"/contacts/ack?t=secret&lang=fr", "/contacts/ack"},
	} {
		body := render(c.target, nil, "en")
		if want := `name="next" value="` + c.next + `"`; !strings.Contains(body, want) {
			t.Errorf("%s: the language menu does not return with %s", c.target, want)
		}
	}

	anon := render("/reports/x", nil, "fr")
	for _, want := range []string{`<html lang="fr" dir="ltr">`, `<option value="fr" lang="fr" selected>`, `<a href="/reports" aria-current="page">`, `<a href="/signin">`, `<title>`} {
		if !strings.Contains(anon, want) {
			t.Errorf("anonymous page in French lacks %s", want)
		}
	}
	if strings.Contains(anon, `href="/account"`) || strings.Contains(anon, `aria-current="page">`+s.Catalog.T("fr", "nav.norms")) {
		t.Error("anonymous page shows the account entry or the wrong current entry")
	}
	if !strings.Contains(render("/states", nil, "ar"), `<html lang="ar" dir="rtl">`) {
		t.Error("Arabic page is not right to left")
	}

	sec := render("/admin/users", &auth.User{ID: "u", Role: auth.RoleSecretariat}, "en")
	for _, want := range []string{`<a href="/admin" aria-current="page">`, `<a href="/account">`, `action="/signout"`} {
		if !strings.Contains(sec, want) {
			t.Errorf("secretariat page lacks %s", want)
		}
	}
	ed := render("/account", &auth.User{ID: "e", Role: auth.RoleStateEditor}, "en")
	if strings.Contains(ed, `href="/admin"`) || !strings.Contains(ed, `<a href="/account" aria-current="page">`) || strings.Contains(ed, `href="/signin"`) {
		t.Error("a State editor's page has the wrong entries")
	}

	// A catalog loaded later, a new navigation entry and the demo flag are
	// seen on the next page.
	if err := s.Catalog.Load(fstest.MapFS{"en.json": {Data: []byte(`{"site.tagline": "Tagline <&> changed", "nav.extra": "Extra"}`)}}); err != nil {
		t.Fatal(err)
	}
	s.Nav = append(s.Nav, NavItem{Path: "/extra", Key: "nav.extra"})
	s.Demo = true
	again := render("/extra", nil, "en")
	for _, want := range []string{"Tagline &lt;&amp;&gt; changed", `<a href="/extra" aria-current="page">Extra</a>`, `class="demo-banner"`} {
		if !strings.Contains(again, want) {
			t.Errorf("after the change the page lacks %s", want)
		}
	}
}

package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// layoutSite is a site with the app's navigation and one plain page, for
// the layout's own cost.
func layoutSite(tb testing.TB) *Site {
	s, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range []string{"norms", "states", "reports", "compendium", "monitoring", "participation", "bulletin", "vep", "contacts", "incidents", "capacity", "positions", "data"} {
		s.Nav = append(s.Nav, NavItem{Path: "/" + p, Key: "nav." + p})
	}
	page := `{{define "title"}}{{.T "site.name"}}{{end}}{{define "content"}}<h1>{{.T "site.name"}}</h1>{{end}}`
	if err := s.AddTemplates("t", fstest.MapFS{"plain.html": {Data: []byte(page)}}); err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkLayout renders a page whose content is one heading: what every
// page pays for the layout (head, language menu, navigation, footer).
func BenchmarkLayout(b *testing.B) {
	s := layoutSite(b)
	u := &auth.User{ID: "u1", Name: "N", Role: auth.RoleSecretariat}
	for _, who := range []struct {
		name string
		user *auth.User
	}{{"anonymous", nil}, {"signed-in", u}} {
		b.Run(who.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/reports/x", nil)
			if who.user != nil {
				r = r.WithContext(auth.WithUser(r.Context(), who.user))
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.Render(w, r, 200, "t/plain.html", "", nil)
			}
		})
	}
}

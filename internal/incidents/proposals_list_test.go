package incidents_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// The list of proposals reads only each proposal's name out of its stored
// record (ProposalItems): it shows what the whole records (Proposals, the
// API's list) say — the same proposals in the same order, each with its
// name (escapes in the stored JSON included), the incident it corrects,
// its organisation, status and time — to the secretariat and to each
// organisation, for every status, and the page lists them so.
func TestTheListOfProposalsShowsWhatTheRecordsSay(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc, sec, a, b, base := proposers(t, rig)
		propose := func(u *auth.User, incidentID, name string) *incidents.Proposal {
			t.Helper()
			in := base
			in.Name = name
			p, err := svc.Propose(rig.Ctx, u, incidents.ProposalInput{IncidentID: incidentID, Incident: in})
			if err != nil {
				t.Fatalf("propose %q: %v", name, err)
			}
			return p
		}
		review := func(p *incidents.Proposal, in incidents.ReviewInput) *incidents.Incident {
			t.Helper()
			_, x, err := svc.ReviewProposal(rig.Ctx, sec, p.ID, in)
			if err != nil {
				t.Fatalf("review %s: %v", p.ID, err)
			}
			return x
		}
		propose(a, "", "Grid blackout")
		propose(b, "", `Ops <b>&amp;</b> "quoted" 'single' + plus`)
		propose(a, "", "Opération « Été » \u2028 中文 عملية 🛰️ \\ / \u00a0end")
		// Accepted as edited: the list shows the name as accepted.
		first := propose(b, "", "Satellite modem wipe")
		edited := base
		edited.Name = "Satellite modem wipe (KA-SAT)"
		x := review(first, incidents.ReviewInput{Decision: "accept", Incident: &edited})
		// A correction of it, and a refused proposal.
		propose(a, x.ID, "Satellite modem wipe, corrected")
		review(propose(b, "", "Rumoured outage"), incidents.ReviewInput{Decision: "reject", Reason: "No source."})

		for _, u := range []*auth.User{sec, a, b} {
			for _, status := range []string{"", incidents.ProposalSubmitted, incidents.ProposalAccepted, incidents.ProposalRejected} {
				full, _, err := svc.Proposals(rig.Ctx, u, status, "", 200)
				if err != nil {
					t.Fatal(err)
				}
				items, _, err := svc.ProposalItems(rig.Ctx, u, status, "", 200)
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != len(full) || len(full) == 0 && status == "" {
					t.Fatalf("%s, status %q: %d items, %d proposals", u.Role, status, len(items), len(full))
				}
				for i, p := range full {
					it := items[i]
					if it.ID != p.ID || it.Name != p.Input.Name || it.IncidentName != p.IncidentName || it.OrgName != p.OrgName ||
						it.Status != p.Status || !it.CreatedAt.Equal(p.CreatedAt) || it.CreatedAt.Location() != p.CreatedAt.Location() {
						t.Errorf("%s, status %q, row %d: %+v, the record says %+v", u.Role, status, i, it, p)
					}
				}
			}
		}
		if _, _, err := svc.ProposalItems(rig.Ctx, rig.User(t, auth.RoleStateApprover, "FRA"), "", "", 200); err != incidents.ErrForbidden {
			t.Errorf("a State's approver: %v", err)
		}

		// The page, in three languages: every proposal's row, newest
		// first, as the template wrote it from the whole record — its time
		// ("datetime"), its name and the incident it corrects as the
		// template escapes them, its organisation and its status's word
		// ($.T "incidents.proposal.<status>").
		esc := template.Must(template.New("").Parse(`{{.}}`))
		html := func(s string) string {
			var w strings.Builder
			if err := esc.Execute(&w, s); err != nil {
				t.Fatal(err)
			}
			return w.String()
		}
		for _, lang := range []string{"en", "fr", "ar"} {
			src, err := os.ReadFile("i18n/" + lang + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var words map[string]string
			if err := json.Unmarshal(src, &words); err != nil {
				t.Fatal(err)
			}
			for _, u := range []*auth.User{sec, a} {
				full, _, err := svc.Proposals(rig.Ctx, u, "", "", 200)
				if err != nil {
					t.Fatal(err)
				}
				resp := rig.Anonymous(t).Do(t, "GET", "/incidents/proposals?lang="+lang, nil, map[string]string{"Authorization": "Bearer " + rig.Token(t, u)})
				page := testrig.Body(resp)
				if resp.StatusCode != 200 || !strings.Contains(page, `lang="`+lang+`"`) {
					t.Fatalf("%s, %s: status %d", u.Role, lang, resp.StatusCode)
				}
				if n := strings.Count(page, `<a href="/incidents/proposals/`); n != len(full) {
					t.Errorf("%s, %s: %d rows, %d proposals", u.Role, lang, n, len(full))
				}
				at := 0
				for _, p := range full {
					row := `<tr><td>` + p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC") + `</td><td><a href="/incidents/proposals/` + p.ID + `">` + html(p.Input.Name) + `</a>`
					if p.IncidentName != "" {
						row += ` (` + html(words["incidents.correction_of"]) + ` ` + html(p.IncidentName) + `)`
					}
					row += `</td><td>` + html(p.OrgName) + `</td><td>` + html(words["incidents.proposal."+p.Status]) + `</td></tr>`
					i := strings.Index(page[at:], row)
					if i < 0 {
						t.Fatalf("%s, %s: no row %s after byte %d in\n%s", u.Role, lang, row, at, page)
					}
					at += i + len(row)
				}
			}
		}
	})
}

// The lists of proposals are paged, newest first, in the API (limit,
// cursor) and on the page (after, 50 a page): walking them finds every
// proposal the reader may see once, in the order of the whole list, and a
// cursor naming a proposal the reader may not see is refused as unknown.
func TestProposalListsWalkEveryProposal(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc, sec, a, b, base := proposers(t, rig)
		for i := range 57 {
			in := base
			in.Name = fmt.Sprintf("Proposal %02d", i)
			if _, err := svc.Propose(rig.Ctx, []*auth.User{a, b}[i%3/2], incidents.ProposalInput{Incident: in}); err != nil {
				t.Fatal(err)
			}
		}
		secTok, aTok := rig.Token(t, sec), rig.Token(t, a)
		for _, who := range []struct {
			u   *auth.User
			tok string
		}{{sec, secTok}, {a, aTok}} {
			whole, _, err := svc.Proposals(rig.Ctx, who.u, "", "", 200)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, p := range whole {
				want = append(want, p.ID)
			}
			var got []string
			for cursor, pages := "", 0; pages == 0 || cursor != ""; pages++ {
				var page struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
					Next string `json:"next_cursor"`
				}
				if st := call(t, rig, who.tok, "GET", "/api/v1/incident-proposals?limit=10&cursor="+cursor, "", &page); st != 200 || pages > 10 {
					t.Fatalf("page %d: status %d", pages, st)
				}
				for _, p := range page.Items {
					got = append(got, p.ID)
				}
				cursor = page.Next
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: the API's pages hold\n%v\nthe list\n%v", who.u.Role, got, want)
			}
			got = nil
			for after, pages := "", 0; pages == 0 || after != ""; pages++ {
				resp := rig.Anonymous(t).Do(t, "GET", "/incidents/proposals?after="+after, nil, map[string]string{"Authorization": "Bearer " + who.tok})
				body := testrig.Body(resp)
				if resp.StatusCode != 200 || pages > 10 {
					t.Fatalf("page %d: status %d", pages, resp.StatusCode)
				}
				rows := regexp.MustCompile(`<a href="/incidents/proposals/([0-9A-Z]+)">`).FindAllStringSubmatch(body, -1)
				if len(rows) > 50 {
					t.Errorf("a page of %d proposals", len(rows))
				}
				for _, m := range rows {
					got = append(got, m[1])
				}
				after = ""
				if m := regexp.MustCompile(`href="/incidents/proposals\?after=([0-9A-Z]+)" rel="next"`).FindStringSubmatch(body); m != nil {
					after = m[1]
				}
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: the pages hold\n%v\nthe list\n%v", who.u.Role, got, want)
			}
		}
		// b's proposal is not in a's list: as a cursor it is unknown.
		theirs, _, err := svc.Proposals(rig.Ctx, b, "", "", 1)
		if err != nil || len(theirs) != 1 {
			t.Fatal(err)
		}
		for _, c := range []string{"nonsense", base64.RawURLEncoding.EncodeToString([]byte(theirs[0].ID))} {
			var e apiErr
			if st := call(t, rig, aTok, "GET", "/api/v1/incident-proposals?cursor="+c, "", &e); st != 400 || e.Error.Field != "cursor" {
				t.Errorf("cursor %s: %d %+v, want a 400 naming the cursor", c, st, e)
			}
		}
		if resp := rig.Anonymous(t).Do(t, "GET", "/incidents/proposals?after="+theirs[0].ID, nil, map[string]string{"Authorization": "Bearer " + aTok}); resp.StatusCode != 400 {
			t.Errorf("after another organisation's proposal: status %d, want 400", resp.StatusCode)
		}
	})
}

// proposers is the service, the secretariat, members of two organisations
// and an incident to propose, for the tests of the lists of proposals.
func proposers(t *testing.T, rig *testrig.Rig) (svc *incidents.Service, sec, a, b *auth.User, base incidents.IncidentInput) {
	t.Helper()
	svc = incidents.NewService(rig.App.Services)
	sec = rig.User(t, auth.RoleSecretariat, "")
	a, b = rig.User(t, auth.RoleStakeholder, ""), rig.User(t, auth.RoleStakeholder, "")
	if err := json.Unmarshal([]byte(incidentJSON), &base); err != nil {
		t.Fatal(err)
	}
	return svc, sec, a, b, base
}

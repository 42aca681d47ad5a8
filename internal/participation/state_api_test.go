package participation_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// stateListPage is one answer of a State's objections or votes in the
// API: the rows' applications and cast times, and the next cursor.
type stateListPage struct {
	Items []struct {
		Application struct {
			ID string `json:"id"`
		} `json:"application"`
		CreatedAt time.Time `json:"created_at"`
		CastAt    time.Time `json:"cast_at"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// TestStateAPIsWalkTheWholeRecord walks a State's objections and votes
// through the API a few at a time, following next_cursor, and finds every
// row of the full list once, in its order (votes cast at one instant, so
// the order's second key decides); a bad limit or cursor, or a cursor
// naming a row the list leaves out, is a 400 naming the parameter, and an
// unknown State a 404. The rig checks every answer against the OpenAPI
// document.
func TestStateAPIsWalkTheWholeRecord(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		insertBody := func(slug string, named bool) string {
			bodyID := id.New()
			if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO participation_bodies (id, slug, name, modality, name_objectors, created_at) VALUES (?, ?, ?, 'veto', ?, ?)`,
				bodyID, slug, slug, named, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			return bodyID
		}
		fillObjections(t, rig, insertBody("walk", true), 0, 400)
		// Rows the lists leave out: objections in a body that does not name
		// objecting States, and the State's votes in a secret ballot and in
		// a vote still open.
		fillObjections(t, rig, insertBody("hidden", false), 400, 420)
		// The State walked is one with an objection in that body.
		var iso3, hiddenObjection string
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT x.state_iso3, x.application_id FROM participation_objections x JOIN participation_applications a ON a.id = x.application_id
			JOIN participation_bodies b ON b.id = a.body_id WHERE b.slug = 'hidden' ORDER BY x.state_iso3, x.application_id LIMIT 1`).Scan(&iso3, &hiddenObjection); err != nil {
			t.Fatal(err)
		}
		var secretVote, openVote string
		secretBody, openBody := insertBody("secret", true), insertBody("open", true)
		err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			var orgID string
			if err := tx.QueryRowContext(rig.Ctx, `SELECT a.org_id FROM participation_applications a WHERE a.id = ?`, hiddenObjection).Scan(&orgID); err != nil {
				return err
			}
			at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // newest of all, were they shown
			for _, v := range []struct {
				id, bodyID *string
				recorded   bool
				decidedAt  any
			}{{&secretVote, &secretBody, false, at}, {&openVote, &openBody, true, nil}} {
				*v.id = id.New()
				if _, err := tx.ExecContext(rig.Ctx, `INSERT INTO participation_applications (id, org_id, body_id, session_id, justification, status, modality, created_at, submitted_at, decided_at, votes_recorded)
					VALUES (?, ?, ?, '', 'x', 'refused', 'veto', ?, ?, ?, ?)`, *v.id, orgID, *v.bodyID, at, at, v.decidedAt, v.recorded); err != nil {
					return err
				}
				if _, err := tx.ExecContext(rig.Ctx, `INSERT INTO participation_votes (application_id, state_iso3, choice, user_id, created_at) VALUES (?, ?, 'no', 'test', ?)`, *v.id, iso3, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// The full lists, as the service reads them unpaged.
		objections, votes := wholeRecord(t, rig, svc, iso3)
		var allObjections, allVotes []string
		for _, o := range objections {
			allObjections = append(allObjections, o.Application.ID+" "+o.CreatedAt.UTC().String())
		}
		for _, v := range votes {
			allVotes = append(allVotes, v.Application.ID+" "+v.CastAt.UTC().String())
		}

		c := rig.Anonymous(t)
		base := "/api/v1/participation/states/"
		get := func(t *testing.T, path string) (int, []byte) {
			t.Helper()
			resp := c.Get(t, path)
			b := []byte(testrig.Body(resp))
			return resp.StatusCode, b
		}
		walk := func(t *testing.T, list string, limit int) []string {
			t.Helper()
			var walked []string
			cursor := ""
			for pages := 0; pages == 0 || cursor != ""; pages++ {
				if pages > 100 {
					t.Fatalf("%s: still a next_cursor after 100 pages", list)
				}
				path := fmt.Sprintf("%s%s/%s?limit=%d", base, iso3, list, limit)
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				st, body := get(t, path)
				if st != http.StatusOK {
					t.Fatalf("GET %s: status %d: %.300s", path, st, body)
				}
				var page stateListPage
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
				if len(page.Items) > limit || page.NextCursor != "" && len(page.Items) != limit {
					t.Errorf("GET %s: %d items (next_cursor %q), want at most %d, and %[4]d before a next_cursor", path, len(page.Items), page.NextCursor, limit)
				}
				for _, it := range page.Items {
					at := it.CreatedAt
					if list == "votes" {
						at = it.CastAt
					}
					walked = append(walked, it.Application.ID+" "+at.UTC().String())
				}
				cursor = page.NextCursor
			}
			return walked
		}
		t.Run("the objections walked two at a time are the whole list in its order", func(t *testing.T) {
			if walked := walk(t, "objections", 2); !reflect.DeepEqual(walked, allObjections) {
				t.Errorf("objections walked two at a time:\n%v\nwant\n%v", walked, allObjections)
			}
		})
		t.Run("the votes walked three at a time are the whole list in its order", func(t *testing.T) {
			if walked := walk(t, "votes", 3); !reflect.DeepEqual(walked, allVotes) {
				t.Errorf("votes walked three at a time:\n%v\nwant\n%v", walked, allVotes)
			}
		})
		t.Run("a page as long as the list has no next cursor", func(t *testing.T) {
			if walked := walk(t, "objections", len(allObjections)); !reflect.DeepEqual(walked, allObjections) {
				t.Errorf("objections in one page:\n%v\nwant\n%v", walked, allObjections)
			}
			var page stateListPage
			_, body := get(t, base+iso3+"/votes") // the default page: 50
			if err := json.Unmarshal(body, &page); err != nil || len(page.Items) != len(allVotes) || page.NextCursor != "" {
				t.Errorf("the default page: %d votes, next %q (%v), want all %d and no next", len(page.Items), page.NextCursor, err, len(allVotes))
			}
		})
		t.Run("the lists leave out what is not published", func(t *testing.T) {
			for _, o := range objections {
				if o.Application.ID == hiddenObjection {
					t.Error("an objection in a body that does not name objecting States is on the list")
				}
			}
			for _, v := range votes {
				if v.Application.ID == secretVote || v.Application.ID == openVote {
					t.Error("a secret or open vote is on the list")
				}
			}
		})

		otherState := states.All()[0].ISO3
		if otherState == iso3 {
			otherState = states.All()[1].ISO3
		}
		otherObjections, err := svc.StateObjections(rig.Ctx, otherState)
		if err != nil || len(otherObjections) == 0 {
			t.Fatalf("%d objections of %s (%v)", len(otherObjections), otherState, err)
		}
		var elsewhere string // an objection of another State only
		for _, o := range otherObjections {
			found := false
			for _, mine := range objections {
				found = found || mine.Application.ID == o.Application.ID
			}
			if !found {
				elsewhere = o.Application.ID
				break
			}
		}
		if elsewhere == "" {
			t.Fatalf("every objection of %s is also one of %s", otherState, iso3)
		}
		for _, tc := range []struct{ name, list, query, field string }{
			{"a limit of 0", "objections", "limit=0", "limit"},
			{"a limit of 201", "votes", "limit=201", "limit"},
			{"a limit that is no number", "objections", "limit=x", "limit"},
			{"a negative limit", "votes", "limit=-1", "limit"},
			{"a cursor that is garbage", "objections", "cursor=garbage", "cursor"},
			{"a cursor that is not base64", "votes", "cursor=%21%21%21", "cursor"},
			{"a cursor hiding a NUL", "votes", "cursor=" + api.Cursor("\x00"), "cursor"},
			{"a cursor naming no application", "objections", "cursor=" + api.Cursor(id.New()), "cursor"},
			{"a cursor naming no application", "votes", "cursor=" + api.Cursor(id.New()), "cursor"},
			{"a cursor naming an objection in a body that does not name objectors", "objections", "cursor=" + api.Cursor(hiddenObjection), "cursor"},
			{"a cursor naming another State's objection", "objections", "cursor=" + api.Cursor(elsewhere), "cursor"},
			{"a cursor naming a vote by secret ballot", "votes", "cursor=" + api.Cursor(secretVote), "cursor"},
			{"a cursor naming a vote still open", "votes", "cursor=" + api.Cursor(openVote), "cursor"},
		} {
			t.Run(tc.list+": "+tc.name+" is a 400 naming "+tc.field, func(t *testing.T) {
				st, body := get(t, base+iso3+"/"+tc.list+"?"+tc.query)
				var e struct {
					Error struct{ Field string } `json:"error"`
				}
				if err := json.Unmarshal(body, &e); st != http.StatusBadRequest || err != nil || e.Error.Field != tc.field {
					t.Errorf("status %d, field %q (%v), want 400 naming %s: %.300s", st, e.Error.Field, err, tc.field, body)
				}
			})
		}
		t.Run("an unknown State is a 404", func(t *testing.T) {
			for _, list := range []string{"objections", "votes"} {
				if st, body := get(t, base+"XXX/"+list+"?limit=2"); st != http.StatusNotFound {
					t.Errorf("%s of no State: status %d, want 404: %.300s", list, st, body)
				}
			}
		})
	})
}

package contacts_test

import (
	"context"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

var ackLinkRE = regexp.MustCompile(`/contacts/ack\?t=([A-Za-z0-9._-]+)`)

// decoded reads a message's quoted-printable text.
func decoded(m string) string {
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m)))
	if err != nil {
		return m
	}
	return string(b)
}

// mailTo returns the decoded messages to addr.
func mailTo(t *testing.T, rig *testrig.Rig, addr string) []string {
	t.Helper()
	var out []string
	for _, m := range outbox(t, rig) {
		if strings.Contains(m, "To: "+addr) || strings.Contains(m, "To: <"+addr+">") {
			out = append(out, decoded(m))
		}
	}
	return out
}

// nominate makes an approver of the State and confirms one contact.
func nominate(t *testing.T, rig *testrig.Rig, iso3, kind, email string) apiClient {
	t.Helper()
	u := rig.User(t, auth.RoleStateApprover, iso3)
	ap := apiClient{rig.Anonymous(t), rig.Token(t, u), u}
	st, b := ap.do(t, "POST", "/api/v1/contacts/states/"+iso3+"/contacts", map[string]any{"kind": kind, "name": "Contact " + email, "email": email, "time_zone": "UTC"})
	want(t, "nominate "+iso3, st, 201, b)
	return ap
}

// shift moves a round and its pings back in time, as if dur had passed.
func shift(t *testing.T, rig *testrig.Rig, roundID string, dur time.Duration) {
	t.Helper()
	err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		var started, deadline, remind time.Time
		if err := tx.QueryRowContext(rig.Ctx, `SELECT started_at, deadline, remind_at FROM contacts_rounds WHERE id = ?`, roundID).Scan(&started, &deadline, &remind); err != nil {
			return err
		}
		if _, err := tx.ExecContext(rig.Ctx, `UPDATE contacts_rounds SET started_at = ?, deadline = ?, remind_at = ? WHERE id = ?`, started.Add(-dur), deadline.Add(-dur), remind.Add(-dur), roundID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(rig.Ctx, `SELECT id, acked_at, bounced_at FROM contacts_pings WHERE round_id = ?`, roundID)
		if err != nil {
			return err
		}
		type row struct {
			id   string
			a, b *time.Time
		}
		var list []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.a, &r.b); err != nil {
				return err
			}
			list = append(list, r)
		}
		rows.Close()
		for _, r := range list {
			for col, v := range map[string]*time.Time{"acked_at": r.a, "bounced_at": r.b} {
				if v != nil {
					if _, err := tx.ExecContext(rig.Ctx, `UPDATE contacts_pings SET `+col+` = ? WHERE id = ?`, v.Add(-dur), r.id); err != nil {
						return err
					}
				}
			}
		}
		tx.MarkChanged()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func roundKey(t *testing.T, rig *testrig.Rig) []byte {
	var v string
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT value FROM settings WHERE key = 'contacts.round_key'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return []byte(v)
}

func TestRounds(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := apiClient{rig.Anonymous(t), rig.Token(t, secU), secU}
		public := apiClient{c: rig.Anonymous(t)}
		fraAp := nominate(t, rig, "FRA", "technical", "cert@fra.example")
		st, b := fraAp.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", map[string]any{"kind": "diplomatic", "name": "Diplomat", "email": "diplo@fra.example", "time_zone": "Europe/Paris"})
		want(t, "second FRA contact", st, 201, b)
		nominate(t, rig, "KEN", "technical", "cert@ken.example")
		braAp := nominate(t, rig, "BRA", "technical", "cert@bra.example")
		nominate(t, rig, "IND", "technical", "cert@ind.example")
		nominate(t, rig, "EST", "technical", "cert@est.example")
		kenEdU := rig.User(t, auth.RoleStateEditor, "KEN")
		kenEd := apiClient{rig.Anonymous(t), rig.Token(t, kenEdU), kenEdU}
		stake := apiClient{rig.Anonymous(t), rig.Token(t, rig.User(t, auth.RoleStakeholder, "")), nil}

		t.Run("only the secretariat starts a round, and bad input is refused", func(t *testing.T) {
			in := map[string]any{"title": "Q1", "hours": 48}
			st, b := public.do(t, "POST", "/api/v1/contacts/rounds", in)
			want(t, "public", st, 401, b)
			st, b = fraAp.do(t, "POST", "/api/v1/contacts/rounds", in)
			want(t, "State approver", st, 403, b)
			for _, c := range []struct {
				field string
				in    map[string]any
			}{
				{"hours", map[string]any{"title": "x", "hours": 0}}, {"hours", map[string]any{"title": "x", "hours": 721}},
				{"title", map[string]any{"title": "", "hours": 48}}, {"title", map[string]any{"title": "a\x00b", "hours": 48}},
				{"states", map[string]any{"title": "x", "hours": 48, "states": []string{"XXX"}}},
				{"states", map[string]any{"title": "x", "hours": 48, "states": []string{"USA"}}},
				{"rate_per_minute", map[string]any{"title": "x", "hours": 48, "rate_per_minute": -1}},
				{"rate_per_minute", map[string]any{"title": "x", "hours": 48, "rate_per_minute": 6001}},
			} {
				st, b := sec.do(t, "POST", "/api/v1/contacts/rounds", c.in)
				if st != 422 || b["error"].(map[string]any)["field"] != c.field {
					t.Errorf("%v: %d %v", c.in, st, b)
				}
			}
			if n := count(t, rig, `SELECT COUNT(*) FROM contacts_rounds`); n != 0 {
				t.Fatalf("refusals made %d rounds", n)
			}
		})

		st, b = sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Communication check Q1", "hours": 48, "states": []string{"fra", "KEN", "BRA", "IND", "EST"}})
		want(t, "start", st, 201, b)
		rid := b["id"].(string)
		if b["contacts"].(float64) != 6 || b["states"].(float64) != 5 || b["closed"] != false {
			t.Fatalf("round: %v", b)
		}
		st, b = public.do(t, "GET", "/api/v1/contacts/rounds/"+rid, nil)
		want(t, "public round before the deadline", st, 200, b)
		if len(b["states"].([]any)) != 0 {
			t.Fatalf("results before the deadline: %v", b)
		}

		links := map[string]string{}
		for _, addr := range []string{"cert@fra.example", "diplo@fra.example", "cert@ken.example", "cert@bra.example", "cert@ind.example", "cert@est.example"} {
			msgs := mailTo(t, rig, addr)
			if len(msgs) != 1 {
				t.Fatalf("%s got %d messages", addr, len(msgs))
			}
			m := ackLinkRE.FindStringSubmatch(msgs[0])
			if m == nil {
				t.Fatalf("no link in the message to %s:\n%s", addr, msgs[0])
			}
			links[addr] = m[1]
			if strings.Contains(msgs[0], "cert@ken.example") && addr != "cert@ken.example" {
				t.Errorf("the message to %s names another contact", addr)
			}
		}

		acks := func() int { return count(t, rig, `SELECT COUNT(*) FROM contacts_pings WHERE acked_at IS NOT NULL`) }
		browser := rig.Anonymous(t)
		t.Run("the e-mailed link shows a button and reveals nothing", func(t *testing.T) {
			html := browser.GetBody(t, "/contacts/ack?t="+url.QueryEscape(links["cert@ken.example"]))
			for _, leak := range []string{"Kenya", "cert@ken.example", "Communication check Q1"} {
				if strings.Contains(html, leak) {
					t.Errorf("the link's page shows %q", leak)
				}
			}
			if acks() != 0 {
				t.Fatal("following the link recorded an acknowledgement")
			}
		})
		t.Run("the link acknowledges once; used twice, altered or forged it is refused and records nothing", func(t *testing.T) {
			resp := browser.PostForm(t, "/contacts/ack", url.Values{"t": {links["cert@ken.example"]}})
			if resp.StatusCode != 200 || acks() != 1 {
				t.Fatalf("acknowledge: %d, %d acks", resp.StatusCode, acks())
			}
			audits := count(t, rig, `SELECT COUNT(*) FROM audit_log`)
			resp = browser.PostForm(t, "/contacts/ack", url.Values{"t": {links["cert@ken.example"]}})
			if resp.StatusCode != http.StatusGone {
				t.Errorf("used twice: %d", resp.StatusCode)
			}
			st, b := public.do(t, "POST", "/api/v1/contacts/ack", map[string]any{"token": links["cert@ken.example"]})
			if st != 410 || b["error"].(map[string]any)["code"] != "already_used" {
				t.Errorf("used twice (API): %d %v", st, b)
			}
			tok := links["cert@ind.example"]
			parts := strings.Split(tok, ".")
			flipped := tok[:len(tok)-1] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-1] != 'A']
			otherPing := strings.Split(links["cert@bra.example"], ".")[0] + "." + parts[1] + "." + parts[2]
			later := parts[0] + ".9999999999." + parts[2]
			for _, bad := range []string{flipped, otherPing, later, "x", "", strings.Repeat("a", 300), parts[0], "01ARZ3NDEKTSV4RRFFQ69G5FAV.1.x"} {
				st, b := public.do(t, "POST", "/api/v1/contacts/ack", map[string]any{"token": bad})
				if st != 400 && !(bad == "" && st == 422) {
					t.Errorf("token %q: %d %v", bad, st, b)
				}
			}
			if acks() != 1 || count(t, rig, `SELECT COUNT(*) FROM audit_log`) != audits {
				t.Fatal("a refused link recorded something")
			}
		})

		t.Run("State users see their own State's pings, and each contact acknowledges only its own", func(t *testing.T) {
			fraEdU := rig.User(t, auth.RoleStateEditor, "FRA")
			fraEd := apiClient{rig.Anonymous(t), rig.Token(t, fraEdU), fraEdU}
			st, raw := fraEd.raw(t, "/api/v1/contacts/rounds/"+rid+"/pings")
			if st != 200 || strings.Contains(raw, "ken.example") || !strings.Contains(raw, "cert@fra.example") {
				t.Fatalf("FRA's pings: %d %.300s", st, raw)
			}
			_, raw = sec.raw(t, "/api/v1/contacts/rounds/"+rid+"/pings")
			if !strings.Contains(raw, "ken.example") || !strings.Contains(raw, "fra.example") {
				t.Fatalf("the secretariat's pings: %.300s", raw)
			}
			for _, c := range []struct {
				who    string
				client apiClient
				status int
			}{{"public", public, 401}, {"stakeholder", stake, 403}} {
				if st, _ := c.client.raw(t, "/api/v1/contacts/rounds/"+rid+"/pings"); st != c.status {
					t.Errorf("%s reads pings: %d", c.who, st)
				}
			}
			var fraPing, braPing string
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT p.id FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id WHERE e.email = 'cert@fra.example'`).Scan(&fraPing)
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT p.id FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id WHERE e.email = 'cert@bra.example'`).Scan(&braPing)
			st, b := kenEd.do(t, "POST", "/api/v1/contacts/pings/"+fraPing+"/ack", nil)
			want(t, "KEN acknowledges FRA's ping", st, 404, b)
			// A colleague of the contact, even the approver, cannot
			// acknowledge for it: the check is of that contact.
			before := acks()
			for _, c := range []apiClient{fraEd, fraAp} {
				st, b = c.do(t, "POST", "/api/v1/contacts/pings/"+fraPing+"/ack", nil)
				if st != 403 || b["error"].(map[string]any)["code"] != "not_your_check" {
					t.Errorf("a colleague acknowledges cert@fra.example's check: %d %v", st, b)
				}
			}
			if acks() != before {
				t.Fatal("a refused acknowledgement was recorded")
			}
			// The contact, signed in with its address, sees its button and acknowledges.
			fraCertU := rig.User(t, auth.RoleStateEditor, "FRA")
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE users SET email = 'cert@fra.example' WHERE id = ?`, fraCertU.ID); err != nil {
				t.Fatal(err)
			}
			fraCertU.Email = "cert@fra.example"
			fraCert := apiClient{rig.Anonymous(t), rig.Token(t, fraCertU), fraCertU}
			var pings []map[string]any
			if st, raw := fraCert.raw(t, "/api/v1/contacts/rounds/"+rid+"/pings"); st != 200 || json.Unmarshal([]byte(raw), &pings) != nil {
				t.Fatalf("the contact's pings: %d %s", st, raw)
			}
			for _, p := range pings {
				if (p["id"] == fraPing) != (p["yours"] == true) {
					t.Errorf("yours: %v", p)
				}
			}
			if html := rig.SignIn(t, fraCertU).GetBody(t, "/contacts/rounds/"+rid); strings.Count(html, `action="/contacts/pings/`) != 1 || !strings.Contains(html, `action="/contacts/pings/`+fraPing+`/ack"`) {
				t.Errorf("the contact's round page does not offer exactly its own check")
			}
			if html := rig.SignIn(t, fraAp.u).GetBody(t, "/contacts/rounds/"+rid); strings.Contains(html, `action="/contacts/pings/`) {
				t.Errorf("a colleague's round page offers to acknowledge")
			}
			st, b = fraCert.do(t, "POST", "/api/v1/contacts/pings/"+fraPing+"/ack", nil)
			want(t, "FRA's contact acknowledges in the platform", st, 200, b)
			if b["outcome"] != "in_time" || b["acknowledged_via"] != "platform" {
				t.Fatalf("ping: %v", b)
			}
			st, b = fraCert.do(t, "POST", "/api/v1/contacts/pings/"+fraPing+"/ack", nil)
			want(t, "acknowledge twice", st, 409, b)
			_ = braPing
		})

		t.Run("bounces are recorded by the secretariat", func(t *testing.T) {
			st, b := sec.do(t, "POST", "/api/v1/contacts/rounds/"+rid+"/bounces", map[string]any{"addresses": []string{"CERT@est.example", "nobody@x.example"}, "reason": "550 mailbox unknown"})
			want(t, "bounces", st, 200, b)
			if b["marked"].(float64) != 1 || len(b["unknown"].([]any)) != 1 {
				t.Fatalf("bounces: %v", b)
			}
			st, b = sec.do(t, "POST", "/api/v1/contacts/rounds/"+rid+"/bounces", map[string]any{"addresses": []string{"not an address"}})
			want(t, "bad bounce", st, 422, b)
		})

		t.Run("a reminder goes before the deadline to those who have not answered", func(t *testing.T) {
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE contacts_rounds SET remind_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Minute), rid); err != nil {
				t.Fatal(err)
			}
			if _, err := jobs.Enqueue(context.Background(), rig.DB, contacts.JobTick, map[string]any{}, jobs.Options{}); err != nil {
				t.Fatal(err)
			}
			rig.DrainJobs(t)
			for addr, want := range map[string]int{"cert@bra.example": 2, "cert@ind.example": 2, "diplo@fra.example": 2, "cert@ken.example": 1, "cert@fra.example": 1, "cert@est.example": 1} {
				msgs := mailTo(t, rig, addr)
				if len(msgs) != want {
					t.Errorf("%s: %d messages, want %d", addr, len(msgs), want)
				}
			}
		})

		// The deadline passes (the round is moved 49 hours back).
		shift(t, rig, rid, 49*time.Hour)
		t.Run("after the deadline the link is expired and records nothing", func(t *testing.T) {
			var indPing string
			var deadline time.Time
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT p.id, r.deadline FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id JOIN contacts_rounds r ON r.id = p.round_id WHERE e.email = 'cert@ind.example'`).Scan(&indPing, &deadline)
			before := acks()
			st, b := public.do(t, "POST", "/api/v1/contacts/ack", map[string]any{"token": contacts.AckToken(roundKey(t, rig), indPing, deadline)})
			if st != 410 || b["error"].(map[string]any)["code"] != "expired" {
				t.Fatalf("expired: %d %v", st, b)
			}
			if acks() != before {
				t.Fatal("an expired link recorded an acknowledgement")
			}
		})
		// Brazil acknowledges late, in the platform.
		var braPing string
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT p.id FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id WHERE e.email = 'cert@bra.example'`).Scan(&braPing)
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE users SET email = 'cert@bra.example' WHERE id = ?`, braAp.u.ID); err != nil {
			t.Fatal(err)
		}
		st, b = braAp.do(t, "POST", "/api/v1/contacts/pings/"+braPing+"/ack", nil)
		want(t, "BRA late", st, 200, b)
		if b["outcome"] != "late" {
			t.Fatalf("BRA: %v", b)
		}

		t.Run("the public results show every outcome and no contact", func(t *testing.T) {
			st, b := public.do(t, "GET", "/api/v1/contacts/rounds/"+rid, nil)
			want(t, "results", st, 200, b)
			got := map[string]string{}
			for _, x := range b["states"].([]any) {
				m := x.(map[string]any)
				got[m["state"].(string)] = m["outcome"].(string)
			}
			wantOut := map[string]string{"FRA": "in_time", "KEN": "in_time", "BRA": "late", "IND": "no_answer", "EST": "bounced"}
			for k, v := range wantOut {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
			r := b["round"].(map[string]any)
			by := r["states_by_outcome"].(map[string]any)
			if r["closed"] != true || by["in_time"].(float64) != 2 || by["late"].(float64) != 1 || by["no_answer"].(float64) != 1 || by["bounced"].(float64) != 1 {
				t.Errorf("aggregates: %v", r)
			}
			for _, p := range []string{"/contacts/rounds/" + rid, "/contacts/rounds/" + rid + "/results.csv", "/contacts/rounds", "/contacts/rounds.csv", "/api/v1/contacts/rounds", "/api/v1/contacts/rounds/" + rid, "/contacts/states/FRA", "/contacts"} {
				st, raw := public.raw(t, p)
				if st != 200 {
					t.Errorf("%s: %d", p, st)
				}
				if strings.Contains(raw, ".example") {
					t.Errorf("%s shows a contact's address to the public", p)
				}
			}
			_, csv := public.raw(t, "/contacts/rounds/"+rid+"/results.csv")
			if !strings.Contains(csv, ",BRA,Brazil,late,") || !strings.Contains(csv, ",IND,India,no_answer,,1,0") {
				t.Errorf("CSV: %s", csv)
			}
			html := public.c.GetBody(t, "/contacts/rounds/"+rid)
			for _, w := range []string{"In time", "Late", "No answer", "Bounced"} {
				if !strings.Contains(html, w) {
					t.Errorf("the public page does not show %q", w)
				}
			}
			// The minutes and shares are written by web.FormatNumber in the
			// page's language (a median is a *float64: printf wrote its address).
			reader := rig.Anonymous(t) // the language stays with a client
			for _, lang := range []string{"en", "fr", "ar"} {
				page := reader.GetBody(t, "/contacts/rounds/"+rid+"?lang="+lang)
				if strings.Contains(page, "%!") || strings.Contains(page, "0x") {
					t.Errorf("the public page in %s writes a number with printf: %s", lang, page)
				}
			}
		})
		t.Run("each State's history", func(t *testing.T) {
			st, raw := public.raw(t, "/api/v1/contacts/states/BRA/rounds")
			if st != 200 || !strings.Contains(raw, `"outcome":"late"`) {
				t.Fatalf("BRA history: %d %s", st, raw)
			}
			html := public.c.GetBody(t, "/contacts/states/KEN")
			if !strings.Contains(html, "Acknowledged in time in 1 of 1 round.") {
				t.Errorf("KEN's page has no record")
			}
			// The count takes the language's plural form (CLDR): "1 of 1
			// round", "из 1 проверки", never "1 of 1 rounds".
			reader := rig.Anonymous(t)
			for lang, want := range map[string]string{"ru": "в 1 из 1 проверки.", "fr": ": 1 sur 1 test.", "ar": "في 1 من أصل 1 جولة."} {
				if page := reader.GetBody(t, "/contacts/states/KEN?lang="+lang); !strings.Contains(page, want) {
					t.Errorf("KEN's page in %s does not say %q", lang, want)
				}
			}
		})
	})
}

func TestRoundsArePaced(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := apiClient{rig.Anonymous(t), rig.Token(t, secU), secU}
		for _, iso := range []string{"FRA", "KEN", "BRA", "IND"} {
			nominate(t, rig, iso, "technical", "cert@"+strings.ToLower(iso)+".example")
		}
		runAts := func(roundID string) []time.Time {
			t.Helper()
			rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT j.run_at FROM jobs j JOIN contacts_pings p ON j.unique_key = 'contacts.ping:' || p.id WHERE p.round_id = ? ORDER BY j.run_at`, roundID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []time.Time
			for rows.Next() {
				var at time.Time
				if err := rows.Scan(&at); err != nil {
					t.Fatal(err)
				}
				out = append(out, at)
			}
			return out
		}
		// At 30 a minute, the four e-mails are queued two seconds apart.
		st, b := sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Paced", "hours": 48, "rate_per_minute": 30})
		want(t, "paced round", st, 201, b)
		at := runAts(b["id"].(string))
		if len(at) != 4 {
			t.Fatalf("%d jobs", len(at))
		}
		for i := 1; i < len(at); i++ {
			if d := at[i].Sub(at[i-1]); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
				t.Errorf("e-mail %d goes %v after the one before, want 2 s", i, d)
			}
		}
		// Without a rate they all go at once.
		st, b = sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Unpaced", "hours": 48})
		want(t, "unpaced round", st, 201, b)
		at = runAts(b["id"].(string))
		if len(at) != 4 || at[3].Sub(at[0]) > time.Second {
			t.Errorf("unpaced: %v", at)
		}
		// Reminders keep the pace.
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE contacts_rounds SET remind_at = ? WHERE title = 'Paced'`, time.Now().UTC().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := jobs.Enqueue(context.Background(), rig.DB, contacts.JobTick, map[string]any{}, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		rig.DrainJobs(t)
		var reminders []time.Time
		rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT run_at FROM jobs WHERE unique_key LIKE 'contacts.remind:%' ORDER BY run_at`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var at time.Time
			_ = rows.Scan(&at)
			reminders = append(reminders, at)
		}
		rows.Close()
		if len(reminders) != 4 || reminders[3].Sub(reminders[0]) < 5900*time.Millisecond {
			t.Errorf("reminders: %v", reminders)
		}
	})
}

func TestRoundsTrendChart(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := apiClient{rig.Anonymous(t), rig.Token(t, secU), secU}
		public := apiClient{c: rig.Anonymous(t)}
		nominate(t, rig, "FRA", "technical", "cert@fra.example")
		nominate(t, rig, "KEN", "technical", "cert@ken.example")
		// One round closed: no chart yet (a trend needs two).
		st, b := sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Check Q1", "hours": 48})
		want(t, "first round", st, 201, b)
		first := b["id"].(string)
		shift(t, rig, first, 49*time.Hour)
		if html := rig.Anonymous(t).GetBody(t, "/contacts/rounds"); strings.Contains(html, "Response rates across rounds") {
			t.Error("a chart with one round")
		}
		// The second: France acknowledges by its link, Kenya never.
		st, b = sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Check Q2", "hours": 48})
		want(t, "second round", st, 201, b)
		second := b["id"].(string)
		rig.DrainJobs(t) // the e-mails go; the key that signs the links is made
		var ping string
		var deadline time.Time
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT p.id, r.deadline FROM contacts_pings p JOIN contacts_entries e ON e.id = p.entry_id JOIN contacts_rounds r ON r.id = p.round_id
			WHERE r.id = ? AND e.email = 'cert@fra.example'`, second).Scan(&ping, &deadline)
		st, b = public.do(t, "POST", "/api/v1/contacts/ack", map[string]any{"token": contacts.AckToken(roundKey(t, rig), ping, deadline)})
		want(t, "France acknowledges", st, 200, b)
		shift(t, rig, second, 49*time.Hour)
		html := rig.Anonymous(t).GetBody(t, "/contacts/rounds")
		i := strings.Index(html, "<svg")
		if i < 0 || !strings.Contains(html[i:], "Response rates across rounds") || !strings.Contains(html[i:], "Check Q1") || !strings.Contains(html[i:], "Check Q2") {
			t.Fatalf("no trend chart of the two rounds")
		}
		// The table beside it gives the same figures: Q2 50 % in time, Q1 0 %.
		for _, row := range []struct{ title, share string }{{"Check Q2", `<td class="num">50</td><td class="num">50</td>`}, {"Check Q1", `<td class="num">0</td><td class="num">0</td>`}} {
			j := strings.Index(html, ">"+row.title+"</a></th>")
			if j < 0 || !strings.Contains(html[j:min(len(html), j+600)], row.share) {
				t.Errorf("%s: the table does not show %s", row.title, row.share)
			}
		}
	})
}

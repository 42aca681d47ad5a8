package bulletin_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// subscribe goes through the double opt-in with the web forms and the
// confirmation link from the outbox.
func subscribe(t *testing.T, rig *testrig.Rig, addr string) {
	t.Helper()
	c := rig.Anonymous(t)
	if resp := c.PostForm(t, "/bulletin/subscribe", url.Values{"email": {addr}, "lang": {"en"}}); resp.StatusCode != 200 {
		t.Fatalf("subscribe %s: %d", addr, resp.StatusCode)
	}
	rig.DrainJobs(t)
	m := mailTo(t, rig, addr, "Confirm your subscription")
	link := linkIn(t, m.Text, "/bulletin/confirm?token=")
	u, _ := url.Parse(link)
	if !strings.Contains(c.GetBody(t, u.RequestURI()), `name="token"`) {
		t.Fatal("the confirmation page has no button")
	}
	if resp := c.PostForm(t, "/bulletin/confirm", url.Values{"token": {u.Query().Get("token")}}); resp.StatusCode != 200 {
		t.Fatalf("confirm %s: %d", addr, resp.StatusCode)
	}
	rig.DrainJobs(t)
}

func subscriberStatus(t *testing.T, rig *testrig.Rig, addr string) string {
	var st string
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT status FROM bulletin_subscribers WHERE email = ?`, addr).Scan(&st); err != nil {
		return "absent"
	}
	return st
}

func TestDistributionList(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		c := rig.Anonymous(t)
		t.Run("an address is not added until it confirms", func(t *testing.T) {
			var out map[string]string
			if st := call(t, rig, "", "POST", "/api/v1/bulletin/subscribers", bulletin.SubscribeInput{Email: "Ana@Example.org", Lang: "en"}, &out); st != 202 {
				t.Fatalf("status %d", st)
			}
			if st := subscriberStatus(t, rig, "ana@example.org"); st != bulletin.SubPending {
				t.Fatalf("status %s, want pending", st)
			}
			rig.DrainJobs(t)
			m := mailTo(t, rig, "ana@example.org", "Confirm")
			link, _ := url.Parse(linkIn(t, m.Text, "/bulletin/confirm"))
			token := link.Query().Get("token")
			if resp := c.PostForm(t, "/bulletin/confirm", url.Values{"token": {token + "x"}}); resp.StatusCode != 400 {
				t.Errorf("a forged token: %d, want 400", resp.StatusCode)
			}
			if subscriberStatus(t, rig, "ana@example.org") != bulletin.SubPending {
				t.Fatal("a forged token changed the status")
			}
			if resp := c.PostForm(t, "/bulletin/confirm", url.Values{"token": {token}}); resp.StatusCode != 200 {
				t.Fatalf("confirm: %d", resp.StatusCode)
			}
			if st := subscriberStatus(t, rig, "ana@example.org"); st != bulletin.SubConfirmed {
				t.Fatalf("status %s", st)
			}
			if resp := c.PostForm(t, "/bulletin/confirm", url.Values{"token": {token}}); resp.StatusCode != 400 {
				t.Errorf("a replayed token: %d, want 400", resp.StatusCode)
			}
			rig.DrainJobs(t)
			welcome := mailTo(t, rig, "ana@example.org", "Welcome")
			if welcome.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.HasPrefix(welcome.Header.Get("List-Unsubscribe"), "<http") {
				t.Errorf("welcome headers: %v", welcome.Header)
			}
		})
		t.Run("re-subscribing a confirmed address is idempotent", func(t *testing.T) {
			before := len(outbox(t, rig))
			call(t, rig, "", "POST", "/api/v1/bulletin/subscribers", bulletin.SubscribeInput{Email: "ana@example.org", Lang: "fr"}, nil)
			rig.DrainJobs(t)
			var n int
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM bulletin_subscribers WHERE email = 'ana@example.org'`).Scan(&n)
			if n != 1 || subscriberStatus(t, rig, "ana@example.org") != bulletin.SubConfirmed || len(outbox(t, rig)) != before {
				t.Errorf("rows %d, status %s, new mail %d", n, subscriberStatus(t, rig, "ana@example.org"), len(outbox(t, rig))-before)
			}
		})
		t.Run("unsubscribing works in one click without an account", func(t *testing.T) {
			welcome := mailTo(t, rig, "ana@example.org", "Welcome")
			link := strings.Trim(welcome.Header.Get("List-Unsubscribe"), "<>")
			u, _ := url.Parse(link)
			// A forged token changes nothing.
			q := u.Query()
			q.Set("t", "AAAA"+q.Get("t")[4:])
			if resp := c.Do(t, "POST", "/bulletin/unsubscribe?"+q.Encode(), url.Values{"List-Unsubscribe": {"One-Click"}}, nil); resp.StatusCode != 400 {
				t.Errorf("forged: %d, want 400", resp.StatusCode)
			}
			if st := subscriberStatus(t, rig, "ana@example.org"); st != bulletin.SubConfirmed {
				t.Fatalf("a forged unsubscribe changed the status to %s", st)
			}
			// The page shows a button (no JavaScript) and does not unsubscribe by itself.
			body := c.GetBody(t, u.RequestURI())
			if !strings.Contains(body, `<form method="post" action="/bulletin/unsubscribe">`) || subscriberStatus(t, rig, "ana@example.org") != bulletin.SubConfirmed {
				t.Fatal("GET must show a button and change nothing")
			}
			// RFC 8058: POST to the URL with List-Unsubscribe=One-Click.
			if resp := c.Do(t, "POST", u.RequestURI(), url.Values{"List-Unsubscribe": {"One-Click"}}, nil); resp.StatusCode != 200 {
				t.Fatalf("one-click: %d", resp.StatusCode)
			}
			if st := subscriberStatus(t, rig, "ana@example.org"); st != bulletin.SubUnsubscribed {
				t.Fatalf("status %s", st)
			}
			if resp := c.Do(t, "POST", u.RequestURI(), url.Values{"List-Unsubscribe": {"One-Click"}}, nil); resp.StatusCode != http.StatusGone {
				t.Errorf("replayed: %d, want 410", resp.StatusCode)
			}
		})
		t.Run("bounced and complaining addresses are suppressed", func(t *testing.T) {
			subscribe(t, rig, "bob@example.org")
			subscribe(t, rig, "cy@example.org")
			sec := rig.User(t, "secretariat", "")
			var res bulletin.ImportResult
			in := map[string]any{"addresses": []map[string]string{{"email": "bob@example.org", "kind": "bounce"}, {"email": "zed@example.org"}}}
			if st := call(t, rig, rig.Token(t, sec), "POST", "/api/v1/bulletin/suppressions", in, &res); st != 200 || res.Marked != 1 || res.Unknown != 1 {
				t.Fatalf("suppressions: %d %+v", st, res)
			}
			if st := call(t, rig, "", "POST", "/api/v1/bulletin/suppressions", in, nil); st != 401 {
				t.Errorf("anonymous suppressions: %d", st)
			}
			r, err := bulletinSvc(rig).ImportSuppressions(rig.Ctx, strings.NewReader("# relay export\ncy@example.org,complaint\nnot an address\n"))
			if err != nil || r.Marked != 1 || len(r.Errors) != 1 {
				t.Fatalf("import: %+v %v", r, err)
			}
			if subscriberStatus(t, rig, "bob@example.org") != bulletin.SubBounced || subscriberStatus(t, rig, "cy@example.org") != bulletin.SubComplained {
				t.Fatal("not suppressed")
			}
			// Subscribing again does not bring a suppressed address back.
			call(t, rig, "", "POST", "/api/v1/bulletin/subscribers", bulletin.SubscribeInput{Email: "bob@example.org", Lang: "en"}, nil)
			if subscriberStatus(t, rig, "bob@example.org") != bulletin.SubBounced {
				t.Fatal("a bounced address re-subscribed")
			}
		})
	})
}

// failingSender fails the first n attempts for one address, then delegates.
type failingSender struct {
	next  cnmail.Sender
	addr  string
	mu    sync.Mutex
	fails int
}

func (f *failingSender) Send(ctx context.Context, m cnmail.Message) error {
	f.mu.Lock()
	if m.To == f.addr && f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return errors.New("451 4.3.0 try again later")
	}
	f.mu.Unlock()
	return f.next.Send(ctx, m)
}

// failingRenderedSender is a failingSender that also takes rendered
// messages, as the SMTP pool does: the sender then sends template copies.
type failingRenderedSender struct {
	*failingSender
	rendered int
}

func (f *failingRenderedSender) SendRendered(ctx context.Context, r cnmail.Rendered) error {
	f.mu.Lock()
	f.rendered++
	if r.To == f.addr && f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return errors.New("451 4.3.0 try again later")
	}
	f.mu.Unlock()
	return f.next.(cnmail.RenderedSender).SendRendered(ctx, r)
}

func TestSendingAnIssue(t *testing.T) {
	for _, mode := range []string{"rendered once per language", "rendered per message"} {
		t.Run(mode, func(t *testing.T) { testSendingAnIssue(t, mode == "rendered once per language") })
	}
}

func testSendingAnIssue(t *testing.T, templates bool) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		svc := bulletinSvc(rig)
		var addrs []string
		for i := range 30 {
			addrs = append(addrs, fmt.Sprintf("reader%02d@example.org", i))
		}
		if n, err := svc.BulkConfirmed(rig.Ctx, addrs, "en"); err != nil || n != 30 {
			t.Fatalf("bulk: %d %v", n, err)
		}
		subscribe(t, rig, "gone@example.org")
		sink := startSink(t, false)
		flaky := &failingSender{next: sink.pool(t, 4), addr: "reader07@example.org", fails: 1}
		rig.App.Services.Mailer = flaky
		var rendered *failingRenderedSender
		if templates {
			rendered = &failingRenderedSender{failingSender: flaky}
			rig.App.Services.Mailer = rendered
		}

		// Simulate a sender killed mid-way on an earlier run: one delivery was
		// claimed but never recorded.
		if err := svc.StartSending(rig.Ctx, w.secretariat, w.issue.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := svc.StartSending(rig.Ctx, w.secretariat, w.issue.ID, 0); err == nil {
			t.Fatal("an issue was sent twice")
		}
		// gone@ unsubscribes after the send starts: it must be skipped.
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE bulletin_subscribers SET status = 'unsubscribed' WHERE email = 'gone@example.org'`); err != nil {
			t.Fatal(err)
		}
		rig.DrainJobs(t)
		// reader07 failed once and waits for its retry; make it due and run on.
		runRetriesNow(t, rig)

		got := map[string]int{}
		for _, m := range sink.messages() {
			got[m.To]++
			msg := parseRaw(t, m.Data)
			body, _ := io.ReadAll(msg.Body)
			if strings.Contains(string(body), titleGreen) || strings.Contains(string(body), titleRed) || strings.Contains(string(body), titleStrict) {
				t.Errorf("the list email to %s carries content above TLP:CLEAR", m.To)
			}
			if !strings.Contains(string(body), "Phishing wave") {
				t.Errorf("the email lacks the TLP:CLEAR item")
			}
			lu := msg.Header.Get("List-Unsubscribe")
			if msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(lu, "/bulletin/unsubscribe?s=") {
				t.Errorf("headers: %q", lu)
			}
			// The bodies carry the recipient's own link, the one of the header.
			decoded, err := cnmail.Parse(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			link := strings.Trim(lu, "<>")
			if !strings.Contains(decoded.Text, link) || !strings.Contains(decoded.HTML, html.EscapeString(link)) || strings.Contains(decoded.Text+decoded.HTML, "unsubscribe.invalid") {
				t.Errorf("the bodies to %s lack their link %s", m.To, link)
			}
		}
		if templates && rendered.rendered < len(addrs) {
			t.Errorf("%d rendered messages sent, want every one of %d", rendered.rendered, len(addrs))
		}
		for _, a := range addrs {
			if got[a] != 1 {
				t.Errorf("%s received %d copies, want 1", a, got[a])
			}
		}
		if got["gone@example.org"] != 0 {
			t.Error("an address that left received the issue")
		}
		p, err := svc.SendProgress(rig.Ctx, w.issue.ID)
		if err != nil || p.Sent != 30 || p.Remaining != 0 || p.Rate <= 0 || p.Status != "done" {
			t.Fatalf("progress %+v %v", p, err)
		}
		t.Run("running the job again sends nothing twice", func(t *testing.T) {
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE bulletin_sends SET status = 'running'`); err != nil {
				t.Fatal(err)
			}
			// A delivery left "sending" by a killed process is not resent.
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE bulletin_deliveries SET status = 'sending' WHERE subscriber_id = (SELECT id FROM bulletin_subscribers WHERE email = 'reader00@example.org')`); err != nil {
				t.Fatal(err)
			}
			if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO jobs (id, kind, payload, run_at, created_at) VALUES ('again', ?, ?, ?, ?)`,
				bulletin.JobSend, `{"issue_id":"`+w.issue.ID+`","part":9}`, rigNow(), rigNow()); err != nil {
				t.Fatal(err)
			}
			before := len(sink.messages())
			rig.DrainJobs(t)
			if n := len(sink.messages()) - before; n != 0 {
				t.Fatalf("%d messages sent again", n)
			}
			p, _ := svc.SendProgress(rig.Ctx, w.issue.ID)
			if p.Uncertain != 1 {
				t.Errorf("progress %+v, want one uncertain delivery", p)
			}
		})
		t.Run("each recipient's unsubscribe link works", func(t *testing.T) {
			for _, m := range sink.messages() {
				if m.To != "reader05@example.org" {
					continue
				}
				lu := strings.Trim(parseRaw(t, m.Data).Header.Get("List-Unsubscribe"), "<>")
				u, _ := url.Parse(lu)
				if resp := rig.Anonymous(t).Do(t, "POST", u.RequestURI(), url.Values{"List-Unsubscribe": {"One-Click"}}, nil); resp.StatusCode != 200 {
					t.Fatalf("one-click: %d", resp.StatusCode)
				}
			}
			if st := subscriberStatus(t, rig, "reader05@example.org"); st != bulletin.SubUnsubscribed {
				t.Fatalf("status %s", st)
			}
		})
	})
}

// TestSendingKeepsToTheRateLimit sends to 30 subscribers at 100 messages a
// second: it cannot take less than 0.3 s, however fast the machine (a lower
// bound only, so a slow machine cannot make it fail).
func TestSendingKeepsToTheRateLimit(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	svc := bulletinSvc(rig)
	var addrs []string
	for i := range 30 {
		addrs = append(addrs, fmt.Sprintf("paced%02d@example.org", i))
	}
	if _, err := svc.BulkConfirmed(rig.Ctx, addrs, "en"); err != nil {
		t.Fatal(err)
	}
	sink := startSink(t, false)
	rig.App.Services.Mailer = sink.pool(t, 4)
	if err := svc.StartSending(rig.Ctx, w.secretariat, w.issue.ID, 100); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rig.DrainJobs(t)
	if took := time.Since(start); took < 290*time.Millisecond {
		t.Errorf("30 messages at 100 a second took %v", took)
	}
	n := 0
	for _, m := range sink.messages() {
		if strings.HasPrefix(m.To, "paced") {
			n++
		}
	}
	if n != 30 {
		t.Errorf("%d messages sent to the list, want 30", n)
	}
	if p, err := svc.SendProgress(rig.Ctx, w.issue.ID); err != nil || p.Sent != 30 || p.Limit != 100 {
		t.Errorf("progress %+v %v", p, err)
	}
}

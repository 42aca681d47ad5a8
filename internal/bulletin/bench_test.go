package bulletin_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// benchSize reads a size from the environment (for the published figures:
// CYBERNORMS_BENCH_SUBSCRIBERS=100000), with a small default so that
// `go test -bench .` stays quick.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

const benchWorkers = 8

// benchIssue makes a rig with a published issue and n confirmed subscribers,
// on SQLite, or on PostgreSQL with CYBERNORMS_BENCH_DB=postgres (and
// CYBERNORMS_TEST_DATABASE_URL set).
func benchIssue(b *testing.B, n int) (*testrig.Rig, *bulletin.Service, *auth.User, string) {
	kind := os.Getenv("CYBERNORMS_BENCH_DB")
	if kind == "" {
		kind = "sqlite"
	}
	rig := testrig.NewOn(b, kind)
	svc := bulletinSvc(rig)
	org := rig.Organisation(b, "Bench Org")
	u := rig.User(b, auth.RoleStakeholder, org)
	sec := rig.User(b, auth.RoleSecretariat, "")
	ctx := rig.Ctx
	var ids []string
	for i := range 6 {
		it, err := svc.CreateItem(ctx, u, bulletin.ItemInput{Kind: string(bulletin.Kinds[i%5]), Title: fmt.Sprintf("Item %d", i),
			Summary: strings.Repeat("A paragraph of analysis about the threat. ", 20), TLP: "clear", Techniques: []string{"T1566"}})
		if err != nil {
			b.Fatal(err)
		}
		if err := svc.SubmitItem(ctx, u, it.ID); err != nil {
			b.Fatal(err)
		}
		if err := svc.ReviewItem(ctx, sec, it.ID, bulletin.ReviewApprove, ""); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	is, err := svc.CreateIssue(ctx, sec, bulletin.IssueInput{Quarter: "2026 Q4", Foreword: "Foreword.", ItemIDs: ids})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.PublishIssue(ctx, sec, is.ID); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := addBenchSubscribers(ctx, svc, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d confirmed subscribers added through BulkConfirmed in %s (%.0f a second)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	return rig, svc, sec, is.ID
}

// addBenchSubscribers adds n confirmed subscribers through the service's
// validating bulk path, 10,000 addresses a call, so that a list of a
// million is never held in memory at once.
func addBenchSubscribers(ctx context.Context, svc *bulletin.Service, n int) error {
	const chunk = 10_000
	addrs := make([]string, 0, chunk)
	for start := 0; start < n; start += chunk {
		addrs = addrs[:0]
		for i := start; i < min(start+chunk, n); i++ {
			addrs = append(addrs, fmt.Sprintf("reader%07d@example.org", i))
		}
		if _, err := svc.BulkConfirmed(ctx, addrs, "en"); err != nil {
			return err
		}
	}
	return nil
}

// vmHWM is the whole process's peak resident set in MiB, from
// /proc/self/status (0 where there is none).
func vmHWM() float64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}

// resetHWM starts the peak resident set afresh (Linux 4.0 and later), so
// that the send's peak is not the setup's.
func resetHWM() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// BenchmarkSendIssue sends a published issue to every subscriber through
// the whole pipeline (delivery rows, claims, rendering, per-recipient
// links, pooled SMTP, recording) to a loopback sink. msgs/s is the figure
// to compare with BenchmarkBareSMTPSend.
func BenchmarkSendIssue(b *testing.B) {
	n := benchSize("CYBERNORMS_BENCH_SUBSCRIBERS", 2000)
	rig, svc, sec, issueID := benchIssue(b, n)
	sink := startSink(b, true)
	workers := benchSize("CYBERNORMS_BENCH_POOL", benchWorkers)
	rig.App.Services.Mailer = sink.pool(b, workers)
	setupPeak := vmHWM()
	runtime.GC()
	debug.FreeOSMemory()
	resetHWM()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.Sys)
			}
		}
	})
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, q := range []string{`DELETE FROM bulletin_deliveries`, `DELETE FROM bulletin_sends`, `DELETE FROM jobs`} {
			if _, err := rig.DB.ExecContext(rig.Ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		if rig.DB.Dialect == db.Postgres {
			// Each real issue's deliveries are new rows; the previous
			// iteration's dead ones (same issue) would not be there.
			if _, err := rig.DB.ExecContext(rig.Ctx, `VACUUM bulletin_deliveries`); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := svc.StartSending(rig.Ctx, sec, issueID, 0); err != nil {
			b.Fatal(err)
		}
		rig.DrainJobs(b)
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	sendPeak := vmHWM()
	send := float64(n*b.N) / b.Elapsed().Seconds()
	p, err := svc.SendProgress(rig.Ctx, issueID)
	if err != nil || p.Sent != n {
		b.Fatalf("sent %+v of %d: %v", p, n, err)
	}
	sink.mu.Lock()
	raw, perMsg := sink.first, float64(sink.bytes)/float64(sink.count)
	sink.mu.Unlock()
	// The baseline in the same run: a bare client sends the same number of
	// copies of the first message the send delivered, byte for byte, over
	// as many connections to the same sink.
	bare := bareClientRate(b, sink, raw, n, workers)
	b.ReportMetric(send, "msgs/s")
	b.ReportMetric(bare, "bare-msgs/s")
	b.ReportMetric(send/bare, "send/bare")
	b.ReportMetric(perMsg, "bytes/msg")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB-from-OS")
	// The whole test process's peak resident set while sending (server,
	// sink and test together: an upper bound for the server's), and before
	// it, while the rig and the subscribers were made.
	b.ReportMetric(sendPeak, "peak-RSS-MiB")
	b.ReportMetric(setupPeak, "setup-peak-RSS-MiB")
}

// bareClientRate sends n copies of raw with net/smtp over the given number
// of connections to the sink and returns the messages a second.
func bareClientRate(b *testing.B, sink *sink, raw []byte, n, conns int) float64 {
	addr := net.JoinHostPort(sink.host, strconv.Itoa(sink.port))
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range conns {
		c, err := smtp.Dial(addr)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Hello("bench.example"); err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			defer c.Quit()
			for i := range next {
				if err := bareSend(c, "bulletin@cybernorms.example", fmt.Sprintf("reader%07d@example.org", i), raw); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkBareSMTPSend is the baseline: the same number of messages of the
// same size, rendered once beforehand, written with net/smtp over
// benchWorkers connections to the same kind of sink — no database, no
// per-recipient rendering.
func BenchmarkBareSMTPSend(b *testing.B) {
	n := benchSize("CYBERNORMS_BENCH_SUBSCRIBERS", 2000)
	sink := startSink(b, true)
	html := strings.Repeat("<p>A paragraph of analysis about the threat. </p>", 120)
	raw, err := cnmail.Render(cnmail.Message{From: "bulletin@cybernorms.example", To: "reader@example.org", Subject: "Bulletin 2026 Q4",
		Text: strings.Repeat("A paragraph of analysis about the threat. ", 120), HTML: html,
		Headers: map[string]string{"List-Unsubscribe": "<https://example.org/bulletin/unsubscribe?s=x&t=y>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		bareClientRate(b, sink, raw, n, benchWorkers)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPoolOnlySend sends the same pre-built message as
// BenchmarkBareSMTPSend through the platform's SMTP pool (rendering each
// message, RSET between messages) with benchWorkers goroutines: the share
// of the gap that belongs to the pool rather than to the bulletin pipeline.
func BenchmarkPoolOnlySend(b *testing.B) {
	n := benchSize("CYBERNORMS_BENCH_SUBSCRIBERS", 2000)
	sink := startSink(b, true)
	pool := sink.pool(b, benchWorkers)
	m := cnmail.Message{From: "bulletin@cybernorms.example", Subject: "Bulletin 2026 Q4",
		Text: strings.Repeat("A paragraph of analysis about the threat. ", 120), HTML: strings.Repeat("<p>A paragraph of analysis about the threat. </p>", 120),
		Headers: map[string]string{"List-Unsubscribe": "<https://example.org/bulletin/unsubscribe?s=x&t=y>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}}
	b.ResetTimer()
	for range b.N {
		next := make(chan int)
		var wg sync.WaitGroup
		for range benchWorkers {
			wg.Go(func() {
				for i := range next {
					mm := m
					mm.To = fmt.Sprintf("reader%07d@example.org", i)
					if err := pool.Send(b.Context(), mm); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func bareSend(c *smtp.Client, from, to string, raw []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

// BenchmarkTAXIIObjectsPage serves one page (the default 100 objects) of a
// collection of CYBERNORMS_BENCH_OBJECTS objects (default 100,000) at a
// random position, through HTTP, as a TAXII client pages through it, and
// reports the median and 95th percentile of the requests' times (the bar:
// p95 under 20 ms); run it with -benchtime 1000x or more for a steady p95.
func BenchmarkTAXIIObjectsPage(b *testing.B) {
	n := benchSize("CYBERNORMS_BENCH_OBJECTS", 100_000)
	rig := testrig.New(b)
	now := time.Now().UTC()
	const batch = 500
	for start := 0; start < n; start += batch {
		err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
			var vals []string
			var args []any
			for i := start; i < min(start+batch, n); i++ {
				id := fmt.Sprintf("attack-pattern--00000000-0000-4000-8000-%012d", i)
				vals = append(vals, "(?, ?, ?, ?, ?, ?, ?)")
				args = append(args, bulletin.CollectionPublic, id, "attack-pattern", "2026-10-01T00:00:00.000Z", now, true,
					`{"type":"attack-pattern","spec_version":"2.1","id":"`+id+`","created":"2026-10-01T00:00:00.000Z","modified":"2026-10-01T00:00:00.000Z","name":"Technique `+strconv.Itoa(i)+`","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}`)
			}
			_, err := tx.ExecContext(rig.Ctx, `INSERT INTO bulletin_taxii_objects (collection, stix_id, stix_type, version, date_added, latest, body) VALUES `+strings.Join(vals, ", "), args...)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	base := rig.URL + "/taxii2/bulletin/collections/" + bulletin.CollectionPublic + "/objects/"
	rng := rand.New(rand.NewPCG(1, 2))
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest("GET", base+"?next="+strconv.Itoa(rng.IntN(n)), nil)
		req.Header.Set("Accept", bulletin.TAXIIMediaType)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took = append(took, time.Since(start))
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
	b.ReportMetric(float64(n), "objects")
}

// Command load is cybernorms' load generator and its baselines. It is driven
// by scripts/load/run.sh; each mode does one thing:
//
//	load wait  -url U                 poll U/healthz until it answers; print the milliseconds it took
//	load bare  -from U -addr A        fetch the mix from the app at U once, then serve the same bytes on A with bare net/http
//	load run   -url U -bare B -pid P  drive the mix at increasing concurrency against U and B; report throughput,
//	                                  p50/p95/p99, errors, the ratio app/bare and the peak RSS (VmHWM) of process P
//	load bulk  -db URL|FILE -rows N   the database's own bulk load (SQLite: one prepared INSERT in one
//	                                  transaction; PostgreSQL: COPY), in rows per second
//	load benchtable FILE…             the page benchmarks (go test -bench BenchmarkPages) as a markdown table of
//	                                  medians and app/bare ratios, one column group per file
//	load crawl -url U                 walk the public pages from / (every shape of link a few times) and print the
//	                                  slowest; a server error fails it
//
// Everything talks to loopback only, and every run is bounded in requests
// and in time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: load wait|bare|run|signin|routes|bulk|benchtable|crawl [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "wait":
		err = waitCmd(ctx, os.Args[2:])
	case "bare":
		err = bareCmd(ctx, os.Args[2:])
	case "run":
		err = runCmd(ctx, os.Args[2:])
	case "signin":
		err = signinCmd(ctx, os.Args[2:])
	case "routes":
		err = routesCmd(ctx, os.Args[2:])
	case "bulk":
		err = bulkCmd(ctx, os.Args[2:])
	case "benchtable":
		err = benchTableCmd(os.Args[2:])
	case "crawl":
		err = crawlCmd(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// loopbackOnly refuses any target that is not on this machine.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q: %w", raw, err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not a loopback address; the load test only runs against this machine", raw)
	}
	return nil
}

func waitCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server address")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after")
	_ = fs.Parse(args)
	if err := loopbackOnly(*base); err != nil {
		return err
	}
	start := time.Now()
	c := &http.Client{Timeout: time.Second}
	for time.Since(start) < *timeout {
		resp, err := c.Get(*base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Println(time.Since(start).Milliseconds())
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer within %s", *base, *timeout)
}

// target is one request of the mix.
type target struct {
	Class string // page, api, search or signed-in
	Path  string
	// As names the signed-in identity the request is sent as (identities);
	// empty: anonymous.
	As string
}

// candidates are the requests of the mix. Those the server does not
// answer with 200 (modules not built yet) are left out and listed.
func candidates() []target {
	var out []target
	page := func(p ...string) {
		for _, x := range p {
			out = append(out, target{Class: "page", Path: x})
		}
	}
	api := func(p ...string) {
		for _, x := range p {
			out = append(out, target{Class: "api", Path: x})
		}
	}
	search := func(p ...string) {
		for _, x := range p {
			out = append(out, target{Class: "search", Path: x})
		}
	}
	page("/", "/norms", "/states", "/states?group=african", "/states/KEN", "/states/FRA", "/states/BRA", "/states/IND")
	for _, l := range "abcdefghijk" {
		page("/norms/gge2015-" + string(l))
	}
	page("/norms/gge2015-h?lang=fr", "/norms/gge2015-c?lang=ar")
	// Module pages: counted once their modules exist (a 404 leaves them out).
	page("/reports", "/monitoring", "/monitoring/map?norm=gge2015-h", "/monitoring/map?norm=gge2015-c",
		"/monitoring/states/KEN", "/monitoring/states/FRA", "/monitoring/participation", "/monitoring/trends",
		"/compendium", "/compendium/norms/gge2015-h", "/compendium/norms/gge2015-j",
		"/participation", "/participation/organisations", "/participation/states", "/participation/states/KEN",
		"/participation/consultations", "/bulletin", "/bulletin/feed.atom")
	// The public pages of positions, capacity building, points of contact,
	// incidents and vulnerability equities.
	page("/positions", "/positions/proposals", "/capacity", "/capacity/events", "/capacity/needs", "/capacity/offers",
		"/contacts", "/incidents", "/incidents/timeline", "/incidents/stats", "/incidents/actors", "/vep", "/vep/reports")
	// A State's record of statements and responses, and a State's
	// positions: pages that read a State's part of growing tables.
	page("/incidents/states/UKR", "/incidents/states/USA", "/positions/states/FRA")
	// Pages the crawl found slow that the mix did not have: a body's page
	// (its comparison read every application of the body) and a page of one
	// of a State's incident lists.
	page("/participation/bodies/oewg-2021-2025", "/incidents/states/USA?list=affected")
	api("/api/v1/participation/bodies/oewg-2021-2025")
	api("/api/v1/states", "/api/v1/states/KEN", "/api/v1/norms", "/api/v1/norms/gge2015-h", "/api/v1/norm-sets", "/api/v1/pillars")
	api("/api/v1/reports", "/api/v1/reporting/cycles", "/api/v1/statistics/map?norm=gge2015-h", "/api/v1/statistics/participation",
		"/api/v1/statistics/states/KEN", "/api/v1/statistics/trends", "/api/v1/recommendations", "/api/v1/practices",
		"/api/v1/participation/bodies", "/api/v1/participation/sessions", "/api/v1/participation/organisations",
		"/api/v1/bulletin/items", "/api/v1/bulletin/issues")
	api("/api/v1/positions/documents", "/api/v1/positions/proposals", "/api/v1/capacity/events", "/api/v1/capacity/needs",
		"/api/v1/capacity/offers", "/api/v1/contacts/coverage", "/api/v1/incidents", "/api/v1/vep/policies", "/api/v1/vep/scorecards")
	for _, q := range []string{"critical+infrastructure", "supply+chain", "vulnerability+disclosure", "CERT", "%22human+rights%22", "capacity+building+training"} {
		search("/compendium/search?q="+q, "/api/v1/search?q="+q, "/compendium/search?q="+q+"&norm=gge2015-h")
		// Searches of their own tables, not of the index: pages.
		page("/participation/organisations?q="+q, "/bulletin?q="+q)
	}
	// More of the index's kinds of query: a rare word, a filtered phrase,
	// a year, a second page.
	search("/api/v1/search?q=ransomware", "/api/v1/search?q=%22supply+chain%22&norm=gge2015-c",
		"/api/v1/search?q=incident+response&year=2022", "/api/v1/search?q=critical+infrastructure&offset=20")
	return out
}

// discover keeps the candidates base answers with 200, with their bodies
// (keyed by bodyKey).
func discover(base string, id identities) (kept []target, bodies map[string][]byte, types map[string]string, skipped []string, err error) {
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	bodies, types = map[string][]byte{}, map[string]string{}
	for _, t := range append(candidates(), id.targets()...) {
		req, err := http.NewRequest(http.MethodGet, base+t.Path, nil)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		id.apply(req, t.As)
		resp, err := c.Do(req)
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("GET %s: %w", t.Path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			who := ""
			if t.As != "" {
				who = " as " + t.As
			}
			skipped = append(skipped, fmt.Sprintf("%s%s (%d)", t.Path, who, resp.StatusCode))
			continue
		}
		kept = append(kept, t)
		k := bodyKey(t.As, t.Path)
		bodies[k], types[k] = b, resp.Header.Get("Content-Type")
	}
	if len(kept) == 0 {
		return nil, nil, nil, skipped, errors.New("no request of the mix answered 200")
	}
	return kept, bodies, types, skipped, nil
}

func bareCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	from := fs.String("from", "http://127.0.0.1:8080", "the app to copy the pages from")
	addr := fs.String("addr", "127.0.0.1:8090", "address to serve on")
	idFile := fs.String("identities", "", "JSON file of signed-in identities (load signin), whose pages are fetched as them")
	debug := fs.String("trace", "", "the app's debug address (serve --pprof-addr), e.g. http://127.0.0.1:6060: every request that is not a search of the index then runs the statements the app ran for it (replay) before writing its bytes; needs -db")
	dbURL := fs.String("db", "", "the app's database (SQLite file or postgres:// URL): searches of the index then run the database's own full-text query (bareSearch) instead of only writing bytes")
	_ = fs.Parse(args)
	if err := loopbackOnly(*from); err != nil {
		return err
	}
	if err := loopbackOnly("http://" + *addr); err != nil {
		return err
	}
	id, err := readIdentities(*idFile)
	if err != nil {
		return err
	}
	mix, bodies, types, _, err := discover(*from, id)
	if err != nil {
		return err
	}
	var bs *bareSearch
	var rp *replay
	if *dbURL != "" {
		d, err := db.Open(ctx, *dbURL, db.Options{})
		if err != nil {
			return err
		}
		defer d.Close()
		bs = &bareSearch{db: d}
		if *debug != "" {
			if err := loopbackOnly(*debug); err != nil {
				return err
			}
			var others []target
			for _, t := range mix {
				if !isIndexSearch(t.Path) {
					others = append(others, t)
				}
			}
			if rp, err = fetchTraces(*debug, others, id, d); err != nil {
				return err
			}
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := bodyKey(r.Header.Get(asHeader), r.URL.RequestURI())
		b, ok := bodies[k]
		if ok && bs != nil && isIndexSearch(r.URL.RequestURI()) {
			bs.serve(w, r, b, types[k])
			return
		}
		if ok && rp != nil {
			rp.serve(w, r, k, b, types[k])
			return
		}
		if !ok {
			if r.URL.Path == "/healthz" {
				_, _ = w.Write([]byte("{\"status\":\"ok\"}\n"))
				return
			}
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", types[k])
		_, _ = w.Write(b)
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	err = srv.ListenAndServe()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// result is one run of the mix at one concurrency.
type result struct {
	Requests, Errors int
	Elapsed          time.Duration
	P50, P95, P99    time.Duration
	ByPath           map[string][]time.Duration
}

func (r result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// weights is the mix: mostly pages, then API calls, then searches.
var weights = map[string]int{"page": 60, "api": 30, "search": 10}

func drive(ctx context.Context, base string, mix []target, conc, maxReq int, maxDur time.Duration, seed uint64) result {
	byClass := map[string][]target{}
	for _, t := range mix {
		byClass[t.Class] = append(byClass[t.Class], t)
	}
	var classes []string
	total := 0
	for _, c := range []string{"page", "api", "search"} {
		if len(byClass[c]) > 0 {
			classes = append(classes, c)
			total += weights[c]
		}
	}
	pick := func(rng *rand.Rand) target {
		n := rng.IntN(total)
		class := classes[0]
		for _, c := range classes {
			if n < weights[c] {
				class = c
				break
			}
			n -= weights[c]
		}
		ts := byClass[class]
		return ts[rng.IntN(len(ts))]
	}
	b := fire(ctx, base, pick, nil, conc, maxReq, maxDur, seed)
	return result{Requests: b.n, Errors: b.errs, Elapsed: b.elapsed, ByPath: b.byPath,
		P50: b.quantile(0.50), P95: b.quantile(0.95), P99: b.quantile(0.99)}
}

// peakRSS reads the peak resident set (VmHWM) of a process, in MiB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// resetPeak sets a process's peak resident set (VmHWM) back to its
// resident set now (Linux: "5" written to /proc/PID/clear_refs), so that
// the next reading of peakRSS is the peak since; false when it cannot.
func resetPeak(pid int) bool {
	return pid > 0 && os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func runCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "the app")
	bare := fs.String("bare", "", "the bare server serving the same bytes (load bare); empty: no baseline")
	pid := fs.Int("pid", 0, "the app's process id, for its peak resident memory")
	levels := fs.String("levels", "1,4,16,64", "concurrency levels, comma-separated")
	maxReq := fs.Int("requests", 3000, "requests per level at most")
	maxDur := fs.Duration("duration", 15*time.Second, "time per level at most")
	label := fs.String("label", "", "a label for the table (e.g. sqlite scale 1)")
	seed := fs.Uint64("seed", 1, "seed of the request mix")
	class := fs.String("class", "", "only this class of request: page, api or search (empty: the whole mix)")
	_ = fs.Parse(args)
	for _, u := range []string{*base, *bare} {
		if u == "" {
			continue
		}
		if err := loopbackOnly(u); err != nil {
			return err
		}
	}
	mix, _, _, skipped, err := discover(*base, nil)
	if err != nil {
		return err
	}
	if *class != "" {
		mix = slices.DeleteFunc(mix, func(t target) bool { return t.Class != *class })
		if len(mix) == 0 {
			fmt.Printf("\n%s: no %s requests answer yet\n", *label, *class)
			return nil
		}
	}
	counts := map[string]int{}
	for _, t := range mix {
		counts[t.Class]++
	}
	fmt.Printf("\n### %s\n\nmix: %d pages, %d API calls, %d searches (weights %d/%d/%d); left out (not answering 200): %d\n\n",
		*label, counts["page"], counts["api"], counts["search"], weights["page"], weights["api"], weights["search"], len(skipped))
	if len(skipped) > 0 {
		fmt.Printf("<details><summary>left out</summary>\n\n%s\n\n</details>\n\n", strings.Join(skipped, ", "))
	}
	fmt.Println("| concurrency | requests | errors | req/s | p50 ms | p95 ms | p99 ms | bare req/s | bare p50 ms | app/bare rate | peak RSS MiB |")
	fmt.Println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var slowest map[string][]time.Duration
	for _, s := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 || c > 1024 {
			return fmt.Errorf("-levels: %q is not a concurrency from 1 to 1024", s)
		}
		drive(ctx, *base, mix, c, min(200, *maxReq), 2*time.Second, *seed+99) // warm up
		r := drive(ctx, *base, mix, c, *maxReq, *maxDur, *seed)
		bareRPS, bareP50, ratio := "–", "–", "–"
		if *bare != "" {
			drive(ctx, *bare, mix, c, min(200, *maxReq), 2*time.Second, *seed+99)
			b := drive(ctx, *bare, mix, c, *maxReq, *maxDur, *seed)
			bareRPS, bareP50 = fmt.Sprintf("%.0f", b.RPS()), ms(b.P50)
			ratio = fmt.Sprintf("%.2f", r.RPS()/b.RPS())
		}
		fmt.Printf("| %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s | %.1f |\n",
			c, r.Requests, r.Errors, r.RPS(), ms(r.P50), ms(r.P95), ms(r.P99), bareRPS, bareP50, ratio, peakRSS(*pid))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if slowest == nil {
			slowest = r.ByPath
		}
	}
	printSlowest(slowest, 12)
	return nil
}

// printSlowest lists the requests with the highest median latency at the
// first concurrency level: where to look first.
func printSlowest(byPath map[string][]time.Duration, n int) {
	type row struct {
		path     string
		p50, max time.Duration
		count    int
	}
	var rows []row
	for p, l := range byPath {
		slices.Sort(l)
		rows = append(rows, row{p, l[len(l)/2], l[len(l)-1], len(l)})
	}
	slices.SortFunc(rows, func(a, b row) int { return int(b.p50 - a.p50) })
	fmt.Printf("\nSlowest requests at the first level (median):\n\n| request | n | p50 ms | max ms |\n| --- | ---: | ---: | ---: |\n")
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Printf("| `%s` | %d | %s | %s |\n", r.path, r.count, ms(r.p50), ms(r.max))
	}
}

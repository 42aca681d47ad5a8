package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// burst is one run of requests at one concurrency against one server: how
// many answered, in how long, and their latencies, in all and by path.
type burst struct {
	n, errs int
	elapsed time.Duration
	lat     []time.Duration
	byPath  map[string][]time.Duration
	// cpu is the server's processor time during the burst (0: not known).
	cpu time.Duration
}

// uniform picks any of reqs alike.
func uniform(reqs []target) func(*rand.Rand) target {
	return func(rng *rand.Rand) target { return reqs[rng.IntN(len(reqs))] }
}

// fire sends requests chosen by pick from conc clients (each with its own
// random source from seed), signed in as their identity, until maxReq
// have been sent or maxDur has passed. A request answers when it gets a
// 200: redirects are not followed. Both the load test's run (drive) and
// its per-route measure (measureRoute) send their requests through it.
func fire(ctx context.Context, base string, pick func(*rand.Rand) target, id identities, conc, maxReq int, maxDur time.Duration, seed uint64) burst {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var (
		mu  sync.Mutex
		out = burst{lat: make([]time.Duration, 0, maxReq), byPath: map[string][]time.Duration{}}
		wg  sync.WaitGroup
	)
	next := make(chan struct{}, maxReq)
	for range maxReq {
		next <- struct{}{}
	}
	close(next)
	deadline := time.Now().Add(maxDur)
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for range next {
				if ctx.Err() != nil || time.Now().After(deadline) {
					return
				}
				t := pick(rng)
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+t.Path, nil)
				if err != nil {
					continue
				}
				id.apply(req, t.As)
				t0 := time.Now()
				resp, err := client.Do(req)
				ok := err == nil
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == http.StatusOK
				}
				d := time.Since(t0)
				mu.Lock()
				out.lat = append(out.lat, d)
				out.byPath[t.Path] = append(out.byPath[t.Path], d)
				out.n++
				if !ok {
					out.errs++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	return out
}

// routeFigures are one route's bursts added up.
type routeFigures struct {
	app, bare burst
}

func (b *burst) add(o burst) {
	b.n += o.n
	b.errs += o.errs
	b.elapsed += o.elapsed
	b.cpu += o.cpu
	b.lat = append(b.lat, o.lat...)
}

func (b burst) rps() float64 {
	if b.elapsed <= 0 {
		return 0
	}
	return float64(b.n) / b.elapsed.Seconds()
}

func (b burst) quantile(f float64) time.Duration {
	if len(b.lat) == 0 {
		return 0
	}
	l := slices.Clone(b.lat)
	slices.Sort(l)
	return l[min(len(l)-1, int(f*float64(len(l))))]
}

// measureRoute runs rounds of a burst against the app, then one against
// the bare server, alternating, so that what else runs on the machine
// weighs on both alike.
func measureRoute(ctx context.Context, app, bare string, reqs []target, id identities, conc, maxReq int, maxDur time.Duration, rounds, pid int) routeFigures {
	appBurst := func(seed uint64) burst {
		c0 := cpuTime(pid)
		b := fire(ctx, app, uniform(reqs), id, conc, maxReq, maxDur, seed)
		b.cpu = cpuTime(pid) - c0
		return b
	}
	var f routeFigures
	warm := min(conc*4, maxReq)
	fire(ctx, app, uniform(reqs), id, conc, warm, maxDur, 99)
	fire(ctx, bare, uniform(reqs), id, conc, warm, maxDur, 99)
	for r := range rounds {
		seed := uint64(r + 1)
		if r%2 == 0 {
			f.app.add(appBurst(seed))
			f.bare.add(fire(ctx, bare, uniform(reqs), id, conc, maxReq, maxDur, seed))
		} else {
			f.bare.add(fire(ctx, bare, uniform(reqs), id, conc, maxReq, maxDur, seed))
			f.app.add(appBurst(seed))
		}
	}
	return f
}

// routesCmd measures each route of the mix on its own (and, with
// -together, the routes of each class mixed) against its bare baseline,
// and prints one table row per route: ratio of rates, the app's p50 and
// p99, the bare server's.
func routesCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("routes")
	base := fs.String("url", "http://127.0.0.1:8080", "the app")
	bare := fs.String("bare", "http://127.0.0.1:8090", "the bare server (load bare)")
	class := fs.String("class", "", "only these classes, comma-separated (page, api, search, signed-in); empty: all")
	conc := fs.Int("c", 16, "concurrent clients")
	maxReq := fs.Int("requests", 600, "requests per burst at most")
	maxDur := fs.Duration("duration", 1500*time.Millisecond, "time per burst at most")
	rounds := fs.Int("rounds", 2, "bursts per server per route, alternating app and bare")
	label := fs.String("label", "", "the table's title")
	idFile := fs.String("identities", "", "JSON file of signed-in identities (load signin)")
	together := fs.Bool("together", true, "also measure each class's routes mixed together")
	match := fs.String("match", "", "only the routes whose path contains this")
	pid := fs.Int("pid", 0, "the app's process id: its CPU time per request and peak resident memory")
	debug := fs.String("trace", "", "the app's debug address (serve --pprof-addr): each route's SQL statements are counted")
	_ = fs.Parse(args)
	for _, u := range []string{*base, *bare} {
		if err := loopbackOnly(u); err != nil {
			return err
		}
	}
	id, err := readIdentities(*idFile)
	if err != nil {
		return err
	}
	mix, _, _, skipped, err := discover(*base, id)
	if err != nil {
		return err
	}
	if *class != "" {
		want := strings.Split(*class, ",")
		mix = slices.DeleteFunc(mix, func(t target) bool { return !slices.Contains(want, t.Class) })
	}
	if *match != "" {
		mix = slices.DeleteFunc(mix, func(t target) bool { return !strings.Contains(t.Path, *match) })
	}
	fmt.Printf("\n### %s\n\n%d routes, %d concurrent clients, %d bursts each of at most %d requests or %s, alternating app and bare; p50/p99 in ms.",
		*label, len(mix), *conc, *rounds, *maxReq, *maxDur)
	if len(skipped) > 0 {
		fmt.Printf(" Left out (not answering 200): %s.", strings.Join(skipped, ", "))
	}
	fmt.Printf(" CPU ms: the app's processor time (user and system) per request, over its bursts.")
	// Each route's own peak: the app's peak resident set is reset before
	// it, read after it; the whole run's peak is the highest of them.
	perRoutePeak := *pid > 0 && resetPeak(*pid)
	peakCol, peakSep := "", ""
	if perRoutePeak {
		fmt.Printf(" Peak MiB: the app's peak resident memory (VmHWM) while the route ran, reset before it.")
		peakCol, peakSep = " peak MiB |", " ---: |"
	}
	var highest float64
	measure := func(targets []target, maxReq int, maxDur time.Duration) (routeFigures, string) {
		if perRoutePeak {
			resetPeak(*pid)
		}
		f := measureRoute(ctx, *base, *bare, targets, id, *conc, maxReq, maxDur, *rounds, *pid)
		if !perRoutePeak {
			return f, ""
		}
		p := peakRSS(*pid)
		highest = max(highest, p)
		return f, fmt.Sprintf(" %.1f |", p)
	}
	var rp *replay
	if *debug != "" {
		if err := loopbackOnly(*debug); err != nil {
			return err
		}
		if rp, err = fetchTraces(*debug, mix, id, nil); err != nil {
			return err
		}
		fmt.Printf(" SQL: the statements the app runs for the route, reads + writes (the bare baseline runs the reads).")
	}
	fmt.Printf("\n\n| route | as | app req/s | bare req/s | app/bare | p50 | p99 | bare p50 | bare p99 | CPU ms | SQL | errors |%s\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%s\n", peakCol, peakSep)
	row := func(name, as, key string, f routeFigures, peak string) {
		ratio := 0.0
		if f.bare.rps() > 0 {
			ratio = f.app.rps() / f.bare.rps()
		}
		mark := ""
		if ratio < 0.5 {
			mark = " ✗"
		}
		cpu := "–"
		if f.app.n > 0 && f.app.cpu > 0 {
			cpu = fmt.Sprintf("%.2f", float64(f.app.cpu.Microseconds())/1000/float64(f.app.n))
		}
		stmts := "–"
		if rp != nil && key != "" {
			stmts = fmt.Sprintf("%d + %d", len(rp.stmts[key]), rp.writes[key])
		}
		fmt.Printf("| %s | %s | %.0f | %.0f | %.2f%s | %s | %s | %s | %s | %s | %s | %d |%s\n", name, as, f.app.rps(), f.bare.rps(), ratio, mark,
			ms(f.app.quantile(0.5)), ms(f.app.quantile(0.99)), ms(f.bare.quantile(0.5)), ms(f.bare.quantile(0.99)), cpu, stmts, f.app.errs+f.bare.errs, peak)
	}
	defer func() {
		switch {
		case perRoutePeak:
			fmt.Printf("\nPeak resident memory of the app (VmHWM) over these routes: %.1f MiB, the highest of the routes' own peaks.\n", highest)
		case *pid > 0:
			fmt.Printf("\nPeak resident memory of the app (VmHWM) after these routes: %.1f MiB.\n", peakRSS(*pid))
		}
	}()
	if *together {
		byClass := map[string][]target{}
		var order []string
		for _, t := range mix {
			if _, ok := byClass[t.Class]; !ok {
				order = append(order, t.Class)
			}
			byClass[t.Class] = append(byClass[t.Class], t)
		}
		for _, c := range order {
			f, peak := measure(byClass[c], *maxReq*2, *maxDur*2)
			row(fmt.Sprintf("**all %d %s routes, mixed**", len(byClass[c]), c), "", "", f, peak)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	for _, t := range mix {
		f, peak := measure([]target{t}, *maxReq, *maxDur)
		row("`"+strings.ReplaceAll(t.Path, "|", "%7C")+"`", t.As, bodyKey(t.As, t.Path), f, peak)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// cpuTime is the processor time (user and system) process pid has used, 0
// when it cannot be read (no pid, not Linux).
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

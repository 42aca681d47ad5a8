package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// benchFigures are the medians of one sub-benchmark's runs.
type benchFigures struct {
	ns, allocs []float64
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// readBench reads `go test -bench BenchmarkPages` output: lines such as
// "BenchmarkPages/norms/app-2  2000  668888 ns/op  15.34 MB/s  97915 B/op  1690 allocs/op".
func readBench(path string) (map[string]*benchFigures, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	out := map[string]*benchFigures{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkPages/") {
			continue
		}
		name := fields[0][len("BenchmarkPages/"):]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // drop the GOMAXPROCS suffix
		}
		bf := out[name]
		if bf == nil {
			bf = &benchFigures{}
			out[name] = bf
			order = append(order, name)
		}
		for i := 1; i+1 < len(fields); i++ {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				bf.ns = append(bf.ns, v)
			case "allocs/op":
				bf.allocs = append(bf.allocs, v)
			}
		}
	}
	return out, order, sc.Err()
}

// benchTableCmd prints the page benchmarks as a markdown table: for each
// page the app's median time, the bare handler's, their rate ratio and the
// app's allocations, one column group per file (e.g. per demo scale).
func benchTableCmd(args []string) error {
	fs := flag.NewFlagSet("benchtable", flag.ExitOnError)
	labels := fs.String("labels", "", "column labels, comma-separated, one per file")
	_ = fs.Parse(args)
	files := fs.Args()
	if len(files) == 0 {
		return fmt.Errorf("usage: load benchtable [-labels a,b] FILE…")
	}
	names := strings.Split(*labels, ",")
	var runs []map[string]*benchFigures
	var pages []string
	for _, f := range files {
		r, order, err := readBench(f)
		if err != nil {
			return err
		}
		runs = append(runs, r)
		for _, n := range order {
			p, _, _ := strings.Cut(n, "/")
			if !slices.Contains(pages, p) {
				pages = append(pages, p)
			}
		}
	}
	head := "| page |"
	sep := "| --- |"
	for i := range files {
		l := files[i]
		if i < len(names) && names[i] != "" {
			l = names[i]
		}
		head += fmt.Sprintf(" %s: app µs | bare µs | rate app/bare | allocs |", l)
		sep += " ---: | ---: | ---: | ---: |"
	}
	fmt.Println(head)
	fmt.Println(sep)
	for _, p := range pages {
		row := "| " + p + " |"
		for _, r := range runs {
			a, b := r[p+"/app"], r[p+"/bare"]
			if a == nil || b == nil {
				row += " – | – | – | – |"
				continue
			}
			an, bn := median(a.ns), median(b.ns)
			row += fmt.Sprintf(" %.0f | %.0f | %.3f | %.0f |", an/1000, bn/1000, bn/an, median(a.allocs))
		}
		fmt.Println(row)
	}
	return nil
}

package opendata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestChangelogMergesSortedDigests compares the merge of two digests,
// sorted through spilled runs, with counting through a map of every row,
// as releases did before: rows in no byte order, keys of several fields,
// a dataset retired, a dataset new, and the previous digest in both stored
// formats.
func TestChangelogMergesSortedDigests(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	type row struct {
		dataset, key string
		hash         uint64
	}
	var before, after []row
	for _, ds := range []string{"measures", "reports", "old-set"} {
		for i := range 3000 {
			before = append(before, row{ds, strconv.Itoa(rnd.IntN(100000)) + "\x00" + strconv.Itoa(i), rnd.Uint64()})
		}
	}
	for _, r := range before {
		switch x := rnd.IntN(10); {
		case r.dataset == "old-set", x == 0: // withdrawn or retired
		case x == 1:
			r.hash++ // changed
			after = append(after, r)
		default:
			after = append(after, r)
		}
	}
	for i := range 500 {
		after = append(after, row{"measures", "new\x00" + strconv.Itoa(i), 1}, row{"new-set", strconv.Itoa(i), 2})
	}
	rnd.Shuffle(len(after), func(i, j int) { after[i], after[j] = after[j], after[i] })
	known := func(ds string) bool { return ds != "old-set" }

	// What the map of every row counted.
	want := map[string]*ReleaseChange{}
	old := map[string]map[string]uint64{}
	for _, r := range before {
		if old[r.dataset] == nil {
			old[r.dataset] = map[string]uint64{}
		}
		old[r.dataset][r.key] = r.hash
	}
	seen := map[string]int{}
	for _, r := range after {
		c := want[r.dataset]
		if c == nil {
			c = &ReleaseChange{Dataset: r.dataset}
			want[r.dataset] = c
		}
		if h, ok := old[r.dataset][r.key]; !ok {
			c.Added++
		} else {
			seen[r.dataset]++
			if h != r.hash {
				c.Changed++
			}
		}
	}
	for ds, m := range old {
		if known(ds) {
			want[ds].Withdrawn = int64(len(m) - seen[ds])
		}
	}

	// The previous digest as a new release stores it, and as one made
	// before migration 1201 did (lines in the order written).
	dir := t.TempDir()
	sorter := newDigestSorter(dir, 4096)
	for _, r := range before {
		if err := sorter.add(rowDigest(r)); err != nil {
			t.Fatal(err)
		}
	}
	sortedBefore, err := sorter.sorted()
	if err != nil {
		t.Fatal(err)
	}
	var stored bytes.Buffer
	gz := gzip.NewWriter(&stored)
	bw := bufio.NewWriter(gz)
	dw := newDigestWriter(bw)
	for {
		d, err := sortedBefore.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := dw.write(d); err != nil {
			t.Fatal(err)
		}
	}
	bw.Flush()
	gz.Close()
	sorter.close()
	var lines bytes.Buffer
	gz = gzip.NewWriter(&lines)
	for _, r := range before {
		fmt.Fprintf(gz, "%s\t%s\t%x\n", r.dataset, strings.ReplaceAll(r.key, "\x00", "\x1f"), r.hash)
	}
	gz.Close()

	for _, prev := range []struct {
		name   string
		data   []byte
		format int
	}{{"sorted records", stored.Bytes(), digestSorted}, {"lines of a release before chunks", lines.Bytes(), digestLines}} {
		t.Run("against "+prev.name, func(t *testing.T) {
			old, closeOld, err := openDigest(bytes.NewReader(prev.data), prev.format, dir, 4096)
			if err != nil {
				t.Fatal(err)
			}
			defer closeOld()
			cur := newDigestSorter(dir, 4096)
			defer cur.close()
			for _, r := range after {
				if err := cur.add(rowDigest(r)); err != nil {
					t.Fatal(err)
				}
			}
			if len(cur.runs) <= digestFanIn {
				t.Fatalf("%d runs: the test should spill more than %d, to merge in two passes", len(cur.runs), digestFanIn)
			}
			st, err := cur.sorted()
			if err != nil {
				t.Fatal(err)
			}
			var kept []rowDigest
			got, retired, err := changelog(old, st, func(d rowDigest) error { kept = append(kept, d); return nil }, known)
			if err != nil {
				t.Fatal(err)
			}
			if !retired {
				t.Error("old-set was retired, not noticed")
			}
			for ds, w := range want {
				g := got[ds]
				if g == nil {
					g = &ReleaseChange{Dataset: ds}
				}
				if *g != *w {
					t.Errorf("%s: got %+v, want %+v", ds, *g, *w)
				}
			}
			if len(kept) != len(after) {
				t.Fatalf("kept %d of %d rows", len(kept), len(after))
			}
			for i := 1; i < len(kept); i++ {
				if compareDigest(kept[i-1], kept[i]) > 0 {
					t.Fatalf("the new digest is out of order at %d: %q then %q", i, kept[i-1].key, kept[i].key)
				}
			}
		})
	}
	t.Run("the first release counts every row as added", func(t *testing.T) {
		cur := newDigestSorter(dir, 4096)
		defer cur.close()
		for _, r := range after[:100] {
			_ = cur.add(rowDigest(r))
		}
		st, _ := cur.sorted()
		got, _, err := changelog(nil, st, func(rowDigest) error { return nil }, known)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, c := range got {
			n += c.Added
			if c.Changed+c.Withdrawn != 0 {
				t.Errorf("%+v", *c)
			}
		}
		if n != 100 {
			t.Errorf("added %d, want 100", n)
		}
	})
}

// TestHashCellsIsFNV1a keeps the rows' hash what releases before stored
// (hash/fnv's New64a over each cell and a NUL), so that a release compares
// rightly with one made by earlier code.
func TestHashCellsIsFNV1a(t *testing.T) {
	for _, cells := range [][]string{{}, {""}, {"a"}, {"01JX", "measures", "", "é 中"}} {
		h := fnv.New64a()
		for _, c := range cells {
			h.Write([]byte(c))
			h.Write([]byte{0})
		}
		if got := hashCells(cells); got != h.Sum64() {
			t.Errorf("%q: %x, want %x", cells, got, h.Sum64())
		}
	}
}

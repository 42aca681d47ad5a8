package opendata

// A release's digest holds one record per row of every dataset: the
// dataset, the row's primary key and a 64-bit FNV-1a hash of its cells.
// The next release compares its own digest with it to count the rows
// added, changed and withdrawn. Both are read as streams sorted by dataset
// and key, so that the comparison is a merge of two sorted streams and
// holds no more than a few records of either, whatever the number of
// rows. The rows come from the datasets in their query's order, which is
// not byte order (numbers, collations, keys of several fields), so the new
// digest is sorted on the way: runs of 4 MB sorted in memory and spilled
// to files, then merged, at most 64 at a time (more runs are merged in
// passes), so that the files open and their buffers stay bounded too.

import (
	"bufio"
	"compress/gzip"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Digest formats (opendata_releases.digest_format).
const (
	// digestLines is the format of releases made before migration 1201:
	// gzip of "dataset<TAB>key<TAB>hash" lines (key fields joined by
	// \x1f, hash in hex) in the order the rows were written.
	digestLines = 1
	// digestSorted is gzip of binary records sorted by dataset and key
	// (see digestWriter).
	digestSorted = 2
)

// digestRunBytes is the memory a sorter fills before it spills a sorted
// run to a file (about 50,000 rows of the demo's keys).
const digestRunBytes = 4 << 20

// digestRecordBytes is what a record costs in a run besides its key: its
// slot in the run and the key's string header and allocation rounding.
const digestRecordBytes = 56

// rowDigest is one row's record.
type rowDigest struct {
	dataset string
	key     string // the primary key's fields joined by \x00
	hash    uint64
}

func compareDigest(a, b rowDigest) int {
	if c := strings.Compare(a.dataset, b.dataset); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

// hashCells is the row's hash: FNV-1a (64-bit) of every cell followed by a
// NUL, as hash/fnv's New64a computes it, written out so that no cell is
// copied to be hashed.
func hashCells(cells []string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range cells {
		for i := 0; i < len(c); i++ {
			h ^= uint64(c[i])
			h *= prime
		}
		h *= prime // the NUL: h ^= 0 changes nothing
	}
	return h
}

// digestWriter writes records: the dataset's and the key's lengths
// (uvarint) each before its bytes, then the hash (8 bytes, big-endian).
type digestWriter struct {
	w       *bufio.Writer
	scratch []byte
}

func newDigestWriter(w *bufio.Writer) *digestWriter {
	return &digestWriter{w: w, scratch: make([]byte, 0, 2*binary.MaxVarintLen64+8)}
}

func (dw *digestWriter) write(d rowDigest) error {
	b := binary.AppendUvarint(dw.scratch[:0], uint64(len(d.dataset)))
	_, _ = dw.w.Write(b)
	_, _ = dw.w.WriteString(d.dataset)
	b = binary.AppendUvarint(dw.scratch[:0], uint64(len(d.key)))
	_, _ = dw.w.Write(b)
	_, _ = dw.w.WriteString(d.key)
	_, err := dw.w.Write(binary.BigEndian.AppendUint64(dw.scratch[:0], d.hash))
	return err
}

// digestStream yields records; io.EOF after the last.
type digestStream interface {
	next() (rowDigest, error)
}

// recordReader reads records written by a digestWriter.
type recordReader struct {
	r       *bufio.Reader
	buf     []byte
	dataset string // the last dataset read, shared by its records
}

func newRecordReader(r io.Reader, size int) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, size)}
}

func (rr *recordReader) field() ([]byte, error) {
	n, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return nil, err
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("digest: a field of %d bytes", n)
	}
	rr.buf = slices.Grow(rr.buf[:0], int(n))[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return nil, unexpected(err)
	}
	return rr.buf, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (rr *recordReader) next() (rowDigest, error) {
	var d rowDigest
	ds, err := rr.field()
	if err != nil {
		return d, err // io.EOF between records is the end
	}
	if string(ds) != rr.dataset {
		rr.dataset = string(ds)
	}
	d.dataset = rr.dataset
	key, err := rr.field()
	if err != nil {
		return d, unexpected(err)
	}
	d.key = string(key)
	var h [8]byte
	if _, err := io.ReadFull(rr.r, h[:]); err != nil {
		return d, unexpected(err)
	}
	d.hash = binary.BigEndian.Uint64(h[:])
	return d, nil
}

// lineReader reads a digest of format digestLines.
type lineReader struct {
	sc      *bufio.Scanner
	dataset string
}

func (lr *lineReader) next() (rowDigest, error) {
	for lr.sc.Scan() {
		ds, rest, ok := strings.Cut(lr.sc.Text(), "\t")
		key, hx, ok2 := strings.Cut(rest, "\t")
		if !ok || !ok2 {
			continue
		}
		v, err := strconv.ParseUint(hx, 16, 64)
		if err != nil {
			continue
		}
		if ds != lr.dataset {
			lr.dataset = ds
		}
		return rowDigest{dataset: lr.dataset, key: strings.ReplaceAll(key, "\x1f", "\x00"), hash: v}, nil
	}
	if err := lr.sc.Err(); err != nil {
		return rowDigest{}, err
	}
	return rowDigest{}, io.EOF
}

// digestSorter sorts records in bounded memory: it keeps a run of about
// limit bytes, sorts it and spills it to a file in dir when full; sorted
// merges the runs.
type digestSorter struct {
	dir   string
	limit int
	run   []rowDigest
	size  int
	runs  []string
	open  []*os.File
}

func newDigestSorter(dir string, limit int) *digestSorter {
	if limit <= 0 {
		limit = digestRunBytes
	}
	return &digestSorter{dir: dir, limit: limit}
}

func (s *digestSorter) add(d rowDigest) error {
	if s.run == nil {
		// The whole run at once: growing it by appending would copy it
		// and leave the smaller arrays to the collector.
		s.run = make([]rowDigest, 0, s.limit/digestRecordBytes+1)
	}
	s.run = append(s.run, d)
	s.size += len(d.key) + digestRecordBytes
	if s.size >= s.limit {
		return s.spill()
	}
	return nil
}

func (s *digestSorter) spill() error {
	slices.SortFunc(s.run, compareDigest)
	f, err := os.CreateTemp(s.dir, "digest-run-*")
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 64<<10)
	dw := newDigestWriter(w)
	for _, d := range s.run {
		if err := dw.write(d); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	s.runs = append(s.runs, f.Name())
	clear(s.run)
	s.run, s.size = s.run[:0], 0
	return f.Close()
}

// sorted returns every record added, sorted by dataset and key. close
// releases the runs' files.
func (s *digestSorter) sorted() (digestStream, error) {
	if len(s.runs) == 0 {
		slices.SortFunc(s.run, compareDigest)
		return &sliceStream{s.run}, nil
	}
	if len(s.run) > 0 {
		if err := s.spill(); err != nil {
			return nil, err
		}
	}
	s.run = nil
	// Past digestFanIn runs, the first ones are merged into one run
	// first, so that the files open and their buffers stay bounded.
	for len(s.runs) > digestFanIn {
		if err := s.mergeRuns(digestFanIn); err != nil {
			return nil, err
		}
	}
	return s.merge(s.runs)
}

// digestFanIn is the most runs merged at once.
const digestFanIn = 64

// merge opens the runs and merges them.
func (s *digestSorter) merge(runs []string) (*mergeStream, error) {
	m := &mergeStream{}
	for _, name := range runs {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		s.open = append(s.open, f)
		m.add(newRecordReader(f, 16<<10))
	}
	return m, m.err
}

// mergeRuns replaces the first n runs with one run merging them.
func (s *digestSorter) mergeRuns(n int) error {
	m, err := s.merge(s.runs[:n])
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.dir, "digest-run-*")
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 64<<10)
	dw := newDigestWriter(w)
	for {
		d, err := m.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := dw.write(d); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, o := range s.open {
		o.Close()
	}
	for _, name := range s.runs[:n] {
		os.Remove(name)
	}
	s.open = nil
	s.runs = append(s.runs[n:], f.Name())
	return f.Close()
}

func (s *digestSorter) close() {
	for _, f := range s.open {
		f.Close()
	}
	for _, name := range s.runs {
		os.Remove(name)
	}
	s.open, s.runs = nil, nil
}

type sliceStream struct{ ds []rowDigest }

func (s *sliceStream) next() (rowDigest, error) {
	if len(s.ds) == 0 {
		return rowDigest{}, io.EOF
	}
	d := s.ds[0]
	s.ds[0] = rowDigest{}
	s.ds = s.ds[1:]
	return d, nil
}

// mergeStream merges sorted streams (a heap of their next records).
type mergeStream struct {
	heads []mergeHead
	err   error
}

type mergeHead struct {
	d   rowDigest
	src digestStream
}

func (m *mergeStream) Len() int           { return len(m.heads) }
func (m *mergeStream) Less(i, j int) bool { return compareDigest(m.heads[i].d, m.heads[j].d) < 0 }
func (m *mergeStream) Swap(i, j int)      { m.heads[i], m.heads[j] = m.heads[j], m.heads[i] }
func (m *mergeStream) Push(x any)         { m.heads = append(m.heads, x.(mergeHead)) }
func (m *mergeStream) Pop() any {
	h := m.heads[len(m.heads)-1]
	m.heads = m.heads[:len(m.heads)-1]
	return h
}

func (m *mergeStream) add(src digestStream) {
	d, err := src.next()
	if err == io.EOF {
		return
	}
	if err != nil {
		m.err = err
		return
	}
	heap.Push(m, mergeHead{d: d, src: src})
}

func (m *mergeStream) next() (rowDigest, error) {
	if m.err != nil {
		return rowDigest{}, m.err
	}
	if len(m.heads) == 0 {
		return rowDigest{}, io.EOF
	}
	top := m.heads[0]
	d, err := top.src.next()
	switch {
	case err == io.EOF:
		heap.Pop(m)
	case err != nil:
		m.err = err
		return rowDigest{}, err
	default:
		m.heads[0].d = d
		heap.Fix(m, 0)
	}
	return top.d, nil
}

// changelog counts, by dataset, the rows of cur added, changed and
// withdrawn since prev (nil: no previous release), both sorted by dataset
// and key, passing every record of cur to keep. retired tells whether prev
// holds a dataset that cur's registry no longer has.
func changelog(prev, cur digestStream, keep func(rowDigest) error, known func(dataset string) bool) (counts map[string]*ReleaseChange, retired bool, err error) {
	counts = map[string]*ReleaseChange{}
	count := func(dataset string) *ReleaseChange {
		c := counts[dataset]
		if c == nil {
			c = &ReleaseChange{Dataset: dataset}
			counts[dataset] = c
		}
		return c
	}
	read := func(s digestStream) (rowDigest, bool, error) {
		if s == nil {
			return rowDigest{}, false, nil
		}
		d, err := s.next()
		if err == io.EOF {
			return d, false, nil
		}
		return d, err == nil, err
	}
	p, pok, err := read(prev)
	if err != nil {
		return nil, false, fmt.Errorf("previous digest: %w", err)
	}
	c, cok, err := read(cur)
	if err != nil {
		return nil, false, err
	}
	for pok || cok {
		cmp := 0
		switch {
		case !pok:
			cmp = 1
		case !cok:
			cmp = -1
		default:
			cmp = compareDigest(p, c)
		}
		if cmp <= 0 {
			// p is withdrawn (cmp < 0) or still there (cmp == 0).
			if cmp < 0 {
				if known(p.dataset) {
					count(p.dataset).Withdrawn++
				} else {
					retired = true
				}
			} else if p.hash != c.hash {
				count(c.dataset).Changed++
			}
			if p, pok, err = read(prev); err != nil {
				return nil, false, fmt.Errorf("previous digest: %w", err)
			}
		}
		if cmp >= 0 {
			if cmp > 0 {
				count(c.dataset).Added++
			}
			if err := keep(c); err != nil {
				return nil, false, err
			}
			if c, cok, err = read(cur); err != nil {
				return nil, false, err
			}
		}
	}
	return counts, retired, nil
}

// errDigestFormat is returned for a digest of an unknown format.
var errDigestFormat = errors.New("unknown digest format")

// openDigest reads a stored digest r of the format as a stream sorted by
// dataset and key, sorting one of digestLines in a sorter over dir.
func openDigest(r io.Reader, format int, dir string, limit int) (digestStream, func(), error) {
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, 64<<10))
	if err != nil {
		return nil, nil, err
	}
	switch format {
	case digestSorted:
		return newRecordReader(zr, 64<<10), func() { zr.Close() }, nil
	case digestLines:
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		lines := &lineReader{sc: sc}
		s := newDigestSorter(dir, limit)
		for {
			d, err := lines.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				s.close()
				return nil, nil, err
			}
			if err := s.add(d); err != nil {
				s.close()
				return nil, nil, err
			}
		}
		zr.Close()
		st, err := s.sorted()
		if err != nil {
			s.close()
			return nil, nil, err
		}
		return st, s.close, nil
	}
	return nil, nil, fmt.Errorf("%w %d", errDigestFormat, format)
}

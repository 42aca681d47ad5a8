package opendata_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/cybernorms/cybernorms/internal/opendata"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// generated is a dataset of n rows computed in Go, keyed by an integer (so
// that its order is not the keys' byte order), with a 64-character
// checksum that deflate cannot shrink much. From generation 2 on, every
// hundredth row is withdrawn, the one after it changed, and 500 rows added.
func generated(n int, generation *int) od.Dataset {
	return od.Dataset{Name: "generated", Module: "test", Title: "Generated rows", Description: "Rows computed for the memory test.",
		Fields: []od.Field{
			{Name: "id", Type: od.Integer, Description: "Row number.", Required: true},
			{Name: "checksum", Type: od.String, Description: "A checksum of the row.", Required: true},
			{Name: "value", Type: od.Integer, Description: "A value.", Required: true},
		},
		PrimaryKey: []string{"id"},
		Source: func(ctx context.Context, _ db.Querier, emit func(vals ...any) error) error {
			last := n
			if *generation > 1 {
				last += 500
			}
			for i := range last {
				v := i
				if *generation > 1 && i < n {
					switch i % 100 {
					case 0:
						continue
					case 1:
						v = -i
					}
				}
				sum := sha256.Sum256([]byte(strconv.Itoa(v)))
				if err := emit(int64(i), hex.EncodeToString(sum[:]), int64(v)); err != nil {
					return err
				}
			}
			return nil
		}}
}

// TestReleaseStaysInBoundedMemory makes two releases of a generated
// dataset of 400,000 rows (32 MB of CSV, a 16 MB zip) and fails when a
// release adds more than 30 MB of heap (testrig.HeapAdded, with the
// garbage collector at GOGC=25 while it measures, so that the figure is
// what is live rather than garbage not yet collected). Releases that held
// the previous release's digest as a map of every row, read the zip whole
// to store it and built the digest in a buffer added 42 and 55 MB on
// SQLite, 102 MB on PostgreSQL; these add 10-16 MB, most of it the digest
// sorter's run. It also checks the second release's changelog and that the
// zip reads back whole and in ranges.
func TestReleaseStaysInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("makes releases of 400,000 rows")
	}
	const rows = 400_000
	const bound = 30.0 // MB
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		generation := 1
		reg := &od.Registry{}
		if err := reg.Add(generated(rows, &generation)); err != nil {
			t.Fatal(err)
		}
		svc := opendata.NewService(rig.App.Services, reg)
		release := func() (*opendata.Release, float64) {
			t.Helper()
			defer debug.SetGCPercent(debug.SetGCPercent(25))
			var rel *opendata.Release
			var err error
			heap := testrig.HeapAdded(func() { rel, err = svc.CreateRelease(rig.Ctx, opendata.MadeBySecretariat) })
			if err != nil {
				t.Fatal(err)
			}
			return rel, heap
		}
		first, heap1 := release()
		generation = 2
		second, heap2 := release()
		t.Logf("heap added: %.1f MB by the first release, %.1f MB by the second (%d bytes of CSV, a %d-byte zip)", heap1, heap2, first.Files[0].Bytes, first.Bytes)
		if heap1 > bound || heap2 > bound {
			t.Errorf("a release of %d rows added %.1f and %.1f MB of heap, over %.0f MB: it holds something that grows with the rows", rows, heap1, heap2, bound)
		}
		if c := second.Changes[0]; c.Added != 500 || c.Changed != rows/100 || c.Withdrawn != rows/100 {
			t.Errorf("second release's changes: %+v, want 500 added, %d changed, %d withdrawn", c, rows/100, rows/100)
		}
		if first.Changes[0].Added != rows {
			t.Errorf("first release's changes: %+v", first.Changes[0])
		}

		public := rig.Anonymous(t)
		body := public.GetBody(t, "/data/releases/"+second.Version+"/download")
		sum := sha256.Sum256([]byte(body))
		if int64(len(body)) != second.Bytes || hex.EncodeToString(sum[:]) != second.SHA256 {
			t.Fatalf("the download is %d bytes, sha256 %x; the release says %d, %s", len(body), sum, second.Bytes, second.SHA256)
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if f.Name != "data/generated.csv" {
				continue
			}
			rc, _ := f.Open()
			n, _ := io.Copy(io.Discard, rc)
			rc.Close()
			if n != second.Files[0].Bytes {
				t.Errorf("the zip's CSV has %d bytes, the release says %d", n, second.Files[0].Bytes)
			}
		}
		// A range across a chunk's end (chunks are 1 MiB).
		resp := public.Do(t, "GET", "/data/releases/"+second.Version+"/download", nil, map[string]string{"Range": "bytes=1048000-1049999"})
		part := testrig.Body(resp)
		if resp.StatusCode != 206 || part != body[1048000:1050000] || resp.Header.Get("Content-Length") != "2000" {
			t.Errorf("Range: %d, %d bytes, Content-Length %s", resp.StatusCode, len(part), resp.Header.Get("Content-Length"))
		}
		resp = public.Do(t, "GET", "/data/releases/"+second.Version+"/download", nil, nil)
		testrig.Body(resp)
		if resp.Header.Get("Content-Length") != strconv.FormatInt(second.Bytes, 10) || resp.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("Content-Length %q, Accept-Ranges %q", resp.Header.Get("Content-Length"), resp.Header.Get("Accept-Ranges"))
		}
		resp = public.Do(t, "GET", "/data/releases/"+second.Version+"/download", nil, map[string]string{"If-None-Match": resp.Header.Get("ETag")})
		if b := testrig.Body(resp); resp.StatusCode != 304 || b != "" {
			t.Errorf("If-None-Match the ETag: %d, %d bytes, want 304", resp.StatusCode, len(b))
		}
	})
}

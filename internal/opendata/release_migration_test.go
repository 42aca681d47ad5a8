package opendata_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/opendata"
	"github.com/cybernorms/cybernorms/internal/platform"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/migrations"
)

// TestReleasesBeforeChunksStayReadable keeps a release as releases were
// kept before migration 1201 (the zip and the digest each one value),
// migrates, and checks that the zip is served whole, byte for byte, from
// the chunks the migration cut, and that the next release says what
// changed against the old digest.
func TestReleasesBeforeChunksStayReadable(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			d := testrig.OpenUnmigrated(t, kind)
			if _, err := d.Migrate(ctx, testrig.MigrationsBefore(t, "1201")); err != nil {
				t.Fatal(err)
			}
			// A zip of 2.5 MiB (three chunks) and the digest of 3,000 rows
			// of the generated dataset, as the earlier code wrote them.
			zipBody := make([]byte, 5<<19)
			rnd := rand.New(rand.NewPCG(3, 4))
			for i := range zipBody {
				zipBody[i] = byte(rnd.Uint32())
			}
			zipSum := sha256.Sum256(zipBody)
			const rows = 3000
			var digest bytes.Buffer
			gz := gzip.NewWriter(&digest)
			for i := range rows {
				fmt.Fprintf(gz, "generated\t%d\t%x\n", i, rowHash(int64(i), int64(i)))
			}
			fmt.Fprintf(gz, "retired-set\t1\t1\n")
			gz.Close()
			at := time.Now().UTC().Add(-48 * time.Hour)
			if _, err := d.ExecContext(ctx, `INSERT INTO opendata_releases (version, released_at, made_by, bytes, sha256, files_json, changes_json, zip, digest_gzip) VALUES (?, ?, 'cli', ?, ?, '[]', '[]', ?, ?)`,
				at.Format("2006-01-02"), at, len(zipBody), hex.EncodeToString(zipSum[:]), zipBody, digest.Bytes()); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Migrate(ctx, migrations.FS); err != nil {
				t.Fatal(err)
			}

			generation := 2
			reg := &od.Registry{}
			if err := reg.Add(generated(rows, &generation)); err != nil {
				t.Fatal(err)
			}
			svc := opendata.NewService(&platform.Services{DB: d, BaseURL: "http://cybernorms.test"}, reg)
			var got bytes.Buffer
			if err := svc.WriteZip(ctx, at.Format("2006-01-02"), &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), zipBody) {
				t.Fatalf("the old release's zip reads back as %d bytes, not the %d it was", got.Len(), len(zipBody))
			}
			rel, err := svc.CreateRelease(ctx, opendata.MadeBySchedule)
			if err != nil {
				t.Fatal(err)
			}
			if c := rel.Changes[0]; c.Added != 500 || c.Changed != rows/100 || c.Withdrawn != rows/100 {
				t.Errorf("changes against the old digest: %+v, want 500 added, %d changed, %d withdrawn", c, rows/100, rows/100)
			}
			// And the next against the new one: nothing changed, so the
			// scheduled release is skipped.
			if _, err := svc.CreateRelease(ctx, opendata.MadeBySchedule); err != opendata.ErrUnchanged {
				t.Errorf("a scheduled release with nothing changed: %v, want ErrUnchanged", err)
			}
		})
	}
}

// rowHash is the digest's hash of a generated row (FNV-1a of each cell and
// a NUL), as the release computes it.
func rowHash(id, v int64) uint64 {
	sum := sha256.Sum256([]byte(strconv.FormatInt(v, 10)))
	h := uint64(14695981039346656037)
	for _, c := range []string{strconv.FormatInt(id, 10), hex.EncodeToString(sum[:]), strconv.FormatInt(v, 10)} {
		for _, b := range []byte(c + "\x00") {
			h ^= uint64(b)
			h *= 1099511628211
		}
	}
	return h
}

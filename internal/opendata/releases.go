package opendata

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
)

// Who made a release.
const (
	MadeBySchedule    = "schedule"
	MadeBySecretariat = "secretariat"
	MadeByCLI         = "cli"
)

// JobRelease is the periodic job that makes the daily release.
const JobRelease = "opendata.release"

// ReleaseFile is one dataset's file in a release.
type ReleaseFile struct {
	Dataset string `json:"dataset"`
	Path    string `json:"path" doc:"inside the zip"`
	Rows    int64  `json:"rows"`
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// ReleaseChange counts what changed in a dataset since the previous release.
type ReleaseChange struct {
	Dataset   string `json:"dataset"`
	Added     int64  `json:"added"`
	Changed   int64  `json:"changed"`
	Withdrawn int64  `json:"withdrawn"`
}

// Release is a dated, immutable release of every dataset.
type Release struct {
	Version    string          `json:"version" doc:"the release date, YYYY-MM-DD, with .2, .3 … for later releases the same day"`
	ReleasedAt time.Time       `json:"released_at"`
	MadeBy     string          `json:"made_by" doc:"schedule, secretariat or cli"`
	Bytes      int64           `json:"bytes" doc:"size of the zip"`
	SHA256     string          `json:"sha256" doc:"of the zip"`
	URL        string          `json:"url" doc:"the zip's stable address"`
	Page       string          `json:"page" doc:"the release's page, with how to cite it"`
	Citation   string          `json:"citation" doc:"how to cite the release"`
	Files      []ReleaseFile   `json:"files"`
	Changes    []ReleaseChange `json:"changes" doc:"rows added, changed and withdrawn since the previous release, per dataset"`
}

// ErrNoRelease is returned for an unknown version.
var ErrNoRelease = errors.New("no such release")

// ErrUnchanged is returned by a scheduled release when nothing changed.
var ErrUnchanged = errors.New("nothing changed since the latest release")

// RegisterJobs installs the daily release.
func (s *Service) RegisterJobs() {
	s.P.Jobs.Register(JobRelease, func(ctx context.Context, _ json.RawMessage) error {
		_, err := s.CreateRelease(ctx, MadeBySchedule)
		if errors.Is(err, ErrUnchanged) {
			return nil
		}
		return err
	})
	s.P.Jobs.Every(JobRelease, 24*time.Hour)
}

// citationCFF is the release's citation in the Citation File Format
// (https://citation-file-format.github.io, version 1.2.0), which reference
// managers and repositories read.
func (s *Service) citationCFF(r *Release) string {
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	var b strings.Builder
	b.WriteString("cff-version: 1.2.0\n")
	b.WriteString("message: \"If you use these data, please cite them as below.\"\n")
	b.WriteString("type: dataset\n")
	fmt.Fprintf(&b, "title: %s\n", q("cybernorms open data, release "+r.Version))
	fmt.Fprintf(&b, "version: %s\n", q(r.Version))
	fmt.Fprintf(&b, "date-released: %s\n", r.ReleasedAt.UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "url: %s\n", q(s.P.Link("/data/releases/"+r.Version)))
	fmt.Fprintf(&b, "repository-artifact: %s\n", q(s.P.Link("/data/releases/"+r.Version+"/download")))
	fmt.Fprintf(&b, "license: %s\n", platform.DataLicence.ID)
	fmt.Fprintf(&b, "authors:\n  - name: %s\n", q(Publisher))
	b.WriteString("keywords:\n")
	for _, k := range Keywords {
		fmt.Fprintf(&b, "  - %s\n", q(k))
	}
	return b.String()
}

// Citation is the "how to cite" line of a release.
func (s *Service) Citation(version string, at time.Time) string {
	return fmt.Sprintf("%s (%d). cybernorms open data, release %s [Data set]. %s. Licence: %s.", Publisher,
		at.Year(), version, s.P.Link("/data/releases/"+version), platform.DataLicence.ID)
}

func (s *Service) decorate(r *Release) {
	r.URL = s.P.Link("/data/releases/" + r.Version + "/download")
	r.Page = s.P.Link("/data/releases/" + r.Version)
	r.Citation = s.Citation(r.Version, r.ReleasedAt)
	if r.Files == nil {
		r.Files = []ReleaseFile{}
	}
	if r.Changes == nil {
		r.Changes = []ReleaseChange{}
	}
}

// CreateRelease writes every dataset, from one consistent snapshot, into a
// zip with its datapackage.json, compares it with the previous release and
// keeps it. A scheduled release is skipped (ErrUnchanged) when no row
// changed; the secretariat and the CLI always get one.
//
// It holds no more than a few MB whatever the number of rows: the zip is
// written to a temporary file, hashed on the way, and stored in chunks; the
// rows' digest is sorted in bounded runs (digest.go) and compared with the
// previous release's as two sorted streams.
func (s *Service) CreateRelease(ctx context.Context, madeBy string) (*Release, error) {
	now := s.now()
	prev, err := s.previousRelease(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cybernorms-release-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	zf, err := os.Create(filepath.Join(dir, "release.zip"))
	if err != nil {
		return nil, err
	}
	defer zf.Close()
	zsum := sha256.New()
	zcount := &byteCounter{w: io.MultiWriter(zf, zsum)}
	zw := zip.NewWriter(zcount)
	rows := newDigestSorter(dir, digestRunBytes)
	defer rows.close()
	rel := &Release{ReleasedAt: now, MadeBy: madeBy}
	sets := s.Reg.All()
	err = od.Snapshot(ctx, s.P.DB, func(q db.Querier) error {
		for _, d := range sets {
			path := "data/" + d.Name + ".csv"
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: now})
			if err != nil {
				return err
			}
			sum := sha256.New()
			var rowErr error
			wr, err := d.WriteCSVRows(ctx, q, io.MultiWriter(fw, sum), func(key string, cells []string) {
				if rowErr == nil {
					rowErr = rows.add(rowDigest{dataset: d.Name, key: key, hash: hashCells(cells)})
				}
			})
			if err == nil {
				err = rowErr
			}
			if err != nil {
				return err
			}
			rel.Files = append(rel.Files, ReleaseFile{Dataset: d.Name, Path: path, Rows: wr.Rows, Bytes: wr.Bytes, SHA256: hex.EncodeToString(sum.Sum(nil))})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	changes, anyChange, err := s.compareDigests(ctx, prev, rows, dir, sets)
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	rel.Changes = changes
	if !anyChange && madeBy == MadeBySchedule {
		return nil, ErrUnchanged
	}
	if err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		v, err := nextVersion(ctx, tx, now)
		rel.Version = v
		return err
	}); err != nil {
		return nil, err
	}
	files := map[string]od.File{}
	for _, f := range rel.Files {
		files[f.Dataset] = od.File{Path: f.Path, Bytes: f.Bytes, SHA256: f.SHA256}
	}
	pkg, err := json.MarshalIndent(od.Package(s.PackageInfo(rel.Version, now, files), sets), "", "  ")
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		body []byte
	}{{"datapackage.json", pkg}, {"README.txt", []byte(s.readme(rel))}, {"CITATION.cff", []byte(s.citationCFF(rel))}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	rel.SHA256 = hex.EncodeToString(zsum.Sum(nil))
	rel.Bytes = zcount.n
	filesJSON, _ := json.Marshal(rel.Files)
	changesJSON, _ := json.Marshal(rel.Changes)
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		// The version is taken again inside the writing transaction: another
		// instance may have released meanwhile.
		v, err := nextVersion(ctx, tx, now)
		if err != nil {
			return err
		}
		if v != rel.Version {
			return fmt.Errorf("release: another release (%s) was made meanwhile; try again", rel.Version)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO opendata_releases (version, released_at, made_by, bytes, sha256, files_json, changes_json, digest_format) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			rel.Version, now, madeBy, rel.Bytes, rel.SHA256, string(filesJSON), string(changesJSON), digestSorted); err != nil {
			return fmt.Errorf("insert release: %w", err)
		}
		for _, p := range []struct{ part, file string }{{partZip, zf.Name()}, {partDigest, filepath.Join(dir, "digest.gz")}} {
			f, err := os.Open(p.file)
			if err != nil {
				return err
			}
			_, err = storeChunks(ctx, tx, rel.Version, p.part, f)
			f.Close()
			if err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "opendata.release.create", "opendata_release", rel.Version, nil, map[string]any{"version": rel.Version, "made_by": madeBy, "sha256": rel.SHA256, "bytes": rel.Bytes, "changes": rel.Changes})
	})
	if err != nil {
		return nil, err
	}
	s.decorate(rel)
	return rel, nil
}

// previous is the latest release's digest, as stored.
type previous struct {
	version string
	format  int
}

// previousRelease finds the latest release; nil before the first.
func (s *Service) previousRelease(ctx context.Context) (*previous, error) {
	var p previous
	err := s.P.DB.QueryRowContext(ctx, `SELECT version, digest_format FROM opendata_releases ORDER BY released_at DESC, version DESC LIMIT 1`).Scan(&p.version, &p.format)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// compareDigests merges the new release's rows (sorted now) with the
// previous release's digest, counts what changed per dataset (in the
// datasets' order) and writes the new digest, sorted, to dir/digest.gz.
// anyChange is whether any row or dataset was added, changed or withdrawn.
func (s *Service) compareDigests(ctx context.Context, prev *previous, rows *digestSorter, dir string, sets []od.Dataset) (changes []ReleaseChange, anyChange bool, err error) {
	var old digestStream
	if prev != nil {
		r := newChunkReader(ctx, s.P.DB, prev.version, partDigest, -1)
		st, closeOld, err := openDigest(r, prev.format, dir, digestRunBytes)
		if err != nil {
			return nil, false, fmt.Errorf("previous digest of %s: %w", prev.version, err)
		}
		defer closeOld()
		old = st
	}
	cur, err := rows.sorted()
	if err != nil {
		return nil, false, err
	}
	f, err := os.Create(filepath.Join(dir, "digest.gz"))
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	bw := bufio.NewWriterSize(gz, 64<<10)
	known := map[string]bool{}
	for _, d := range sets {
		known[d.Name] = true
	}
	counts, retired, err := changelog(old, cur, newDigestWriter(bw).write, func(name string) bool { return known[name] })
	if err != nil {
		return nil, false, err
	}
	if err := bw.Flush(); err != nil {
		return nil, false, err
	}
	if err := gz.Close(); err != nil {
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	anyChange = prev == nil || retired
	for _, d := range sets {
		ch := ReleaseChange{Dataset: d.Name}
		if c := counts[d.Name]; c != nil {
			ch = *c
		}
		if ch.Added+ch.Changed+ch.Withdrawn > 0 {
			anyChange = true
		}
		changes = append(changes, ch)
	}
	return changes, anyChange, nil
}

// byteCounter counts the bytes written through it.
type byteCounter struct {
	w io.Writer
	n int64
}

func (c *byteCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func nextVersion(ctx context.Context, q db.Querier, now time.Time) (string, error) {
	day := now.Format("2006-01-02")
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opendata_releases WHERE version = ? OR version LIKE ?`, day, day+".%").Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		return day, nil
	}
	return day + "." + strconv.Itoa(n+1), nil
}

func (s *Service) readme(r *Release) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cybernorms open data, release %s\n\nReleased %s. Licence: %s (%s).\n\nHow to cite:\n%s\n\n",
		r.Version, r.ReleasedAt.Format(time.RFC3339), platform.DataLicence.Name, platform.DataLicence.URL, s.Citation(r.Version, r.ReleasedAt))
	b.WriteString("CITATION.cff holds the same citation in the Citation File Format.\n\n")
	b.WriteString("datapackage.json describes every file (a Frictionless Data Package with a Table Schema per file); the codebook of each dataset is at " + s.P.Link("/data") + ".\n\nFiles:\n")
	for _, f := range r.Files {
		fmt.Fprintf(&b, "  %s  %d rows  sha256 %s\n", f.Path, f.Rows, f.SHA256)
	}
	return b.String()
}

const releaseCols = `version, released_at, made_by, bytes, sha256, files_json, changes_json`

func (s *Service) scanRelease(row interface{ Scan(...any) error }) (*Release, error) {
	var r Release
	var files, changes string
	if err := row.Scan(&r.Version, &r.ReleasedAt, &r.MadeBy, &r.Bytes, &r.SHA256, &files, &changes); err != nil {
		return nil, err
	}
	r.ReleasedAt = r.ReleasedAt.UTC()
	if err := json.Unmarshal([]byte(files), &r.Files); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(changes), &r.Changes); err != nil {
		return nil, err
	}
	s.decorate(&r)
	return &r, nil
}

// Releases lists the releases, newest first.
func (s *Service) Releases(ctx context.Context) ([]Release, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+releaseCols+` FROM opendata_releases ORDER BY released_at DESC, version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Release{}
	for rows.Next() {
		r, err := s.scanRelease(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// Latest is the newest release, nil before the first.
func (s *Service) Latest(ctx context.Context) (*Release, error) {
	r, err := s.scanRelease(s.P.DB.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM opendata_releases ORDER BY released_at DESC, version DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// ReleaseByVersion returns one release ("latest" is the newest).
func (s *Service) ReleaseByVersion(ctx context.Context, version string) (*Release, error) {
	if version == "latest" {
		r, err := s.Latest(ctx)
		if err == nil && r == nil {
			err = ErrNoRelease
		}
		return r, err
	}
	r, err := s.scanRelease(s.P.DB.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM opendata_releases WHERE version = ?`, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoRelease
	}
	return r, err
}

// WriteZip writes a release's zip.
func (s *Service) WriteZip(ctx context.Context, version string, w io.Writer) error {
	rel, err := s.ReleaseByVersion(ctx, version)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, s.openZip(ctx, rel))
	return err
}

// openZip reads a release's zip from its chunks, one chunk (1 MiB) in
// memory at a time; it seeks, for Range requests.
func (s *Service) openZip(ctx context.Context, rel *Release) *chunkReader {
	return newChunkReader(ctx, s.P.DB, rel.Version, partZip, rel.Bytes)
}

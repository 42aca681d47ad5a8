package opendata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// A release's zip and digest are kept in opendata_release_chunks as rows
// of chunkSize bytes (the last one of a part fewer), so that they are
// written and read as streams: nothing holds a whole zip or digest.
const chunkSize = 1 << 20

// The parts of a release.
const (
	partZip    = "zip"
	partDigest = "digest"
)

// storeChunks copies r into the release's part, chunkSize bytes a row.
func storeChunks(ctx context.Context, tx *db.Tx, version, part string, r io.Reader) (int64, error) {
	buf := make([]byte, chunkSize)
	var total int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO opendata_release_chunks (version, part, seq, data) VALUES (?, ?, ?, ?)`, version, part, seq, buf[:n]); err != nil {
				return total, fmt.Errorf("store %s of %s: %w", part, version, err)
			}
			total += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// chunkReader reads a release's part from its chunks, one chunk in memory
// at a time, and seeks (for Range requests).
type chunkReader struct {
	ctx     context.Context
	q       db.Querier
	version string
	part    string
	size    int64 // -1 when unknown: read until the chunks end
	off     int64
	seq     int64 // the chunk in buf, -1 none
	buf     []byte
	// err is the first error of a read other than the end.
	err error
}

func newChunkReader(ctx context.Context, q db.Querier, version, part string, size int64) *chunkReader {
	return &chunkReader{ctx: ctx, q: q, version: version, part: part, size: size, seq: -1}
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.size >= 0 && c.off >= c.size {
		return 0, io.EOF
	}
	if seq := c.off / chunkSize; seq != c.seq {
		err := c.load(seq)
		if errors.Is(err, sql.ErrNoRows) {
			if c.size < 0 {
				return 0, io.EOF
			}
			err = fmt.Errorf("release %s: %s: chunk %d missing", c.version, c.part, seq)
		}
		if err != nil {
			c.err = err
			return 0, err
		}
		c.seq = seq
	}
	at := int(c.off % chunkSize)
	if at >= len(c.buf) {
		if c.size < 0 {
			return 0, io.EOF
		}
		c.err = fmt.Errorf("release %s: %s: chunk %d is short", c.version, c.part, c.seq)
		return 0, c.err
	}
	n := copy(p, c.buf[at:])
	c.off += int64(n)
	return n, nil
}

// load reads chunk seq into buf, reusing it.
func (c *chunkReader) load(seq int64) error {
	c.seq = -1
	rows, err := c.q.QueryContext(c.ctx, `SELECT data FROM opendata_release_chunks WHERE version = ? AND part = ? AND seq = ?`, c.version, c.part, seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	var data sql.RawBytes
	if err := rows.Scan(&data); err != nil {
		return err
	}
	c.buf = append(c.buf[:0], data...)
	return rows.Close()
}

func (c *chunkReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		if c.size < 0 {
			return 0, errors.New("chunks: seek from an unknown end")
		}
		offset += c.size
	default:
		return 0, errors.New("chunks: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("chunks: seek before the start")
	}
	c.off = offset
	return offset, nil
}

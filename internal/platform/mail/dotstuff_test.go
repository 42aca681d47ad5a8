package mail

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/textproto"
	"strings"
	"testing"
)

// dotWriterOutput is what net/textproto's DotWriter makes of data.
func dotWriterOutput(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	w := textproto.NewWriter(bw).DotWriter()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dotStuffedOutput(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriterSize(&b, 16)
	if err := writeDotStuffed(bw, data, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWriteDotStuffedMatchesTextproto(t *testing.T) {
	cases := []string{
		"", ".", "..", "a", "a\r\n", "a\n", ".a\r\n.b\n.\r\n", "a\r", "a\rb\r\n",
		"\r\n", "\n", "\n.", "line\r\n.\r\nmore", ".\n.\n", "x\r\n\r\n.y",
		strings.Repeat("=3D quoted-printable line of text\r\n", 200),
	}
	// Random messages from an alphabet rich in the characters that matter,
	// never with two carriage returns in a row (where DotWriter loses track
	// of the first one; no message the pool sends has a bare CR).
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []byte(".\r\n\n ab=")
	for range 2000 {
		n := rng.IntN(40)
		var b []byte
		for range n {
			c := alphabet[rng.IntN(len(alphabet))]
			if c == '\r' && len(b) > 0 && b[len(b)-1] == '\r' {
				continue
			}
			b = append(b, c)
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		want := dotWriterOutput(t, []byte(c))
		got := dotStuffedOutput(t, []byte(c))
		if !bytes.Equal(got, want) {
			t.Fatalf("data %q: wrote %q, DotWriter writes %q", c, got, want)
		}
	}
}

func BenchmarkWriteDotStuffed(b *testing.B) {
	raw, err := Render(templateMessage2(), renderTime)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(discardWriter{})
	b.SetBytes(int64(len(raw)))
	b.Run("lines", func(b *testing.B) {
		for range b.N {
			_ = writeDotStuffed(bw, raw, nil)
		}
	})
	b.Run("textproto", func(b *testing.B) {
		tw := textproto.NewWriter(bw)
		for range b.N {
			w := tw.DotWriter()
			_, _ = w.Write(raw)
			_ = w.Close()
		}
	})
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func templateMessage2() Message {
	m := templateMessage()
	m.To = "a@example.org"
	return m
}

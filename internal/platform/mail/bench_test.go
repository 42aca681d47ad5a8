package mail

import (
	"net"
	"net/smtp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchWorkers is the number of concurrent senders in the SMTP benchmarks,
// and the size of the pool: the bare client gets one connection per worker.
const benchWorkers = 4

// BenchmarkSMTPPoolSend sends b.N messages from benchWorkers goroutines
// through a pool of benchWorkers connections to a loopback sink. Each
// message is rendered, so the figure is the whole cost of a bulletin.
func BenchmarkSMTPPoolSend(b *testing.B) {
	s := startSink(b, sinkOptions{discard: true})
	pool, err := NewSMTPPool(s.config(), benchWorkers)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	b.ReportAllocs()
	b.ResetTimer()
	sendAll(b, pool, b.N, benchWorkers)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSMTPPoolSendDKIM is BenchmarkSMTPPoolSend with each message
// signed, to show what each kind of key costs.
func BenchmarkSMTPPoolSendDKIM(b *testing.B) {
	keys := []struct {
		name string
		key  func(testing.TB) dkimKey
	}{
		{"rsa2048", func(tb testing.TB) dkimKey { return newRSAKey(tb, 2048) }},
		{"ed25519", newEd25519Key},
	}
	for _, k := range keys {
		b.Run(k.name, func(b *testing.B) {
			s := startSink(b, sinkOptions{discard: true})
			cfg := s.config()
			cfg.DKIM = &DKIMConfig{Domain: "cybernorms.example", Selector: "s", PrivateKeyPEM: k.key(b).pem}
			pool, err := NewSMTPPool(cfg, benchWorkers)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			b.ReportAllocs()
			b.ResetTimer()
			sendAll(b, pool, b.N, benchWorkers)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkBareSMTPClient is the baseline for BenchmarkSMTPPoolSend: the
// same number of messages over net/smtp, one connection per worker, with
// no rendering (one message rendered beforehand, sent to each recipient in
// turn), no RSET and no DKIM: the most a client can get from the sink.
func BenchmarkBareSMTPClient(b *testing.B) {
	s := startSink(b, sinkOptions{discard: true})
	m := testMessage(0)
	m.From = "bulletin@cybernorms.example"
	raw, err := Render(m, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	clients := make([]*smtp.Client, benchWorkers)
	for i := range clients {
		c, err := smtp.Dial(addr)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Hello("bench.cybernorms.example"); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
		defer c.Quit()
	}

	b.ReportAllocs()
	b.ResetTimer()
	next := make(chan int)
	errs := make(chan error, benchWorkers)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for n := range next {
				if err := bareSend(c, "bulletin@cybernorms.example", testMessage(n).To, raw); err != nil {
					errs <- err
					for range next {
					}
					return
				}
			}
		})
	}
	for n := range b.N {
		next <- n
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// bareSend is one mail transaction with net/smtp.
func bareSend(c *smtp.Client, from, to string, raw []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

// BenchmarkRender measures rendering alone, the part of the pool's cost that
// the bare client does not pay.
func BenchmarkRender(b *testing.B) {
	m := testMessage(1)
	m.From = "Secretariat <bulletin@cybernorms.example>"
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(m, now); err != nil {
			b.Fatal(err)
		}
	}
}

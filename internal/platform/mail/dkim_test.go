package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimKey is a test key pair with its PEM and its DNS record.
type dkimKey struct {
	pem    string
	record string
}

func newRSAKey(t testing.TB, bits int) dkimKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return dkimKey{
		pem:    string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		record: "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub),
	}
}

func newEd25519Key(t testing.TB) dkimKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return dkimKey{
		pem:    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		record: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub),
	}
}

func TestSMTPPoolSignsWithDKIM(t *testing.T) {
	tests := []struct {
		name      string
		key       dkimKey
		algorithm string
	}{
		{"with an RSA key", newRSAKey(t, 2048), "rsa-sha256"},
		{"with an Ed25519 key", newEd25519Key(t), "ed25519-sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSink(t, sinkOptions{})
			cfg := s.config()
			cfg.DKIM = &DKIMConfig{Domain: "cybernorms.example", Selector: "bulletin2025", PrivateKeyPEM: tt.key.pem}
			pool, err := NewSMTPPool(cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			m := testMessage(1)
			m.Subject = "Réunion — ordre du jour"
			if err := pool.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			data := s.received()[0].Data
			if !bytes.HasPrefix(data, []byte("DKIM-Signature:")) {
				t.Fatalf("message does not start with a DKIM signature:\n%s", data)
			}
			sig := headerOf(t, data, "DKIM-Signature")
			for _, tag := range []string{"a=" + tt.algorithm, "c=relaxed/relaxed", "d=cybernorms.example", "s=bulletin2025"} {
				if !strings.Contains(strings.Join(strings.Fields(sig), ""), tag) {
					t.Errorf("signature %q lacks %q", sig, tag)
				}
			}

			lookups := 0
			verifications, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{
				LookupTXT: func(domain string) ([]string, error) {
					lookups++
					if domain != "bulletin2025._domainkey.cybernorms.example" {
						return nil, fmt.Errorf("no record for %s", domain)
					}
					return []string{tt.key.record}, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(verifications) != 1 || verifications[0].Err != nil {
				t.Fatalf("verifications = %+v, want one that passes", verifications)
			}
			if lookups != 1 {
				t.Errorf("%d key look-ups, want 1", lookups)
			}
			signed := strings.ToLower(strings.Join(verifications[0].HeaderKeys, ":"))
			for _, h := range []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"} {
				if !strings.Contains(":"+signed+":", ":"+h+":") {
					t.Errorf("signed headers %q lack %s", signed, h)
				}
			}

			// A changed body no longer verifies.
			tampered := bytes.Replace(data, []byte("Monday"), []byte("Friday"), 1)
			verifications, err = dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{
				LookupTXT: func(string) ([]string, error) { return []string{tt.key.record}, nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(verifications) != 1 || verifications[0].Err == nil {
				t.Errorf("a tampered message verified")
			}
		})
	}
}

func TestParsePrivateKeyRefusesWeakOrForeignKeys(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))
	tests := []struct {
		name string
		pem  string
		want string
	}{
		{"no PEM at all", "not a key", "no PEM block"},
		{"a certificate instead of a key", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "unsupported PEM block"},
		{"an ECDSA key, which DKIM does not define", ecPEM, "unsupported key type"},
		{"a corrupt PKCS #8 key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parsePrivateKey(tt.pem)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parsePrivateKey = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

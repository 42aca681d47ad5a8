package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// minRSABits is the smallest RSA key that verifiers accept (RFC 8301).
const minRSABits = 1024

// DKIMConfig signs outgoing messages with DKIM (RFC 6376).
type DKIMConfig struct {
	// Domain is the signing domain (d=), usually the From domain.
	Domain string
	// Selector names the key (s=): its public half is published in DNS at
	// <Selector>._domainkey.<Domain>.
	Selector string
	// PrivateKeyPEM is an RSA key (PKCS #1 or PKCS #8, at least 1024 bits,
	// 2048 recommended) or an Ed25519 key (PKCS #8), PEM-encoded.
	PrivateKeyPEM string
}

// dkimSigner holds a parsed key; it is safe for concurrent use.
type dkimSigner struct {
	options dkim.SignOptions
}

// CheckDKIM reports whether cfg can sign: a domain, a selector and a key
// that parses (RSA of 2048 bits or more recommended, or Ed25519). The server
// calls it at start, so a bad key is a start-up error, not a failed send.
func CheckDKIM(cfg DKIMConfig) error {
	_, err := newDKIMSigner(cfg)
	return err
}

// newDKIMSigner parses the key of cfg once, so that signing does not.
func newDKIMSigner(cfg DKIMConfig) (*dkimSigner, error) {
	if cfg.Domain == "" || cfg.Selector == "" {
		return nil, errors.New("dkim: domain and selector are required")
	}
	key, err := parsePrivateKey(cfg.PrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	return &dkimSigner{options: dkim.SignOptions{
		Domain:                 cfg.Domain,
		Selector:               cfg.Selector,
		Signer:                 key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		// Nil HeaderKeys signs every header field present, which includes
		// List-Unsubscribe and List-Unsubscribe-Post as RFC 8058 requires.
	}}, nil
}

// sign returns raw with a DKIM-Signature header field prepended.
func (s *dkimSigner) sign(raw []byte) ([]byte, error) {
	options := s.options
	signer, err := dkim.NewSigner(&options)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if _, err := signer.Write(raw); err != nil {
		_ = signer.Close()
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if err := signer.Close(); err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	sig := signer.Signature()
	var b bytes.Buffer
	b.Grow(len(sig) + len(raw))
	b.WriteString(sig)
	b.Write(raw)
	return b.Bytes(), nil
}

// parsePrivateKey reads an RSA or Ed25519 private key in PEM.
func parsePrivateKey(pemText string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("dkim: no PEM block in private key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("dkim: unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim: private key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("dkim: RSA key of %d bits is too short", k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("dkim: unsupported key type %T", key)
	}
}

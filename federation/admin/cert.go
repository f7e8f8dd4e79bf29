package admin

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/pki"
)

// DefaultValidity is how long a new organization certificate is valid:
// Exchange's self-signed federation certificates are made for five years,
// and a long validity keeps rollovers rare.
const DefaultValidity = 5 * 365 * 24 * time.Hour

// CertificateOptions describe a new organization certificate.
type CertificateOptions struct {
	// CommonName is the subject; empty means "Federated Sharing".
	CommonName string
	// Bits is the RSA key size; zero means 2048, less is refused.
	Bits int
	// Validity is how long the certificate is valid; zero means
	// [DefaultValidity].
	Validity time.Duration
	// Import, if set, is an existing certificate and key (for example
	// CA-issued, read with [ParseCertificate]) to use instead of making
	// one; the other fields are ignored. It must meet the federation
	// requirements (keyring.Check): RSA 2048 or more, a Subject Key
	// Identifier, Client Authentication, current, the key its own.
	Import *keyring.Pair
}

// Certificate describes an organization certificate, without its key.
type Certificate struct {
	// Slot is Current, Next or Previous.
	Slot keyring.Slot
	// Thumbprint is the SHA-1 of the certificate as Windows shows it.
	Thumbprint string
	Subject    string
	NotBefore  time.Time
	NotAfter   time.Time
}

// NewCertificate creates the organization (federation) certificate, like
// New-ExchangeCertificate -Services Federation: self-signed, RSA 2048 or
// more, with a Subject Key Identifier and the client-authentication usage.
// The key is written with mode 0600 and never leaves the directory. It
// refuses to replace a current certificate: use [Org.Rollover].
func (o *Org) NewCertificate(ctx context.Context, opts CertificateOptions) (Certificate, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.loadState()
	if err != nil {
		return Certificate{}, err
	}
	if s.Current != "" {
		return Certificate{}, fail(ErrCertificateExists, nil, fmt.Sprintf("%s already has organization certificate %s", o.dir, s.Current),
			"run rollover to replace it, or use another -dir for another organization")
	}
	p, err := o.newPair(opts)
	if err != nil {
		return Certificate{}, err
	}
	thumb, err := o.savePair(p)
	if err != nil {
		return Certificate{}, err
	}
	s.Current = thumb
	if err := o.saveState(s); err != nil {
		return Certificate{}, err
	}
	if o.ring, err = keyring.New(p); err != nil {
		return Certificate{}, err
	}
	o.log.InfoContext(ctx, "admin: organization certificate created", "thumbprint", thumb)
	return describe(p, keyring.Current), nil
}

// newPair makes a certificate with its key. Serial, SKI and key come from
// crypto/rand; only the validity dates come from the injected clock.
func (o *Org) newPair(opts CertificateOptions) (keyring.Pair, error) {
	if opts.Import != nil {
		return o.checkImport(*opts.Import)
	}
	if opts.CommonName == "" {
		opts.CommonName = "Federated Sharing"
	}
	if opts.Validity == 0 {
		opts.Validity = DefaultValidity
	}
	if opts.Bits != 0 && opts.Bits < 2048 {
		return keyring.Pair{}, fail(ErrInvalid, nil, fmt.Sprintf("a %d-bit key is too small", opts.Bits), "use 2048 bits or more")
	}
	nb := o.now().Add(-time.Hour).Truncate(time.Second) // tolerate partners' clocks running behind
	c, k, err := pki.New(pki.Options{
		CommonName:  opts.CommonName,
		Bits:        opts.Bits,
		NotBefore:   nb,
		NotAfter:    nb.Add(opts.Validity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return keyring.Pair{}, fail(ErrInvalid, err, "create the certificate", "")
	}
	return keyring.Pair{Cert: c, Key: k}, nil
}

func describe(p keyring.Pair, slot keyring.Slot) Certificate {
	return Certificate{
		Slot: slot, Thumbprint: dnsproof.Thumbprint(p.Cert), Subject: p.Cert.Subject.String(),
		NotBefore: p.Cert.NotBefore, NotAfter: p.Cert.NotAfter,
	}
}

// Certificates lists the organization certificates, current first, then
// next, then previous.
func (o *Org) Certificates() []Certificate {
	ring := o.Keys()
	if ring == nil {
		return nil
	}
	set := ring.Snapshot()
	out := []Certificate{describe(set.Current, keyring.Current)}
	if set.Next != nil {
		out = append(out, describe(*set.Next, keyring.Next))
	}
	if set.Previous != nil {
		out = append(out, describe(*set.Previous, keyring.Previous))
	}
	return out
}

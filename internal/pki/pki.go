// Package pki creates and inspects the certificates fedavail uses: organization
// (federation) certificates identified by their Subject Key Identifier, trust
// broker signing certificates, and TLS certificates.
package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// SubjectKeyID computes a Subject Key Identifier the way RFC 5280 section
// 4.2.1.2 method (1) says, and the way Windows does: SHA-1 of the
// subjectPublicKey bit string.
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}

// SKI returns the certificate's Subject Key Identifier extension, or the
// computed one when the certificate has none.
func SKI(c *x509.Certificate) []byte {
	if len(c.SubjectKeyId) > 0 {
		return c.SubjectKeyId
	}
	ski, err := SubjectKeyID(c.PublicKey)
	if err != nil {
		return nil
	}
	return ski
}

// FindBySKI returns the first certificate whose SKI equals ski, or nil.
func FindBySKI(certs []*x509.Certificate, ski []byte) *x509.Certificate {
	if len(ski) == 0 {
		return nil
	}
	for _, c := range certs {
		if c != nil && bytes.Equal(SKI(c), ski) {
			return c
		}
	}
	return nil
}

// Options describe a certificate to create.
type Options struct {
	CommonName   string
	Organization string
	DNSNames     []string
	IPAddresses  []net.IP
	NotBefore    time.Time // zero: an hour ago
	NotAfter     time.Time // zero: NotBefore + 5 years
	IsCA         bool
	KeyUsage     x509.KeyUsage
	ExtKeyUsage  []x509.ExtKeyUsage
	// Bits is the RSA key size; zero means 2048.
	Bits int
	// Key is used instead of generating one.
	Key *rsa.PrivateKey
	// Parent and ParentKey sign the certificate; nil means self-signed.
	Parent    *x509.Certificate
	ParentKey crypto.Signer
}

// New creates a certificate (with a Subject Key Identifier) and its key.
func New(o Options) (*x509.Certificate, *rsa.PrivateKey, error) {
	key := o.Key
	if key == nil {
		bits := o.Bits
		if bits == 0 {
			bits = 2048
		}
		if bits < 2048 {
			return nil, nil, fmt.Errorf("pki: RSA keys must have at least 2048 bits, not %d", bits)
		}
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, bits); err != nil {
			return nil, nil, err
		}
	}
	ski, err := SubjectKeyID(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	nb := o.NotBefore
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour).Truncate(time.Second)
	}
	na := o.NotAfter
	if na.IsZero() {
		na = nb.AddDate(5, 0, 0)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: o.CommonName},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              o.KeyUsage,
		ExtKeyUsage:           o.ExtKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  o.IsCA,
		SubjectKeyId:          ski,
		DNSNames:              o.DNSNames,
		IPAddresses:           o.IPAddresses,
	}
	if o.Organization != "" {
		tmpl.Subject.Organization = []string{o.Organization}
	}
	parent, signer := tmpl, crypto.Signer(key)
	if o.Parent != nil {
		if o.ParentKey == nil {
			return nil, nil, errors.New("pki: Parent without ParentKey")
		}
		parent, signer = o.Parent, o.ParentKey
		tmpl.AuthorityKeyId = SKI(o.Parent)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// CertPEM encodes a certificate as PEM.
func CertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// KeyPEM encodes a private key as PKCS#8 PEM.
func KeyPEM(k crypto.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseCertsPEM reads every CERTIFICATE block of a PEM file.
func ParseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("pki: no CERTIFICATE block found")
	}
	return out, nil
}

// ParseRSAKeyPEM reads the first private key (PKCS#8 or PKCS#1) of a PEM file.
func ParseRSAKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("pki: no private key block found")
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("pki: private key is %T, want RSA", k)
			}
			return rk, nil
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(b.Bytes)
		}
	}
}

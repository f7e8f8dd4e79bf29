package fedtest

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/fedavail/fedavail/internal/pki"
)

// KeyPair is a certificate and its RSA private key.
type KeyPair struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// SKI returns the certificate's Subject Key Identifier.
func (k *KeyPair) SKI() []byte { return pki.SKI(k.Cert) }

// TLSCertificate returns the pair as a tls.Certificate.
func (k *KeyPair) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{k.Cert.Raw}, PrivateKey: k.Key, Leaf: k.Cert}
}

// CA is a certificate authority for TLS test servers.
type CA struct {
	KeyPair
}

// NewCA creates a CA valid from an hour ago for ten years.
func NewCA() (*CA, error) {
	c, k, err := pki.New(pki.Options{
		CommonName: "fedtest root CA", Organization: "fedavail tests", IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		NotAfter: time.Now().AddDate(10, 0, 0),
	})
	if err != nil {
		return nil, err
	}
	return &CA{KeyPair{Cert: c, Key: k}}, nil
}

// Pool returns a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Issue creates a TLS server certificate for hosts (names or IP addresses),
// valid for both server and client authentication.
func (ca *CA) Issue(hosts ...string) (*KeyPair, error) {
	o := pki.Options{
		CommonName: "fedtest server", Parent: ca.Cert, ParentKey: ca.Key,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if len(hosts) > 0 {
		o.CommonName = hosts[0]
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			o.IPAddresses = append(o.IPAddresses, ip)
		} else {
			o.DNSNames = append(o.DNSNames, h)
		}
	}
	c, k, err := pki.New(o)
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: c, Key: k}, nil
}

// ClientTLSConfig trusts only the CA and requires TLS 1.2 or later.
func (ca *CA) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
}

// HTTPClient returns a client that trusts only the CA, uses no proxy and
// dials every host name at 127.0.0.1 ports given by dial (host:port →
// 127.0.0.1:port'); a nil dial map dials addresses as given.
func (ca *CA) HTTPClient(dial map[string]string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		TLSClientConfig:     ca.ClientTLSConfig(),
		Proxy:               nil,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := dial[addr]; ok {
				addr = to
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// NewTLSServer starts an httptest server on 127.0.0.1 with a certificate from
// the CA for hosts plus 127.0.0.1. Close it when done.
func (ca *CA) NewTLSServer(h http.Handler, hosts ...string) (*httptest.Server, error) {
	kp, err := ca.Issue(append(append([]string(nil), hosts...), "127.0.0.1", "localhost")...)
	if err != nil {
		return nil, err
	}
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{kp.TLSCertificate()}, MinVersion: tls.VersionTLS12}
	s.StartTLS()
	return s, nil
}

// NewOrgCert creates a self-signed organization (federation) certificate like
// the one New-ExchangeCertificate makes for a federation trust: RSA 2048,
// Subject Key Identifier, client-authentication usage, five years.
func NewOrgCert(commonName string) (*KeyPair, error) {
	c, k, err := pki.New(pki.Options{
		CommonName:  commonName,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: c, Key: k}, nil
}

// NewBrokerCert creates a self-signed trust broker (STS) token-signing
// certificate, like the Federation Gateway's "Live ID STS Signing Public Key".
func NewBrokerCert(commonName string) (*KeyPair, error) {
	c, k, err := pki.New(pki.Options{
		CommonName: commonName,
		KeyUsage:   x509.KeyUsageDigitalSignature,
	})
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: c, Key: k}, nil
}

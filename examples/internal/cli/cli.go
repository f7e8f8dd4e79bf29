// Package cli holds what the example commands share about their command
// lines: the HTTP client that trusts the -ca file, the resolver that asks the
// -dns server.
package cli

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/fedavail/fedavail/transport"
)

// DialFunc opens network connections, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// HTTPClient returns a client from transport.New that trusts the PEM
// certificates of caFile as well as the system's (caFile "" adds none) and
// opens connections with dial (nil dials as usual; tests reach partners'
// host names on loopback with it). Errors name the flag -ca and say what to
// give instead.
func HTTPClient(caFile string, dial DialFunc) (*http.Client, error) {
	tc := transport.Config{DialContext: dial}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("-ca: %w: give a readable PEM file", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-ca: %s has no PEM certificate: give the CA's certificate in PEM form", caFile)
		}
		tc.RootCAs = pool
	}
	return transport.New(tc)
}

// Resolver returns a resolver that sends every query to the DNS server at
// addr, a -dns flag's "host:port". Callers keep the system resolver when the
// flag is empty rather than calling Resolver with "": the packages take a
// nil resolver to mean the system's, which a nil *net.Resolver in an
// interface would not be.
func Resolver(addr string) (*net.Resolver, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("-dns %q: %v: give host:port, e.g. 192.0.2.53:53", addr, err)
	}
	var d net.Dialer
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}, nil
}

// DialVia returns a DialFunc that looks host names up with res, so that a
// -dns server also decides where connections go (a walkthrough on one
// machine names its servers in its own DNS).
func DialVia(res *net.Resolver) DialFunc {
	d := &net.Dialer{Resolver: res, Timeout: 30 * time.Second}
	return d.DialContext
}

// Package cli holds what the example commands share about their command
// lines: reading the -ca file into the HTTP client that reaches the trust
// broker and partners.
package cli

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/fedavail/fedavail/transport"
)

// HTTPClient returns a client from transport.New that trusts the PEM
// certificates of caFile as well as the system's (caFile "" adds none).
// Errors name the flag -ca.
func HTTPClient(caFile string) (*http.Client, error) {
	tc := transport.Config{}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-ca %s: no PEM certificate in it", caFile)
		}
		tc.RootCAs = pool
	}
	return transport.New(tc)
}

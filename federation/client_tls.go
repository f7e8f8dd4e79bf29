package federation

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// TLSVersionError is the cause of an [AttendeeError] when a partner's
// server (its Autodiscover, its EWS, or a trust broker) would only speak
// TLS 1.0 or 1.1, which the client refuses unless the host is allowed to:
// see Config.LegacyTLSPartners and transport.Config.LegacyTLSHosts.
type TLSVersionError struct {
	// Host is the server's host name.
	Host string
	// Err is the handshake's failure, as net/http returned it: a *url.Error
	// around the TLS alert or version error.
	Err error
}

func (e *TLSVersionError) Error() string {
	return fmt.Sprintf("federation: %s speaks only TLS below 1.2, refused unless its partner is in Config.LegacyTLSPartners or the host in Config.Transport.LegacyTLSHosts: %v", e.Host, e.Err)
}

// Unwrap returns the handshake's failure.
func (e *TLSVersionError) Unwrap() error { return e.Err }

// tlsVersionFailure returns err as a *TLSVersionError when somewhere in it a
// request failed because the server and the client share no TLS version,
// else err unchanged. crypto/tls reports this with untyped errors, so the
// failure is recognised by its text: the server's protocol_version alert,
// or the client's refusal of the version the server picked.
func tlsVersionFailure(err error) error {
	var found *url.Error
	walkErrors(err, func(e error) bool {
		ue, ok := e.(*url.Error)
		if !ok {
			return false
		}
		var op *net.OpError
		msg := ue.Err.Error()
		if (errors.As(ue.Err, &op) && op.Op == "remote error" && strings.HasSuffix(op.Err.Error(), "protocol version not supported")) ||
			strings.Contains(msg, "tls: server selected unsupported protocol version") {
			found = ue
			return true
		}
		return false
	})
	if found == nil {
		return err
	}
	host := found.URL
	if u, perr := url.Parse(found.URL); perr == nil {
		host = u.Hostname()
	}
	return &TLSVersionError{Host: host, Err: err}
}

// walkErrors calls f on err and everything it wraps, depth first, until f
// returns true.
func walkErrors(err error, f func(error) bool) bool {
	if err == nil {
		return false
	}
	if f(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walkErrors(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if walkErrors(e, f) {
				return true
			}
		}
	}
	return false
}

// legacyTLSHosts returns the transport host-list entries of the partner
// domains: each domain and every name under it, where partners keep their
// Autodiscover and EWS servers.
func legacyTLSHosts(domains []string) ([]string, error) {
	var hosts []string
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, "*:/[]; ,<>") || !strings.Contains(d, ".") {
			return nil, fmt.Errorf("federation: Config.LegacyTLSPartners: %q is not a domain name", d)
		}
		hosts = append(hosts, d, "*."+d)
	}
	return hosts, nil
}

package diag

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/fedavail/fedavail"
)

// problem is a failure in words: what happened, why it most likely happened,
// and what to do.
type problem struct {
	detail, cause, fix string
}

// reachProblem explains why a request to what (a phrase such as "the trust
// broker's metadata") at addr did not get an answer. It recognizes the usual
// network failures an administrator can act on; anything else is reported as
// it is.
func reachProblem(what, addr string, err error) problem {
	p := problem{detail: err.Error()}
	host := addr
	if u, perr := url.Parse(addr); perr == nil && u.Host != "" {
		host = u.Host
	}
	var (
		dnsErr   *net.DNSError
		opErr    *net.OpError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verifErr *tls.CertificateVerificationError
		httpErr  *fedavail.HTTPError
		fault    *fedavail.Fault
	)
	switch {
	case errors.As(err, &httpErr):
		p.detail = fmt.Sprintf("%s answered HTTP %d", redact(httpErr.URL), httpErr.StatusCode)
		p.cause = fmt.Sprintf("%s answered with an error instead of the document or service expected", what)
		p.fix = "check the URL; if it is right, the service behind it is misconfigured or down"
	case errors.As(err, &fault):
		p.cause = fmt.Sprintf("%s answered with a SOAP fault: %s", what, firstNonEmpty(fault.Message, fault.Reason, fault.Code))
		p.fix = "read the fault's reason; it names what the service refused"
	case errors.As(err, &dnsErr):
		p.cause = fmt.Sprintf("the host name of %s (%s) does not resolve", what, dnsErr.Name)
		p.fix = "check the host name and that DNS is reachable from this machine"
	case errors.As(err, &hostErr):
		p.cause = fmt.Sprintf("the TLS certificate of %s is not valid for %s", what, host)
		p.fix = "publish the service with a certificate that names this host"
	case errors.As(err, &unknown):
		p.cause = fmt.Sprintf("the TLS certificate of %s is not issued by a trusted certificate authority", what)
		p.fix = "publish the service with a certificate from a public certificate authority, or add its root to the trusted roots"
	case errors.As(err, &invalid):
		p.cause = fmt.Sprintf("the TLS certificate of %s is not valid: %v", what, invalid)
		p.fix = "renew the service's TLS certificate"
	case errors.As(err, &verifErr):
		p.cause = fmt.Sprintf("the TLS certificate of %s could not be verified", what)
		p.fix = "check the service's TLS certificate and chain"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		p.cause = fmt.Sprintf("%s did not answer in time", what)
		p.fix = "check that a firewall or proxy lets HTTPS through to " + host
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if host == "" && opErr.Addr != nil {
			host = opErr.Addr.String() // the address really dialled
		}
		at, port := "", "443"
		if host != "" {
			at = " at " + host
			if _, p, err := net.SplitHostPort(host); err == nil {
				port = p
			}
		}
		p.cause = fmt.Sprintf("cannot connect to %s%s: it is down, or a firewall blocks it", what, at)
		p.fix = fmt.Sprintf("check that the service runs and that HTTPS (port %s) to it is allowed, through the proxy if there is one", port)
	default:
		p.cause = fmt.Sprintf("%s could not be reached", what)
		p.fix = "check the URL, the network and the proxy settings"
	}
	return p
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// redact drops the query of a URL, where credentials sometimes hide.
func redact(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

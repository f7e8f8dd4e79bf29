package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
)

type config struct {
	state     string
	listen    string
	baseURL   string
	uri       string
	tlsCert   string
	tlsKey    string
	plainHTTP bool
	dns       string
	store     string // "" or a postgres:// URL
	metrics   string
	sha1      []string          // -sha1-audience
	ready     func(addr string) // tests learn the listening address here
}

var errHelp = errors.New("help")

func parseFlags(args []string, stderr io.Writer) (*config, string, error) {
	c := &config{}
	fs := flag.NewFlagSet("trustbroker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.state, "state", "trustbroker-state", "state `directory`: signing keys and registrations (created with mode 0700)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8443", "`address` to listen on")
	fs.StringVar(&c.baseURL, "base-url", "", "public HTTPS `URL` of the broker, as organizations reach it (default https://LISTEN)")
	fs.StringVar(&c.uri, "uri", "urn:federation:fedavail", "issuer `URI` written into every token")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate `file` (PEM, chain allowed)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.BoolVar(&c.plainHTTP, "plain-http", false, "serve plain HTTP (only behind a TLS-terminating reverse proxy)")
	fs.StringVar(&c.store, "store", "", "registrations in PostgreSQL, shared by replicas: a postgres://… `URL` (default: a folder in -state, one process only)")
	fs.Func("sha1-audience", "sign tokens for this relying party `URI` with RSA-SHA1 instead of RSA-SHA256, for Exchange 2010 servers that verify nothing else (repeatable)", func(v string) error {
		c.sha1 = append(c.sha1, v)
		return nil
	})
	fs.StringVar(&c.metrics, "metrics", "", "serve Prometheus /metrics and /healthz on their own `ADDR` (e.g. 127.0.0.1:9100)")
	fs.StringVar(&c.dns, "dns", "", "DNS server `host:port` for domain proofs, instead of the system resolver")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, "", errHelp
		}
		return nil, "", err
	}
	cmd := "serve"
	switch fs.NArg() {
	case 0:
	case 1:
		cmd = fs.Arg(0)
	default:
		fmt.Fprintf(stderr, "trustbroker: one subcommand at most, got %q\n", strings.Join(fs.Args(), " "))
		return nil, "", errors.New("usage")
	}
	if cmd == "serve" && !c.plainHTTP && (c.tlsCert == "" || c.tlsKey == "") {
		fmt.Fprintln(stderr, "trustbroker: serve needs -tls-cert and -tls-key (or -plain-http behind a TLS proxy)")
		return nil, "", errors.New("usage")
	}
	if c.store != "" && !strings.HasPrefix(c.store, "postgres://") && !strings.HasPrefix(c.store, "postgresql://") {
		fmt.Fprintf(stderr, "trustbroker: -store must be a postgres:// URL, got %q\n", c.store)
		return nil, "", errors.New("usage")
	}
	if c.baseURL == "" {
		host, port, err := net.SplitHostPort(c.listen)
		if err != nil {
			fmt.Fprintf(stderr, "trustbroker: -listen %q: %v\n", c.listen, err)
			return nil, "", err
		}
		if host == "" {
			host = "localhost"
		}
		c.baseURL = "https://" + net.JoinHostPort(host, port)
	}
	c.baseURL = strings.TrimSuffix(c.baseURL, "/")
	c.state = filepath.Clean(c.state)
	return c, cmd, nil
}

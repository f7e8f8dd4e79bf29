package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/fedavail/fedavail/federation/admin"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the operation failed; the message says what to do
	exitUsage = 2 // the command line is wrong
)

const usage = `usage: fedadmin [-dir DIR] [-ca FILE] [-dns ADDR] <subcommand> [flags] [args]

The administrator's federation workflow, in the order it is done:

  new-cert                      create the organization (federation) certificate
  domain-proof DOMAIN           print the TXT record proving DOMAIN (publish it)
  trust -broker URL -domain D   create the federation trust with a fedavail trust broker
  trust show                    print the trust, like Get-FederationTrust | Format-List
  domain add DOMAIN             federate one more domain (once its proof is in DNS)
  domain remove DOMAIN          stop federating a domain
  relationship add|set|remove|list
                                organization relationships with partners
  rollover                      next step of a certificate rollover
  defederate [-yes]             remove relationships, domains and the trust

Run "fedadmin <subcommand> -h" for the flags of a subcommand.

Global flags:
`

// env is what the subcommands share.
type env struct {
	org    *admin.Org
	stdin  io.Reader
	stdout io.Writer
}

type command struct {
	name string
	help string // after "usage: fedadmin "
	run  func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error
	// setup declares the subcommand's flags.
	setup func(fs *flag.FlagSet)
}

// run is the command without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("fedadmin", flag.ContinueOnError)
	global.SetOutput(stderr)
	dir := global.String("dir", "fedadmin-state", "state `directory` (created with mode 0700)")
	caFile := global.String("ca", "", "PEM `file` of CA certificates to trust for the broker, in addition to the system's")
	dnsAddr := global.String("dns", "", "DNS server `host:port` to look TXT records up with, instead of the system resolver")
	global.Usage = func() {
		fmt.Fprint(stderr, usage)
		global.PrintDefaults()
	}
	if err := global.Parse(args); err != nil {
		return flagStatus(err)
	}
	if global.NArg() == 0 {
		global.Usage()
		return exitUsage
	}
	cmd, rest, err := lookup(global.Args())
	if err != nil {
		fmt.Fprintf(stderr, "fedadmin: %v\n", err)
		return exitUsage
	}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: fedadmin %s\n", cmd.help)
		fs.PrintDefaults()
	}
	if cmd.setup != nil {
		cmd.setup(fs)
	}
	if err := fs.Parse(rest); err != nil {
		return flagStatus(err)
	}
	opts, err := options(*caFile, *dnsAddr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	org, err := admin.Open(*dir, opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = cmd.run(ctx, &env{org: org, stdin: stdin, stdout: stdout}, fs, fs.Args())
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "fedadmin %s: %v\n", cmd.name, err)
		fs.Usage()
		return exitUsage
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitError
	}
	return exitOK
}

func flagStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// usageError is a wrong command line, answered with the usage text.
type usageError string

func (e usageError) Error() string { return string(e) }

// lookup finds the subcommand, which may be two words ("domain add").
func lookup(args []string) (*command, []string, error) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			// "trust show" before "trust": commands lists longer names first.
			return c, args[len(words):], nil
		}
	}
	return nil, nil, fmt.Errorf("unknown subcommand %q (run fedadmin -h for the list)", strings.Join(args, " "))
}

// options builds the HTTP client and resolver from the global flags.
func options(caFile, dnsAddr string) (*admin.Options, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("fedadmin: -ca: %v: give a readable PEM file", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("fedadmin: -ca: %s has no PEM certificate: give the CA's certificate in PEM form", caFile)
		}
		tlsConfig.RootCAs = pool
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsConfig, ForceAttemptHTTP2: true}
	opts := &admin.Options{HTTPClient: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	if dnsAddr != "" {
		if _, _, err := net.SplitHostPort(dnsAddr); err != nil {
			return nil, fmt.Errorf("fedadmin: -dns %q: %v: give host:port, e.g. 192.0.2.53:53", dnsAddr, err)
		}
		opts.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, dnsAddr)
		}}
	}
	return opts, nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/fedavail/fedavail/examples/internal/cli"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/sharing"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // a step failed, or the configuration could not be read
	exitUsage = 2 // the command line is wrong
)

const usage = `usage: fedcheck [-dir DIR] [-ca FILE] [-dns ADDR] [-json] <check> [args]

Checks, as Exchange's cmdlets name them:

  trust                              Test-FederationTrust: broker metadata and certificates,
                                     organization certificate, a token for ourselves
  federation-info DOMAIN             Get-FederationInformation: the partner's Autodiscover,
                                     application URI and trust brokers
  relationship NAME -user ADDRESS    Test-OrganizationRelationship and a free/busy request for
                                     ADDRESS, a mailbox at the partner (NAME may be a domain)
  domain DOMAIN                      the federated domain proof TXT record of DOMAIN
  all [-user ADDRESS]...             trust, the proof of every federated domain, and every
                                     relationship: Test-OrganizationRelationship with the -user
                                     in its domains, else Get-FederationInformation

Flags:
`

// config is what the checks read from the command line.
type config struct {
	dir, from string
	net       cli.Network
	json      bool
	timeout   time.Duration
}

// app is what the command takes from its surroundings; the zero value is
// the real world.
type app struct {
	// httpClient sends every request; nil means one from transport.New
	// with -ca.
	httpClient *http.Client
}

// run runs one check and returns the exit status.
func (a *app) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("fedcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.dir, "dir", "fedadmin-state", "the organization's state `directory`, as fedadmin keeps it")
	cfg.net.Register(fs)
	fs.StringVar(&cfg.from, "from", "", "our mailbox `address` test tokens are requested for (default fedcheck@ our first domain)")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "give up after this `duration`")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	if err := cfg.net.Load(cfg.dir, fs); err != nil {
		fmt.Fprintln(stderr, "fedcheck:", err)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	check, rest := fs.Arg(0), fs.Args()[1:]
	// Flags may follow the check's arguments too ("relationship NAME -user X").
	sub := flag.NewFlagSet("fedcheck "+check, flag.ContinueOnError)
	sub.SetOutput(stderr)
	var users users
	sub.Var(&users, "user", "a partner mailbox `address` (relationship; repeatable with all)")
	sub.BoolVar(&cfg.json, "json", cfg.json, "print the report as JSON")
	var positional []string
	for {
		if err := sub.Parse(rest); err != nil {
			return flagStatus(err)
		}
		if sub.NArg() == 0 {
			break
		}
		positional, rest = append(positional, sub.Arg(0)), sub.Args()[1:]
	}
	want := map[string]int{"trust": 0, "federation-info": 1, "relationship": 1, "domain": 1, "all": 0}
	n, known := want[check]
	switch {
	case !known:
		fmt.Fprintf(stderr, "fedcheck: unknown check %q\n", check)
		fs.Usage()
		return exitUsage
	case len(positional) != n:
		fmt.Fprintf(stderr, "fedcheck %s: want %d argument(s), got %d\n", check, n, len(positional))
		fs.Usage()
		return exitUsage
	case check == "relationship" && len(users) != 1:
		fmt.Fprintln(stderr, "fedcheck relationship: -user ADDRESS (a mailbox at the partner) is required, once")
		return exitUsage
	}

	c, err := a.checker(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	var reports []*diag.Report
	switch check {
	case "trust":
		reports = append(reports, c.TestFederationTrust(ctx))
	case "federation-info":
		r, _ := c.GetFederationInformation(ctx, positional[0])
		reports = append(reports, r)
	case "relationship":
		reports = append(reports, c.TestOrganizationRelationship(ctx, positional[0], users[0]))
	case "domain":
		reports = append(reports, c.TestDomainProof(ctx, positional[0]))
	case "all":
		reports = all(ctx, c, users)
	}
	if err := write(stdout, reports, cfg.json, check == "all"); err != nil {
		fmt.Fprintln(stderr, "fedcheck:", err)
		return exitFail
	}
	for _, r := range reports {
		if r.Failed() {
			return exitFail
		}
	}
	return exitOK
}

// write prints the reports; several (all) as a JSON array, one as an object.
func write(w io.Writer, reports []*diag.Report, asJSON, many bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if many {
			return enc.Encode(reports)
		}
		return enc.Encode(reports[0])
	}
	for i, r := range reports {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := diag.WriteText(w, r); err != nil {
			return err
		}
	}
	return nil
}

// checker builds the Checker from the state directory. A directory without
// a trust or a sharing file still gives a Checker: the checks then say what
// is missing, which is the point of running them.
func (a *app) checker(cfg config) (*diag.Checker, error) {
	hc := a.httpClient
	if hc == nil {
		var err error
		if hc, err = cfg.net.Client(nil); err != nil {
			return nil, fmt.Errorf("fedcheck: %w", err)
		}
	}
	c := &diag.Checker{HTTPClient: hc, Requester: cfg.from}
	if cfg.net.DNS != "" {
		res, err := cfg.net.Resolver()
		if err != nil {
			return nil, fmt.Errorf("fedcheck: %w", err)
		}
		c.TXTResolver, c.SRVResolver = res, res
	}
	if _, err := os.Stat(cfg.dir); err != nil {
		return nil, fmt.Errorf("fedcheck: state directory: %w (give the directory fedadmin keeps with -dir)", err)
	}
	org, err := admin.Open(cfg.dir, nil)
	if err != nil {
		return nil, err
	}
	c.Keys = org.Keys()
	if tc, err := org.TrustConfig(); err == nil {
		c.ApplicationURI, c.Domains, c.MetadataURL = tc.ApplicationURI, tc.Domains, tc.TokenIssuerMetadataEpr
		if tc.TokenIssuerCertificate != "" {
			// Both stored certificates: during a broker rollover the
			// metadata publishes the previous one too.
			thumbs := []string{tc.TokenIssuerCertificate}
			if tc.TokenIssuerPrevCertificate != "" {
				thumbs = append(thumbs, tc.TokenIssuerPrevCertificate)
			}
			c.StoredBroker = &diag.StoredBroker{IssuerURI: tc.TokenIssuerURI, Thumbprints: thumbs}
		}
	}
	// No sharing file yet means no relationships yet.
	sc, err := sharing.LoadFile(org.SharingFile())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("fedcheck: %w", err)
	}
	if c.Sharing, err = sharing.New(sc, nil); err != nil {
		return nil, fmt.Errorf("fedcheck: %s: %w", org.SharingFile(), err)
	}
	return c, nil
}

func flagStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

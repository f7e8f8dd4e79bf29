package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fedavail/fedavail/examples/internal/cli"
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
  import-cert -cert FILE        or import a CA-issued one (PEM or PFX; later: as the next certificate)
  domain-proof DOMAIN           print the TXT record proving DOMAIN (publish it)
  trust -broker URL -domain D   create the federation trust with a fedavail trust broker
                                (-protocol ManageDelegation2: the Federation Gateway's protocol)
  trust show                    print the trust, like Get-FederationTrust | Format-List
  trust refresh                 store the broker's current metadata (Set-FederationTrust -RefreshMetadata)
  domain add DOMAIN             federate one more domain (once its proof is in DNS)
  domain remove DOMAIN          stop federating a domain
  relationship add NAME -domain D
                                organization relationship from the partner's federation information
  relationship set|remove|list  change, remove, print organization relationships
  mailbox set ADDRESS -permission LimitedDetails
                                a mailbox owner's opt-in to subject and location (or -policy NAME)
  group set NAME MEMBER...      a group, for a relationship's -scope (group remove|list)
  policy set NAME -domain 'D:Action'
                                a sharing policy, person-to-person sharing (policy remove|list)
  rollover                      next step of a certificate rollover
  defederate [-yes]             remove relationships, domains and the trust

For trying federation on one machine (see scripts/walkthrough.sh):

  settings save|show            keep -ca, -dns, -proxy, -proxy-bypass, -legacy-tls in DIR/settings.json
                                for every command run with -dir DIR
  test-ca [-out DIR] HOST...    a test CA and a TLS certificate for HOSTs
  test-dns [-zone FILE]         a DNS server on 127.0.0.1 serving FILE, re-read as it changes

Run "fedadmin <subcommand> -h" for the flags of a subcommand.

Global flags:
`

// env is what the subcommands share.
type env struct {
	dir     string
	network *cli.Network
	org     *admin.Org
	stdin   io.Reader
	stdout  io.Writer
	// http is the client of the global network flags, for the commands
	// that reach servers themselves (rollover -server).
	http *http.Client
}

type command struct {
	name string
	help string // after "usage: fedadmin "
	run  func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error
	// setup declares the subcommand's flags.
	setup func(fs *flag.FlagSet)
	// stateless commands do not open the state directory (run gets a nil
	// org); untimed ones run until the process is interrupted rather than
	// for at most two minutes.
	stateless, untimed bool
}

// run is the command without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runDial(args, stdin, stdout, stderr, nil)
}

// runDial is run with the HTTP client's dialer given: nil dials as usual;
// tests reach partners' host names on loopback with it.
func runDial(args []string, stdin io.Reader, stdout, stderr io.Writer, dial cli.DialFunc) int {
	global := flag.NewFlagSet("fedadmin", flag.ContinueOnError)
	global.SetOutput(stderr)
	dir := global.String("dir", "fedadmin-state", "state `directory` (created with mode 0700)")
	var network cli.Network
	network.Register(global)
	global.Usage = func() {
		fmt.Fprint(stderr, usage)
		global.PrintDefaults()
	}
	if err := global.Parse(args); err != nil {
		return flagStatus(err)
	}
	if err := network.Load(*dir, global); err != nil {
		fmt.Fprintln(stderr, "fedadmin:", err)
		return exitError
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
	params, err := parseInterleaved(fs, rest)
	if err != nil {
		return flagStatus(err)
	}
	opts, err := options(&network, dial)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	var org *admin.Org
	if !cmd.stateless {
		if org, err = admin.Open(*dir, opts); err != nil {
			fmt.Fprintln(stderr, err)
			return exitError
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !cmd.untimed {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
	}
	err = cmd.run(ctx, &env{dir: *dir, network: &network, org: org, stdin: stdin, stdout: stdout, http: opts.HTTPClient}, fs, params)
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

// parseInterleaved parses flags placed before, between and after the
// arguments, as "relationship add Fabrikam -domain fabrikam.com" has them
// (the flag package stops at the first argument), and returns the
// arguments. Everything after "--" is an argument.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var params []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return params, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(params, rest...), nil
		}
		params = append(params, rest[0])
		args = rest[1:]
	}
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

// options builds the HTTP client and resolver from the global flags; dial,
// if not nil, opens the HTTP client's connections.
func options(n *cli.Network, dial cli.DialFunc) (*admin.Options, error) {
	opts := &admin.Options{}
	if n.DNS != "" {
		res, err := n.Resolver()
		if err != nil {
			return nil, fmt.Errorf("fedadmin: %w", err)
		}
		opts.Resolver = res
	}
	hc, err := n.Client(dial)
	if err != nil {
		return nil, fmt.Errorf("fedadmin: %w", err)
	}
	opts.HTTPClient = hc
	return opts, nil
}

// Command loadgen drives a real answering organization with concurrent
// federated GetUserAvailability requests, sent through ews.Client with
// FederatedAuth, and reports what it could take.
//
// In one process it starts contoso.example (internal/testorg: the ews
// handler over a real token validator, sharing policy and in-memory
// calendars) behind transport.NewServer on 127.0.0.1 over TLS, mints a small
// pool of delegation tokens from the trusted broker — few enough that the
// validator's token cache works as it does with real partners, who reuse a
// token for minutes — and sends requests from -c workers for -d. It prints
// throughput, latency percentiles, errors, and goroutines and heap before
// and after (after a GC), so leaks show as numbers.
//
//	go run ./examples/loadgen -d 5s -c 16 -mailboxes 10
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// maxDuration bounds -d: this is a probe, not a soak test.
const maxDuration = 10 * time.Minute

func main() {
	var cfg config
	flag.DurationVar(&cfg.Duration, "d", 3*time.Second, "how long to send requests (at most 10m)")
	flag.IntVar(&cfg.Concurrency, "c", 8, "concurrent workers")
	flag.IntVar(&cfg.Mailboxes, "mailboxes", 5, "mailboxes per request (1–100)")
	flag.IntVar(&cfg.Tokens, "tokens", 4, "delegation tokens in the pool (distinct partner users)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: loadgen [flags]\n\nDrives a local answering organization with federated GetUserAvailability requests.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout, cfg)
	if rep.Errors > 0 {
		os.Exit(1)
	}
}

func (c config) validate() error {
	switch {
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("-d %v: want more than 0 and at most %v", c.Duration, maxDuration)
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("-c %d: want 1–1024", c.Concurrency)
	case c.Mailboxes < 1 || c.Mailboxes > 100:
		return fmt.Errorf("-mailboxes %d: want 1–100", c.Mailboxes)
	case c.Tokens < 1 || c.Tokens > 1000:
		return fmt.Errorf("-tokens %d: want 1–1000", c.Tokens)
	}
	return nil
}

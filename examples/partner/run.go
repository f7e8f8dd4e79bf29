package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/examples/internal/cli"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/ldapdir"
	"github.com/fedavail/fedavail/metrics"
	"github.com/fedavail/fedavail/sharing"
	"github.com/fedavail/fedavail/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the server could not start, or stopped on an error
	exitUsage = 2 // the command line is wrong
)

// app is the server's connection to the process: main sets reload from
// SIGHUP; tests set the hooks and an HTTP client that reaches their broker.
type app struct {
	// reload asks for the sharing configuration (and, with -dir, the
	// certificates) to be read again.
	reload <-chan struct{}
	// ready, if set, is called with the listening address once the server
	// accepts connections.
	ready func(net.Addr)
	// reloaded, if set, is called after each reload with its error.
	reloaded func(error)
	// httpClient fetches the broker's metadata; nil means one built by
	// transport.New (with -ca).
	httpClient *http.Client
}

// run serves until ctx ends and returns the exit status.
func (a *app) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		fmt.Fprintln(stderr, "partner:", err)
		return exitUsage
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := a.serve(ctx, o, stdout, log); err != nil {
		log.Error("partner: " + err.Error())
		return exitFail
	}
	return exitOK
}

// serve builds the handler from o and serves it until ctx ends.
func (a *app) serve(ctx context.Context, o *options, stdout io.Writer, log *slog.Logger) error {
	id, err := loadIdentity(o)
	if err != nil {
		return err
	}
	for _, w := range id.warnings {
		log.Warn("partner: " + w)
	}
	loc, err := time.LoadLocation(o.tz)
	if err != nil {
		return fmt.Errorf("-tz: %w", err)
	}
	accounts, err := loadUsers(o.basic, id.domains[0])
	if err != nil {
		return err
	}
	hc := a.httpClient
	if hc == nil {
		if hc, err = o.net.Client(nil); err != nil {
			return err
		}
	}
	cals, err := o.calendarSource(loc, hc, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	ewsURL := o.ewsURL
	if ewsURL == "" {
		ewsURL = ownURL(ln.Addr(), o.tlsCert != "") + "/EWS/Exchange.asmx"
		log.Warn("partner: -ews-url not given; Autodiscover hands out this server's own address, which partners may not reach", "url", ewsURL)
	}
	if o.calendars != "" {
		if read, bad := checkCalendars(log, o.calendars, loc, time.Now()); bad > 0 {
			log.Warn(fmt.Sprintf("partner: %d of %d calendar files have problems (named above)", bad, read))
		}
	}
	dir, err := o.directory(id.domains, ewsURL, log)
	if err != nil {
		return err
	}
	sopts := &sharing.Options{Logger: log}
	if dir != nil {
		defer dir.Close()
		sopts.Membership = dir
		cals = dir.Calendars(cals) // the directory says which mailboxes exist
	}
	store, err := sharing.NewLivePolicy(sharing.Config{}, sopts)
	if err != nil {
		return err
	}
	switch err := loadSharing(ctx, store, id.sharingFile, dir); {
	case errors.Is(err, fs.ErrNotExist) && o.sharingFile == "":
		// A new organization has no relationships yet: answer internal
		// users, and say how partners get in.
		log.Warn("partner: no sharing configuration yet, so no organization relationships: answering internal users only; "+
			"add one with fedadmin relationship add, then send SIGHUP", "file", id.sharingFile)
	case err != nil:
		return fmt.Errorf("-sharing: %w", err)
	}
	var (
		observe  federation.Observer
		metricsM *metrics.Metrics
		reg      *prometheus.Registry
	)
	if o.metrics != "" {
		reg = prometheus.NewRegistry()
		m, err := metrics.New(reg)
		if err != nil {
			return err
		}
		addr, err := cli.ServeMetrics(ctx, o.metrics, reg, log)
		if err != nil {
			return err
		}
		observe, metricsM = m, m
		hc = &http.Client{Transport: m.Transport(hc.Transport), Timeout: hc.Timeout, CheckRedirect: hc.CheckRedirect}
		log.Info("partner: metrics at http://" + addr + "/metrics (and /healthz)")
	}
	cfg := federation.HandlerConfig{
		ApplicationURI:  id.appURI,
		Observe:         observe,
		Keys:            id.keys,
		Domains:         id.domains,
		AcceptedDomains: o.accepted,
		Broker:          federation.TrustBroker{MetadataURL: id.metadataURL},
		Policy:          &policy{sharing: store, internal: o.internal},
		Calendars:       cals,
		EWSURL:          ewsURL,
		HTTPClient:      hc,
		Logger:          log,
		ServiceAccounts: o.serviceAccounts,
	}
	if len(accounts) > 0 {
		cfg.Authenticate = accounts.authenticate
	}
	if dir != nil {
		cfg.Directory = dir
	}
	if o.ewsRate > 0 {
		// Each organization's EWS work, charged per calendar read (issue
		// 12.3): a partner cannot make the server read more than this.
		cfg.Limiter = ews.NewPartnerLimiter(o.ewsRate, o.ewsBurst)
	}
	h, err := federation.NewHandler(cfg)
	if err != nil {
		return err
	}
	if metricsM != nil {
		if err := metricsM.WatchBroker(reg, h.BrokerStatus); err != nil {
			return err
		}
	}
	st := &loaded{}
	st.set(id.version(), time.Now(), nil)
	go func() { _ = h.Run(ctx) }() // broker metadata in the background
	sc := transport.ServerConfig{Logger: log, AcceptLegacyTLS: o.legacyTLS}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("-tls-cert/-tls-key: %w", err)
		}
		checkTLSCertificate(log, o.tlsCert, cert.Leaf, time.Now())
		sc.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	srv := transport.NewServer(withProbes(h, id, st), sc)
	fmt.Fprintf(stdout, "partner: %s (%v) answering on %s; EWS URL %s; %d internal user(s)\n",
		id.appURI, id.domains, ownURL(ln.Addr(), srv.TLSConfig != nil), ewsURL, len(accounts))

	go a.reloadLoop(ctx, store, id, dir, log, o.reloadEvery, st)
	if a.ready != nil {
		a.ready(ln.Addr())
	}
	err = transport.Serve(ctx, srv, ln, o.grace)
	log.Info("partner: stopped")
	return err
}

// reloadLoop reads the sharing configuration (and certificates) again on
// each reload request, and when the files' version changed (looked at every
// `every`, if not zero): replicas sharing the files follow a change without
// a signal. A configuration that does not validate leaves the one in force:
// a typo must not cut partners off.
func (a *app) reloadLoop(ctx context.Context, store *sharing.LivePolicy, id *identity, dir *ldapdir.Directory, log *slog.Logger, every time.Duration, st *loaded) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	seen := id.version()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.reload:
		case <-tick:
			if id.version() == seen {
				continue
			}
		}
		// A failed version is not retried every tick; the next change or
		// SIGHUP tries again.
		seen = id.version()
		err := loadSharing(ctx, store, id.sharingFile, dir)
		if err == nil && id.org != nil {
			err = id.org.Reload()
		}
		st.set(seen, time.Now(), err)
		if err != nil {
			log.Error("partner: reload failed; the previous configuration stays in force", "err", err)
		} else {
			log.Info("partner: reloaded", "sharing", id.sharingFile, "version", seen)
		}
		if a.reloaded != nil {
			a.reloaded(err)
		}
	}
}

// ownURL is the base URL of the listener, as a client on this machine
// would reach it.
func ownURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

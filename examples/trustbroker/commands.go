package main

import (
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/examples/internal/cli"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/metrics"
	"github.com/fedavail/fedavail/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// openBroker opens the store and the broker; closeStore releases the store.
func openBroker(ctx context.Context, cfg *config, logger *slog.Logger, out func(string)) (b *broker.Broker, closeStore func(), err error) {
	keys, err := loadKeys(cfg.state, out)
	if err != nil {
		return nil, nil, err
	}
	var resolver dnsproof.Resolver
	if cfg.dns != "" {
		res, err := cli.Resolver(cfg.dns)
		if err != nil {
			return nil, nil, err
		}
		resolver = dnsproof.NetResolver(res)
	}
	store, closeStore, err := openStore(ctx, cfg, out)
	if err != nil {
		return nil, nil, err
	}
	b, err = broker.New(ctx, broker.Config{
		URI:           cfg.uri,
		BaseURL:       cfg.baseURL,
		Keys:          keys,
		Store:         store,
		Domains:       broker.DNSVerifier{Verifier: &dnsproof.Verifier{Resolver: resolver, Logger: logger}},
		Logger:        logger,
		SignatureHash: signatureHash(cfg.sha1),
	})
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	return b, closeStore, nil
}

func serve(ctx context.Context, cfg *config, stdout io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	say := func(s string) { fmt.Fprintln(stdout, s) }
	b, closeStore, err := openBroker(ctx, cfg, logger, say)
	if err != nil {
		return err
	}
	defer closeStore()
	go func() { _ = b.Run(ctx) }() // follow other replicas' writes
	var h http.Handler = b
	if cfg.metrics != "" {
		reg := prometheus.NewRegistry()
		m, err := metrics.New(reg)
		if err != nil {
			return err
		}
		addr, err := cli.ServeMetrics(ctx, cfg.metrics, reg, logger)
		if err != nil {
			return err
		}
		h = m.Broker(h)
		say(fmt.Sprintf("  metrics:        http://%s/metrics (and /healthz)", addr))
	}
	srv := transport.NewServer(withProbes(b, h), transport.ServerConfig{Logger: logger})
	if !cfg.plainHTTP {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return fmt.Errorf("trustbroker: TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("trustbroker: %w", err)
	}
	say(fmt.Sprintf("trust broker %s listening on %s", cfg.uri, ln.Addr()))
	say(fmt.Sprintf("  token endpoint: %s%s", cfg.baseURL, broker.TokenPath))
	say(fmt.Sprintf("  metadata:       %s%s", cfg.baseURL, broker.MetadataPath))
	say(fmt.Sprintf("  registrations:  %d organizations", len(b.Organizations())))
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}
	return transport.Serve(ctx, srv, ln, 10*time.Second)
}

// Probe paths for a load balancer.
const (
	healthPath = "/healthz" // the process answers
	readyPath  = "/readyz"  // and can serve: store reachable, registrations loaded
)

// withProbes adds the liveness and readiness probes of b in front of h (b,
// perhaps wrapped for metrics).
func withProbes(b *broker.Broker, h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET "+healthPath, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET "+readyPath, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := b.Ready(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	return mux
}

func list(ctx context.Context, cfg *config, stdout io.Writer) error {
	b, closeStore, err := openBroker(ctx, cfg, nil, func(string) {})
	if err != nil {
		return err
	}
	defer closeStore()
	orgs := b.Organizations()
	if len(orgs) == 0 {
		fmt.Fprintln(stdout, "no organizations registered")
		return nil
	}
	for i, o := range orgs {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		cur, next, err := o.Certificates()
		fmt.Fprintf(stdout, "ApplicationUri : %s\n", o.ApplicationURI)
		fmt.Fprintf(stdout, "AppId          : %s\n", o.AppID)
		fmt.Fprintf(stdout, "Domains        : {%s}\n", strings.Join(o.Domains, ", "))
		if err != nil {
			fmt.Fprintf(stdout, "Certificates   : unreadable: %v\n", err)
			continue
		}
		fmt.Fprintf(stdout, "OrgCertificate : %X (until %s)\n", sha1Thumb(cur), cur.NotAfter.Format("2006-01-02"))
		if next != nil {
			fmt.Fprintf(stdout, "OrgNextCertificate : %X (until %s)\n", sha1Thumb(next), next.NotAfter.Format("2006-01-02"))
		}
	}
	return nil
}

func rollover(cfg *config, stdout io.Writer) error {
	keys, err := loadKeys(cfg.state, func(s string) { fmt.Fprintln(stdout, s) })
	if err != nil {
		return err
	}
	old := keys.Current()
	next, err := newPair()
	if err != nil {
		return err
	}
	// Previous first: if the second write fails, the old key is still current.
	if err := writePair(filepath.Join(cfg.state, previousFile), old); err != nil {
		return err
	}
	if err := writePair(filepath.Join(cfg.state, currentFile), next); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing certificate %X is now current; %X stays published as previous\n", sha1Thumb(next.Cert), sha1Thumb(old.Cert))
	fmt.Fprintln(stdout, "restart the broker to use it")
	return nil
}

func sha1Thumb(c *x509.Certificate) []byte {
	s := sha1.Sum(c.Raw)
	return s[:]
}

// signatureHash is -sha1-audience as a broker.Config.SignatureHash.
func signatureHash(sha1 []string) func(string) crypto.Hash {
	if len(sha1) == 0 {
		return nil
	}
	return broker.SHA1For(sha1...)
}

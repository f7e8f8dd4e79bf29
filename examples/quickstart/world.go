package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
	"github.com/fedavail/fedavail/transport"
)

// brokerHost is the trust broker's host name; organizations' hosts are
// autodiscover.DOMAIN and mail.DOMAIN.
const (
	brokerHost = "sts.broker.test"
	brokerURI  = "urn:federation:fedavail-quickstart"
)

// world is everything the demo runs: one CA, one DNS server, one trust
// broker and the organizations, all on 127.0.0.1, reached by name through
// the HTTP client's dialer.
type world struct {
	out    io.Writer
	ca     *fedtest.CA
	dns    *fedtest.DNSServer
	broker *broker.Broker
	hc     *http.Client
	log    *slog.Logger

	mu      sync.Mutex
	dial    map[string]string // "host:443" → "127.0.0.1:port"
	sigs    map[string][]byte // domain → signature the organization presented
	servers []*httptest.Server
}

// org is one organization: its identity, its calendars, its sharing
// settings and the servers answering partners.
type org struct {
	name      string // display name, "Contoso"
	domain    string
	appURI    string
	keys      *keyring.Ring
	calendars *calendar.Memory
	sharing   *sharing.LivePolicy
}

func newWorld(out io.Writer, log *slog.Logger) (*world, error) {
	w := &world{out: out, log: log, dial: map[string]string{}, sigs: map[string][]byte{}}
	var err error
	if w.ca, err = fedtest.NewCA(); err != nil {
		return nil, err
	}
	if w.dns, err = fedtest.NewDNSServer(); err != nil {
		return nil, err
	}
	// One HTTP client for everything, as in production: it trusts the demo
	// CA only and dials the demo's host names at their loopback ports.
	w.hc, err = transport.New(transport.Config{
		Direct:      true,
		RootCAs:     w.ca.Pool(),
		DialContext: w.dialContext,
		Timeout:     30 * time.Second,
	})
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *world) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	to, ok := w.dial[strings.ToLower(addr)]
	w.mu.Unlock()
	if !ok {
		// Only the demo's names exist; nothing leaves the machine.
		return nil, &net.DNSError{Err: "no such host in the quickstart", Name: addr, IsNotFound: true}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

// serve starts a TLS server for hosts on loopback and routes their names to it.
func (w *world) serve(h http.Handler, hosts ...string) (*httptest.Server, error) {
	srv, err := w.ca.NewTLSServer(h, hosts...)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.servers = append(w.servers, srv)
	for _, h := range hosts {
		w.dial[h+":443"] = srv.Listener.Addr().String()
	}
	return srv, nil
}

func (w *world) close() {
	for _, s := range w.servers {
		s.Close()
	}
	if w.dns != nil {
		w.dns.Close()
	}
	if w.hc != nil {
		w.hc.CloseIdleConnections()
	}
}

func (w *world) say(format string, args ...any) {
	fmt.Fprintf(w.out, format+"\n", args...)
}

// startBroker starts the embedded trust broker. It accepts a domain when
// the DNS server has the proof made from the signature the organization
// presented.
func (w *world) startBroker(ctx context.Context) error {
	kp, err := fedtest.NewBrokerCert("fedavail quickstart STS")
	if err != nil {
		return err
	}
	ring, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		return err
	}
	verifier := &dnsproof.Verifier{Resolver: dnsproof.NetResolver(w.dns.Resolver())}
	w.broker, err = broker.New(ctx, broker.Config{
		URI:     brokerURI,
		BaseURL: "https://" + brokerHost,
		Keys:    ring,
		Store:   &broker.MemoryStore{},
		Domains: broker.DomainVerifierFunc(func(ctx context.Context, domain string, o *broker.Organization) error {
			cur, next, err := o.Certificates()
			if err != nil {
				return err
			}
			id := dnsproof.OrgIdentity{AppID: o.AppID, Certificates: []*x509.Certificate{cur}}
			if next != nil {
				id.Certificates = append(id.Certificates, next)
			}
			w.mu.Lock()
			if sig := w.sigs[domain]; sig != nil {
				id.Signatures = [][]byte{sig}
			}
			w.mu.Unlock()
			if err := verifier.VerifyDomain(ctx, domain, id); err != nil {
				return err
			}
			w.say("  broker: found %s's proof in the TXT records of %s", o.ApplicationURI, domain)
			return nil
		}),
		Logger: w.log,
	})
	if err != nil {
		return err
	}
	if _, err := w.serve(w.broker, brokerHost); err != nil {
		return err
	}
	w.say("Trust broker %s at https://%s (metadata %s)", brokerURI, brokerHost, broker.MetadataPath)
	return nil
}

// newOrg creates an organization: its certificate, the proof of its domain
// published in DNS, its registration with the broker, and its Autodiscover
// and EWS endpoints (https://autodiscover.DOMAIN and https://mail.DOMAIN).
func (w *world) newOrg(ctx context.Context, name, domain string, rels sharing.Config) (*org, error) {
	appURI, err := dnsproof.ApplicationURI(domain)
	if err != nil {
		return nil, err
	}
	kp, err := fedtest.NewOrgCert(name + " federation certificate")
	if err != nil {
		return nil, err
	}
	o := &org{name: name, domain: domain, appURI: appURI, calendars: &calendar.Memory{}}
	if o.keys, err = keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key}); err != nil {
		return nil, err
	}
	if o.sharing, err = sharing.NewLivePolicy(rels, &sharing.Options{Logger: w.log}); err != nil {
		return nil, err
	}

	// Prove the domain: the TXT record Get-FederatedDomainProof prints, and
	// the raw signature handed to the broker, which hashes it into the same
	// value and looks for it in DNS.
	proofs, err := dnsproof.Proofs(o.keys, domain)
	if err != nil {
		return nil, err
	}
	w.dns.AddTXT(domain, proofs[0].Proof)
	sig, err := dnsproof.Sign(kp.Key, domain)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.sigs[domain] = sig
	w.mu.Unlock()
	w.say("%s: published the domain proof of %s in DNS: %s IN TXT %q", name, domain, domain, proofs[0].Proof[:20]+"…")

	// Register over the broker's signed registration API.
	rc := &broker.RegistrationClient{HTTPClient: w.hc, BaseURL: "https://" + brokerHost, Keys: o.keys}
	reg, err := rc.Register(ctx, broker.Registration{ApplicationURI: appURI, Domains: []string{domain}, Current: kp.Cert})
	if err != nil {
		return nil, fmt.Errorf("%s: register with the broker: %w", name, err)
	}
	w.say("%s: registered %s with the broker (application ID %s)", name, reg.ApplicationURI, reg.AppID)

	// Answer partners: Autodiscover and EWS behind one handler.
	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: appURI,
		Keys:           o.keys,
		Domains:        []string{domain},
		Broker:         federation.TrustBroker{MetadataURL: "https://" + brokerHost + broker.MetadataPath},
		Policy:         o.sharing,
		Calendars:      o.calendars,
		EWSURL:         "https://mail." + domain + "/EWS/Exchange.asmx",
		HTTPClient:     w.hc,
		Logger:         w.log,
	})
	if err != nil {
		return nil, err
	}
	if _, err := w.serve(h, "autodiscover."+domain, "mail."+domain); err != nil {
		return nil, err
	}
	w.say("%s: answering partners at https://autodiscover.%s and https://mail.%s", name, domain, domain)
	return o, nil
}

// client returns the organization's requesting side.
func (w *world) client(o *org) (*federation.Client, error) {
	return federation.NewClient(federation.Config{
		ApplicationURI: o.appURI,
		Keys:           o.keys,
		Domains:        []string{o.domain},
		Broker:         federation.TrustBroker{MetadataURL: "https://" + brokerHost + broker.MetadataPath},
		Relationships:  o.sharing,
		HTTPClient:     w.hc,
		Resolver:       w.dns.Resolver(),
		Logger:         w.log,
	})
}

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/realparts"
)

// TestServeRegisterListRollover runs the command as an operator would: serve
// over TLS, an organization registers a domain proven in a loopback DNS
// server, list shows it, rollover keeps the old key published.
func TestServeRegisterListRollover(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	tlsPair, err := ca.Issue("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	keyPEM, _ := pki.KeyPEM(tlsPair.Key)
	if err := os.WriteFile(certFile, pki.CertPEM(tlsPair.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	dns, err := fedtest.NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	state := filepath.Join(dir, "state")

	start := func() (base string, stop func() string) {
		ctx, cancel := context.WithCancel(context.Background())
		addrc := make(chan string, 1)
		out := &fedtest.LogBuffer{}
		done := make(chan int, 1)
		cfg := []string{"-state", state, "-listen", "127.0.0.1:0", "-tls-cert", certFile, "-tls-key", keyFile, "-dns", dns.Addr(), "-uri", "urn:federation:test"}
		go func() {
			c, _, err := parseFlags(cfg, io.Discard)
			if err != nil {
				t.Error(err)
				done <- 2
				return
			}
			c.ready = func(a string) { addrc <- a }
			if err := serve(ctx, c, out); err != nil {
				t.Error(err)
			}
			done <- 0
		}()
		select {
		case a := <-addrc:
			return "https://" + a, func() string { cancel(); <-done; return out.String() }
		case <-done:
			t.Fatalf("serve stopped early:\n%s", out.String())
		}
		return "", nil
	}

	base, stop := start()
	client := ca.HTTPClient(nil)
	md := fetchMetadata(t, client, base)
	if md.IssuerURI != "urn:federation:test" || len(md.Certs) != 1 {
		t.Fatalf("metadata: issuer %q, %d certificates", md.IssuerURI, len(md.Certs))
	}
	firstSigner := md.Certs[0]

	// An organization registers contoso.test; the broker must find its proof.
	org, err := fedtest.NewOrgCert("contoso")
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := keyring.New(keyring.Pair{Cert: org.Cert, Key: org.Key})
	sig, _ := dnsproof.Sign(org.Key, "contoso.test")
	reg := broker.Registration{
		ApplicationURI: "FYDIBOHF25SPDLT.contoso.test", Domains: []string{"contoso.test"},
		Current: org.Cert, DomainSignatures: map[string][][]byte{"contoso.test": {sig}},
	}
	rc := &broker.RegistrationClient{HTTPClient: client, BaseURL: base, Keys: ring}
	dns.AddA("contoso.test", []byte{127, 0, 0, 1})
	if _, err := rc.Register(context.Background(), reg); !errors.Is(err, broker.ErrDomainNotProven) {
		t.Fatalf("register before the proof is published: %v, want ErrDomainNotProven", err)
	}
	proof, _ := dnsproof.Proof(org.Key, "contoso.test")
	dns.AddTXT("contoso.test", proof)
	if _, err := rc.Register(context.Background(), reg); err != nil {
		t.Fatalf("register: %v", err)
	}
	// A second process on the same state folder refuses to start.
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"-state", state, "list"}, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "in use by another process") {
		t.Errorf("list beside a running broker: exit %d, %q; want 1 and the folder named as in use", code, errOut.String())
	}
	log := stop()
	if !strings.Contains(log, "listening on 127.0.0.1:") || !strings.Contains(log, "created signing certificate") {
		t.Errorf("serve output:\n%s", log)
	}
	if strings.Contains(log, "PRIVATE KEY") {
		t.Error("serve printed a private key")
	}

	// list reads the persisted registrations.
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-state", state, "list"}, &out, io.Discard); code != 0 {
		t.Fatalf("list exit %d", code)
	}
	if !strings.Contains(out.String(), "ApplicationUri : FYDIBOHF25SPDLT.contoso.test") || !strings.Contains(out.String(), "Domains        : {contoso.test}") {
		t.Errorf("list output:\n%s", out.String())
	}

	// rollover: a new current key, the old one still published as previous.
	out.Reset()
	if code := run(context.Background(), []string{"-state", state, "rollover"}, &out, io.Discard); code != 0 {
		t.Fatalf("rollover exit %d", code)
	}
	base, stop = start()
	defer stop()
	md = fetchMetadata(t, client, base)
	if len(md.Certs) != 2 || md.Certs[0].Equal(firstSigner) || !md.Certs[1].Equal(firstSigner) {
		t.Fatalf("after rollover the metadata has %d certificates; the old signer must be second", len(md.Certs))
	}
	for _, name := range []string{currentFile, previousFile, storeDir} {
		fi, err := os.Stat(filepath.Join(state, name))
		if err != nil {
			t.Fatal(err)
		}
		if name != storeDir && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

func fetchMetadata(t *testing.T, c *http.Client, base string) *metadata.Metadata {
	t.Helper()
	resp, err := c.Get(base + broker.MetadataPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	md, err := metadata.Parse(data, time.Now(), nil)
	if err != nil {
		t.Fatalf("metadata: %v\n%s", err, data)
	}
	return md
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-h"}, 0, "usage: trustbroker"},
		{[]string{"serve"}, 2, "needs -tls-cert and -tls-key"},
		{[]string{"-plain-http", "dance"}, 2, `unknown subcommand "dance"`},
		{[]string{"list", "extra"}, 2, "one subcommand at most"},
		{[]string{"-store", "mysql://db", "list"}, 2, "-store must be a postgres:// URL"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), tc.args, io.Discard, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// TestLegacyStoreImported starts on a state folder of an older trustbroker
// (registrations in one file) and finds its registrations, once.
func TestLegacyStoreImported(t *testing.T) {
	state := t.TempDir()
	org, err := fedtest.NewOrgCert("contoso")
	if err != nil {
		t.Fatal(err)
	}
	legacy := `{"version":1,"organizations":[{"application_uri":"FYDIBOHF25SPDLT.contoso.test","app_id":"00000000000000AB","domains":["contoso.test"],"current_certificate":"` +
		base64.StdEncoding.EncodeToString(org.Cert.Raw) + `"}]}`
	if err := os.WriteFile(filepath.Join(state, legacyStoreFile), []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{"-state", state, "list"}, &out, &errOut); code != 0 {
			t.Fatalf("list %d: exit %d: %s", i, code, errOut.String())
		}
		if !strings.Contains(out.String(), "AppId          : 00000000000000AB") {
			t.Errorf("list %d output:\n%s", i, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(state, legacyStoreFile+".imported")); err != nil {
		t.Errorf("legacy file not renamed: %v", err)
	}
}

// TestPostgresReplicas runs two brokers on one PostgreSQL database, as
// replicas behind a load balancer: a registration made through one is listed
// through the other, and /readyz follows the database.
func TestPostgresReplicas(t *testing.T) {
	pg := realparts.StartPostgres(t)
	state := t.TempDir()
	org, err := fedtest.NewOrgCert("contoso")
	if err != nil {
		t.Fatal(err)
	}
	// An older single-file registration is imported into the database once.
	legacy := `{"version":1,"organizations":[{"application_uri":"FYDIBOHF25SPDLT.contoso.test","app_id":"00000000000000AB","domains":["contoso.test"],"current_certificate":"` +
		base64.StdEncoding.EncodeToString(org.Cert.Raw) + `"}]}`
	if err := os.WriteFile(filepath.Join(state, legacyStoreFile), []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	var bases []string
	for range 2 {
		ctx, cancel := context.WithCancel(t.Context())
		addrc := make(chan string, 1)
		done := make(chan struct{})
		c, _, err := parseFlags([]string{"-state", state, "-store", pg.URL, "-plain-http", "-listen", "127.0.0.1:0"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		c.ready = func(a string) { addrc <- a }
		out := &fedtest.LogBuffer{}
		go func() {
			defer close(done)
			if err := serve(ctx, c, out); err != nil {
				t.Error(err)
			}
		}()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case a := <-addrc:
			bases = append(bases, "http://"+a)
		case <-done:
			t.Fatalf("serve stopped early:\n%s", out.String())
		}
	}
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, b := range bases {
		if get(b+healthPath) != 200 || get(b+readyPath) != 200 {
			t.Errorf("%s: healthz %d, readyz %d; want 200, 200", b, get(b+healthPath), get(b+readyPath))
		}
	}
	var out bytes.Buffer
	if code := run(t.Context(), []string{"-state", state, "-store", pg.URL, "list"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "AppId          : 00000000000000AB") {
		t.Errorf("list beside two running replicas: exit %d:\n%s", code, out.String())
	}
	pg.Stop(t)
	for _, b := range bases {
		if code := get(b + readyPath); code != http.StatusServiceUnavailable {
			t.Errorf("%s/readyz with the database stopped: %d, want 503", b, code)
		}
		if code := get(b + healthPath); code != 200 {
			t.Errorf("%s/healthz with the database stopped: %d, want 200", b, code)
		}
	}
	pg.Start(t)
	deadline := time.Now().Add(10 * time.Second)
	for _, b := range bases {
		for get(b+readyPath) != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("%s/readyz not ready again after the database came back", b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

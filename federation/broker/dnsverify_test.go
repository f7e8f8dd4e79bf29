package broker

import (
	"context"
	"errors"
	"testing"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/fedtest"
)

// TestDNSVerifier registers through the signed HTTP API against a broker
// whose domain check is a DNSVerifier asking a loopback DNS server.
func TestDNSVerifier(t *testing.T) {
	testKeys(t)
	dns, err := fedtest.NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	e := newEnv(t, nil)
	e.b.cfg.Domains = DNSVerifier{Verifier: &dnsproof.Verifier{Resolver: dns.Resolver()}}
	ctx := context.Background()
	con := e.regClient(t, contoso)

	sign := func(kp *fedtest.KeyPair, domain string) [][]byte {
		sig, err := dnsproof.Sign(kp.Key, domain)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{sig}
	}
	reg := func(sigs [][]byte) Registration {
		return Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: contoso.Cert,
			DomainSignatures: map[string][][]byte{"contoso.com": sigs}}
	}
	proof, err := dnsproof.Proof(contoso.Key, "contoso.com")
	if err != nil {
		t.Fatal(err)
	}

	// Step by step, as an administrator would meet the errors.
	steps := []struct {
		name    string
		publish []string // TXT records of contoso.com before the request; nil: none
		sigs    [][]byte
		want    error
	}{
		{"name unknown to DNS", nil, sign(contoso, "contoso.com"), dnsproof.ErrNoSuchDomain},
		{"only other records", []string{"v=spf1 -all"}, sign(contoso, "contoso.com"), dnsproof.ErrMismatch},
		{"no signature presented (only an AppID record could match)", []string{proof}, nil, dnsproof.ErrMismatch},
		{"signature by another key", []string{proof}, sign(rogue, "contoso.com"), dnsproof.ErrBadSignature},
		{"signature over another domain", []string{proof}, sign(contoso, "fabrikam.com"), dnsproof.ErrBadSignature},
		{"proof published", []string{"v=spf1 -all", proof}, sign(contoso, "contoso.com"), nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var recs [][]string
			for _, r := range s.publish {
				recs = append(recs, []string{r})
			}
			dns.SetTXT("contoso.com", recs...)
			// Call the broker directly for the dnsproof error kind, and
			// through HTTP for the status the client sees.
			_, err := e.b.proven(ctx, reg(s.sigs), "0123456789ABCDEF")
			if s.want == nil {
				if err != nil {
					t.Fatalf("proven: %v", err)
				}
				if _, err := con.Register(ctx, reg(s.sigs)); err != nil {
					t.Fatalf("Register: %v", err)
				}
				return
			}
			if !errors.Is(err, s.want) || !errors.Is(err, ErrDomainNotProven) {
				t.Errorf("proven: %v, want %v", err, s.want)
			}
			if _, err := con.Register(ctx, reg(s.sigs)); !errors.Is(err, ErrDomainNotProven) {
				t.Errorf("Register: %v, want ErrDomainNotProven", err)
			}
		})
	}
	if got := e.b.Organizations(); len(got) != 1 || got[0].ApplicationURI != contosoURI {
		t.Errorf("registrations = %+v, want contoso", got)
	}

	// The legacy AppID record proves a domain without signatures.
	appID := e.b.Organizations()[0].AppID
	dns.SetTXT("contoso.net", []string{dnsproof.AppIDRecord(appID)})
	upd := reg(sign(contoso, "contoso.com"))
	upd.Domains = append(upd.Domains, "contoso.net")
	if _, err := con.Update(ctx, upd); err != nil {
		t.Errorf("Update with AppID record: %v", err)
	}
}

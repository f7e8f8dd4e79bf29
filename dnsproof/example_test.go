package dnsproof_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

// The organization's side: compute the proof for a domain with each
// certificate of the key ring and print the zone-file line to publish.
func ExampleProofs() {
	kp, err := fedtest.NewOrgCert("contoso federation")
	if err != nil {
		log.Fatal(err)
	}
	ring, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		log.Fatal(err)
	}
	proofs, err := dnsproof.Proofs(ring, "contoso.com")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range proofs {
		line, err := dnsproof.ZoneLine(p.DomainName, p.Proof, 0)
		if err != nil {
			log.Fatal(err)
		}
		// The proof depends on the key, so print it with the value elided.
		fmt.Println(p.Name, strings.Replace(line, p.Proof, "<88 characters>", 1))
	}
	// Output:
	// Current contoso.com. 3600 IN TXT "<88 characters>"
}

// The trust broker's side: it has the organization's public certificate and
// the signature the organization presented, and checks DNS.
func ExampleVerifier_VerifyDomain() {
	dns, err := fedtest.NewDNSServer()
	if err != nil {
		log.Fatal(err)
	}
	defer dns.Close()
	org, err := fedtest.NewOrgCert("contoso federation")
	if err != nil {
		log.Fatal(err)
	}

	// Organization: sign the domain, publish the proof, present the signature.
	sig, _ := dnsproof.Sign(org.Key, "contoso.com")
	dns.AddTXT("contoso.com", dnsproof.ProofFromSignature(sig))

	// Broker.
	v := &dnsproof.Verifier{Resolver: dns.Resolver()}
	id := dnsproof.OrgIdentity{Certificates: []*x509.Certificate{org.Cert}, Signatures: [][]byte{sig}}
	fmt.Println(v.VerifyDomain(context.Background(), "contoso.com", id))

	err = v.VerifyDomain(context.Background(), "fabrikam.com", dnsproof.OrgIdentity{AppID: "42"})
	fmt.Println(errors.Is(err, dnsproof.ErrNoSuchDomain))
	// Output:
	// <nil>
	// true
}

func ExampleAccountNamespace() {
	ns, err := dnsproof.AccountNamespace("Contoso.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ns)
	// Output: FYDIBOHF25SPDLT.contoso.com
}

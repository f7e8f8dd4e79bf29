package wstrust_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/fedtest"
)

// A requesting organization asks its trust broker for a free/busy delegation
// token on behalf of one of its users. The broker here is a stand-in that
// verifies the request and answers with a fixed token.
func ExampleClient() {
	org, err := fedtest.NewOrgCert("contoso federation")
	if err != nil {
		log.Fatal(err)
	}
	keys, _ := keyring.New(keyring.Pair{Cert: org.Cert, Key: org.Key})

	ca, _ := fedtest.NewCA()
	broker, _ := ca.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &wstrust.Verifier{Certificate: func(ski []byte) *x509.Certificate { return org.Cert }}
		body, _ := io.ReadAll(r.Body)
		in, err := v.Verify(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, _ := (&wstrust.Response{
			Created: in.Created, Expires: in.Created.Add(time.Hour),
			Token: []byte(`<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"/>`),
		}).Marshal(in.MessageID)
		w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
		_, _ = w.Write(out)
	}))
	defer broker.Close()

	client := &wstrust.Client{
		HTTPClient:     ca.HTTPClient(nil),
		Endpoint:       broker.URL + "/extSTS.srf",
		ApplicationURI: "FYDIBOHF25SPDLT.contoso.com",
		Keys:           keys,
	}
	tok, err := client.Token(context.Background(), fedavail.TokenRequest{
		Requester: "alice@contoso.com",
		Audience:  "FYDIBOHF25SPDLT.fabrikam.com",
		Offer:     fedavail.OfferFreeBusy,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Expires.Sub(tok.Created))
	// Output: 1h0m0s
}

// ExampleImmutableIDs names users as on-premises Exchange does, from a
// directory's immutable ids (base64 objectGUIDs), with the derived default
// for users the directory does not know.
func ExampleImmutableIDs() {
	directory := map[string]string{"alice@contoso.com": "AAECAwQFBgcICQoLDA0ODw=="}
	id := wstrust.ImmutableIDs("FYDIBOHF25SPDLT.contoso.com", func(address string) string { return directory[address] })
	fmt.Println(id("alice@contoso.com").NameID)
	fmt.Println(id("bob@contoso.com").NameID == wstrust.DefaultImmutableID("bob@contoso.com")+"@FYDIBOHF25SPDLT.contoso.com")
	// Output:
	// AAECAwQFBgcICQoLDA0ODw==@FYDIBOHF25SPDLT.contoso.com
	// true
}

package token_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/fedtest"
)

// A trust broker issues a free/busy token for alice@contoso.example to
// fabrikam; fabrikam's validator accepts it for GetUserAvailability and
// refuses it for Autodiscover.
func Example() {
	broker, _ := fedtest.NewBrokerCert("example STS")
	fabrikam, _ := fedtest.NewOrgCert("fabrikam federation")
	brokerKeys, _ := keyring.New(keyring.Pair{Cert: broker.Cert, Key: broker.Key})
	fabrikamKeys, _ := keyring.New(keyring.Pair{Cert: fabrikam.Cert, Key: fabrikam.Key})

	iss := &token.Issuer{URI: "urn:federation:example", Keys: brokerKeys}
	tok, err := iss.Issue(token.Claims{
		Audience:        "FYDIBOHF25SPDLT.fabrikam.example",
		NameID:          "opaque-id@example",
		EmailAddress:    "alice@contoso.example",
		RequestorDomain: "contoso.example",
		Offer:           fedavail.OfferFreeBusy,
	}, fabrikam.Cert)
	if err != nil {
		fmt.Println(err)
		return
	}

	v, _ := token.NewValidator(token.ValidatorConfig{
		ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.example",
		Keys:           fabrikamKeys,
		Trust:          &token.StaticTrust{Issuer: "urn:federation:example", Certs: []*x509.Certificate{broker.Cert}},
	})
	req, err := v.ValidateToken(context.Background(), tok.EncryptedData, fedavail.OfferFreeBusy)
	fmt.Println(req.Address, req.Domain, req.Federated, err)

	_, err = v.ValidateToken(context.Background(), tok.EncryptedData, fedavail.OfferAutodiscover)
	var ve *token.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(err, "/", ve.Reason)
	}
	// Output:
	// alice@contoso.example contoso.example true <nil>
	// token: token validation failed / InvalidOffer
}

package token

import (
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

const (
	testBrokerURI = "urn:federation:fedavail-test"
	testAppURI    = "FYDIBOHF25SPDLT.fabrikam.example"
)

// testKeys are created once per test binary: RSA key generation is slow.
type testKeys struct {
	org, orgPrev, orgNext, otherOrg *fedtest.KeyPair
	broker, brokerPrev, attacker    *fedtest.KeyPair
}

var (
	keysOnce sync.Once
	keys     testKeys
	keysErr  error
)

func mustKeys(tb testing.TB) *testKeys {
	tb.Helper()
	keysOnce.Do(func() {
		mk := func(f func(string) (*fedtest.KeyPair, error), cn string) *fedtest.KeyPair {
			if keysErr != nil {
				return nil
			}
			kp, err := f(cn)
			keysErr = err
			return kp
		}
		keys.org = mk(fedtest.NewOrgCert, "fabrikam federation")
		keys.orgPrev = mk(fedtest.NewOrgCert, "fabrikam federation (previous)")
		keys.orgNext = mk(fedtest.NewOrgCert, "fabrikam federation (next)")
		keys.otherOrg = mk(fedtest.NewOrgCert, "contoso federation")
		keys.broker = mk(fedtest.NewBrokerCert, "test STS signing")
		keys.brokerPrev = mk(fedtest.NewBrokerCert, "test STS signing (previous)")
		keys.attacker = mk(fedtest.NewBrokerCert, "Live ID STS Signing Public Key")
	})
	if keysErr != nil {
		tb.Fatal(keysErr)
	}
	return &keys
}

func pair(kp *fedtest.KeyPair) keyring.Pair { return keyring.Pair{Cert: kp.Cert, Key: kp.Key} }

// orgRing is fabrikam's ring after a rollover: current, previous and next.
func orgRing(tb testing.TB, k *testKeys) *keyring.Ring {
	tb.Helper()
	r, err := keyring.New(pair(k.orgPrev))
	if err != nil {
		tb.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return r.SetNext(pair(k.org)) },
		r.Promote,
		func() error { return r.SetNext(pair(k.orgNext)) },
	} {
		if err := step(); err != nil {
			tb.Fatal(err)
		}
	}
	return r
}

func brokerRing(tb testing.TB, kp *fedtest.KeyPair) *keyring.Ring {
	tb.Helper()
	r, err := keyring.New(pair(kp))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// testNow is the test binary's start: the test certificates are valid from
// an hour before it.
var testNow = time.Now().UTC().Truncate(time.Millisecond)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// testIssuer signs with the broker's current key at testNow.
func testIssuer(tb testing.TB, k *testKeys) *Issuer {
	return &Issuer{URI: testBrokerURI, Keys: brokerRing(tb, k.broker), Now: fixedClock(testNow)}
}

func testClaims() Claims {
	return Claims{
		Audience:            testAppURI,
		NameID:              "3Bq9kQ2u8w0u0cL6Hq9eQm0x0yP2s2mXb3e5cH2lF0Y=@fedavail.example",
		NameIDFormat:        NameIDFormatUPN,
		EmailAddress:        "alice@contoso.example",
		RequestorDomain:     "contoso.example",
		Offer:               fedavail.OfferFreeBusy,
		ThirdPartyRequested: true,
	}
}

func testValidator(tb testing.TB, k *testKeys, now time.Time, cfg ValidatorConfig) *Validator {
	tb.Helper()
	if cfg.ApplicationURI == "" {
		cfg.ApplicationURI = testAppURI
	}
	if cfg.Keys == nil {
		cfg.Keys = orgRing(tb, k)
	}
	if cfg.Trust == nil {
		cfg.Trust = &StaticTrust{Issuer: testBrokerURI, Certs: []*x509.Certificate{k.broker.Cert, k.brokerPrev.Cert}}
	}
	if cfg.Now == nil {
		cfg.Now = fixedClock(now)
	}
	v, err := NewValidator(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// sealTo encrypts an assertion (signed or forged) to cert, the way a broker would.
func sealTo(tb testing.TB, assertion []byte, cert *x509.Certificate, kt KeyTransport, ce ContentEncryption) []byte {
	tb.Helper()
	ed, err := encrypt(assertion, cert, kt, ce, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return writeElement(tb, ed)
}

func writeElement(tb testing.TB, el *etree.Element) []byte {
	tb.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func parseElement(tb testing.TB, b []byte) *etree.Element {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		tb.Fatal(err)
	}
	return doc.Root()
}

package token

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/testshared"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// The one real Microsoft Federation Gateway token (decrypted) and the STS
// certificate that signed it; see ../shared/samples/SOURCES.md.
const (
	mfgAssertion = "MFG-delegation-token-decrypted-assertion.azuread-test.xml"
	mfgCert      = "MFG-sts-signing-cert-2025.azuread-test.der"
	mfgAppURI    = "FYDIBOHF25SPDLT.coditeksdf.coditek.net"
	mfgIssuer    = "urn:federation:MicrosoftOnline"
)

// mfgNow is two minutes after the sample was issued: inside its lifetime,
// the certificate's validity and the MailTips offer's five minutes.
var mfgNow = time.Date(2025, 2, 6, 4, 49, 27, 0, time.UTC)

func mfgSample(t *testing.T) ([]byte, *x509.Certificate) {
	t.Helper()
	xml := testshared.Sample(t, mfgAssertion)
	cert, err := x509.ParseCertificate(testshared.Sample(t, mfgCert))
	if err != nil {
		t.Fatal(err)
	}
	return xml, cert
}

// verifyPlain runs the signature half of validation on a decrypted
// assertion, parsed as the validator parses it.
func verifyPlain(plain []byte, trusted []*x509.Certificate, now time.Time) (*Claims, error) {
	root, err := parseAssertionTree(plain, xmlguard.Limits{})
	if err != nil {
		return nil, asValidation(err)
	}
	sig, err := checkShape(root)
	if err != nil {
		return nil, err
	}
	verified, _, err := verify(root, sig, trusted, now)
	if err != nil {
		return nil, err
	}
	return parseAssertion(verified)
}

func TestMFGSampleVerifies(t *testing.T) {
	xml, cert := mfgSample(t)
	got, err := verifyPlain(xml, []*x509.Certificate{cert}, mfgNow)
	if err != nil {
		t.Fatal(err)
	}
	want := &Claims{
		AssertionID:         "uuid-39accd5a-e463-4e1c-803f-d5c1732c7800",
		Issuer:              mfgIssuer,
		Audience:            "http://" + mfgAppURI,
		IssueInstant:        time.Date(2025, 2, 6, 4, 47, 27, 32e6, time.UTC),
		NotBefore:           time.Date(2025, 2, 6, 4, 47, 27, 32e6, time.UTC),
		NotOnOrAfter:        time.Date(2025, 2, 21, 4, 50, 27, 27e6, time.UTC),
		NameID:              "/o3q1rTjLs3v3h1rKR8PD/CR1Gt+0M8oA6qe0OZ/9D0=@MicrosoftOnline.com",
		NameIDFormat:        NameIDFormatUPN,
		EmailAddress:        "op_mbx01@coditeksdf.coditek.net",
		RequestorDomain:     "outlook.com",
		Offer:               fedavail.OfferMailTips,
		ThirdPartyRequested: true,
		ProofKey:            mustBase64(t, "UTX4nQ06p+Zgme+9aGzNgMXLfrrpzemX"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

// TestMFGSampleFullValidation encrypts the real assertion to a test
// organization certificate and runs the whole Validator on it.
func TestMFGSampleFullValidation(t *testing.T) {
	xml, cert := mfgSample(t)
	k := mustKeys(t)
	v := testValidator(t, k, mfgNow, ValidatorConfig{
		ApplicationURI: mfgAppURI,
		Trust:          &StaticTrust{Issuer: mfgIssuer, Certs: []*x509.Certificate{cert}},
	})
	token := sealTo(t, xml, k.org.Cert, RSAOAEP, AES256CBC)
	req, err := v.ValidateToken(t.Context(), token, fedavail.OfferMailTips)
	if err != nil {
		t.Fatalf("ValidateToken: %v (%s)", err, detail(err))
	}
	want := &fedavail.Requester{
		Address:      "op_mbx01@coditeksdf.coditek.net",
		Domain:       "coditeksdf.coditek.net", // the relationship key: the e-mail domain
		Organization: "outlook.com",            // RequestorDomain, the same for every Exchange Online tenant
		Federated:    true,
		NameID:       "/o3q1rTjLs3v3h1rKR8PD/CR1Gt+0M8oA6qe0OZ/9D0=@MicrosoftOnline.com",
	}
	if diff := cmp.Diff(want, req); diff != "" {
		t.Errorf("requester (-want +got):\n%s", diff)
	}
	// The MailTips offer lives five minutes from NotBefore, counted with no
	// skew as Exchange does: 4:59 after issue it passes, 5:01 it does not,
	// with the default five-minute skew on the token's own lifetime.
	for _, tc := range []struct {
		after time.Duration
		ok    bool
	}{{4*time.Minute + 59*time.Second, true}, {5*time.Minute + time.Second, false}} {
		v = testValidator(t, k, mfgNow.Add(tc.after-2*time.Minute), ValidatorConfig{
			ApplicationURI: mfgAppURI, CacheSize: -1,
			Trust: &StaticTrust{Issuer: mfgIssuer, Certs: []*x509.Certificate{cert}},
		})
		_, err = v.ValidateToken(t.Context(), token, fedavail.OfferMailTips)
		if tc.ok && err != nil {
			t.Errorf("%s after issue: %v (%s)", tc.after, err, detail(err))
		}
		if !tc.ok {
			wantReason(t, err, InvalidExpired)
		}
	}
	// Its audience compares as a URI: an application URI configured in
	// another case still matches, as in Exchange.
	v = testValidator(t, k, mfgNow, ValidatorConfig{
		ApplicationURI: "fydibohf25spdlt.CODITEKSDF.coditek.net",
		Trust:          &StaticTrust{Issuer: mfgIssuer, Certs: []*x509.Certificate{cert}},
	})
	if _, err := v.ValidateToken(t.Context(), token, fedavail.OfferMailTips); err != nil {
		t.Errorf("application URI in another case: %v (%s)", err, detail(err))
	}
}

// TestMFGSampleTampered changes one byte at a time, across the whole
// assertion, and expects every variant to be refused.
func TestMFGSampleTampered(t *testing.T) {
	xml, cert := mfgSample(t)
	trusted := []*x509.Certificate{cert}
	const stride = 7
	for i := 0; i < len(xml); i += stride {
		mut := append([]byte(nil), xml...)
		mut[i] ^= 0x01
		if _, err := verifyPlain(mut, trusted, mfgNow); err == nil {
			t.Errorf("byte %d (%q→%q) changed, still accepted", i, xml[i], mut[i])
		} else if ve := (*ValidationError)(nil); !errors.As(err, &ve) {
			t.Errorf("byte %d: error %T is not a *ValidationError", i, err)
		}
	}
}

func TestMFGSampleUntrustedCert(t *testing.T) {
	xml, _ := mfgSample(t)
	k := mustKeys(t)
	_, err := verifyPlain(xml, []*x509.Certificate{k.broker.Cert}, mfgNow)
	wantReason(t, err, InvalidTrustBroker)
}

func mustBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := decodeBase64(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func detail(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Detail()
	}
	return ""
}

func wantReason(t *testing.T, err error, want Reason) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *ValidationError with reason %v", err, err, want)
	}
	if ve.Reason != want {
		t.Fatalf("reason %v (%s), want %v", ve.Reason, ve.Detail(), want)
	}
	if ve.Error() != "token: token validation failed" {
		t.Errorf("Error() = %q reveals detail", ve.Error())
	}
}

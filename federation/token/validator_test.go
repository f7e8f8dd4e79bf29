package token

import (
	"bytes"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

func TestIssueValidateRoundTrip(t *testing.T) {
	k := mustKeys(t)
	for _, tc := range []struct {
		name string
		kt   KeyTransport
		ce   ContentEncryption
		to   *x509.Certificate
	}{
		{"OAEP AES-256-CBC to current", RSAOAEP, AES256CBC, k.org.Cert},
		{"RSA 1.5 AES-256-CBC", RSA15, AES256CBC, k.org.Cert},
		{"OAEP AES-256-GCM", RSAOAEP, AES256GCM, k.org.Cert},
		{"OAEP AES-128-GCM", RSAOAEP, AES128GCM, k.org.Cert},
		{"OAEP AES-128-CBC", RSAOAEP, AES128CBC, k.org.Cert},
		{"to previous org cert", RSAOAEP, AES256CBC, k.orgPrev.Cert},
		{"to next org cert", RSAOAEP, AES256CBC, k.orgNext.Cert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iss := testIssuer(t, k)
			iss.KeyTransport, iss.ContentEncryption = tc.kt, tc.ce
			tok, err := iss.Issue(testClaims(), tc.to)
			if err != nil {
				t.Fatal(err)
			}
			v := testValidator(t, k, testNow.Add(time.Minute), ValidatorConfig{})
			got, err := v.Validate(t.Context(), tok.EncryptedData, fedavail.OfferFreeBusy)
			if err != nil {
				t.Fatalf("Validate: %s", detail(err))
			}
			want := testClaims()
			want.Audience = "http://" + testAppURI
			want.Issuer = testBrokerURI
			want.AssertionID = tok.AssertionID
			want.IssueInstant, want.NotBefore = testNow, testNow
			want.NotOnOrAfter = testNow.Add(5 * time.Minute)
			want.ProofKey = tok.ProofKey
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			if len(tok.ProofKey) != 32 || tok.Created != testNow || tok.Expires != want.NotOnOrAfter {
				t.Errorf("token = %+v", tok)
			}
		})
	}
}

func TestBrokerRollover(t *testing.T) {
	k := mustKeys(t)
	iss := testIssuer(t, k)
	iss.Keys = brokerRing(t, k.brokerPrev)
	tok, err := iss.Issue(testClaims(), k.org.Cert)
	if err != nil {
		t.Fatal(err)
	}
	v := testValidator(t, k, testNow, ValidatorConfig{})
	if _, err := v.ValidateToken(t.Context(), tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
		t.Fatalf("token signed by the previous broker certificate: %s", detail(err))
	}
	// Once metadata drops the previous certificate, the same (cached) token
	// is refused.
	trust := &StaticTrust{Issuer: testBrokerURI, Certs: []*x509.Certificate{k.broker.Cert}}
	v.cfg.Trust = trust
	_, err = v.ValidateToken(t.Context(), tok.EncryptedData, fedavail.OfferFreeBusy)
	wantReason(t, err, InvalidTrustBroker)
}

func TestValidationErrorIsVague(t *testing.T) {
	err := error(fail(InvalidOffer, "offer %q", "x"))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Reason != InvalidOffer {
		t.Fatalf("errors.As: %v", err)
	}
	if got := err.Error(); got != "token: token validation failed" {
		t.Errorf("Error() = %q", got)
	}
	if got, want := ve.Detail(), `InvalidOffer: token: offer "x"`; got != want {
		t.Errorf("Detail() = %q, want %q", got, want)
	}
}

// TestValidatorKeepsNothingOfTheBuffer holds Validate to the
// fedavail.TokenValidator contract the EWS handler relies on when it
// passes a pooled buffer: after the call, overwriting the buffer changes
// neither the claims returned, nor the cached outcome of the token (valid
// or refused), nor the error returned for it.
func TestValidatorKeepsNothingOfTheBuffer(t *testing.T) {
	k := mustKeys(t)
	tok, err := testIssuer(t, k).Issue(testClaims(), k.org.Cert)
	if err != nil {
		t.Fatal(err)
	}
	v := testValidator(t, k, testNow.Add(time.Minute), ValidatorConfig{})
	scribble := func(b []byte) {
		for i := range b {
			b[i] = 'x'
		}
	}
	buf := bytes.Clone(tok.EncryptedData)
	first, err := v.Validate(t.Context(), buf, fedavail.OfferFreeBusy)
	if err != nil {
		t.Fatalf("Validate: %s", detail(err))
	}
	want := *first
	want.ProofKey = bytes.Clone(first.ProofKey)
	scribble(buf)
	if diff := cmp.Diff(&want, first); diff != "" {
		t.Errorf("claims changed with the buffer (-before +after):\n%s", diff)
	}
	again, err := v.Validate(t.Context(), bytes.Clone(tok.EncryptedData), fedavail.OfferFreeBusy)
	if err != nil || again != first || v.cache.len() != 1 {
		t.Errorf("second validation: %v, same claims %v, %d cached; want the cached claims", err, again == first, v.cache.len())
	}

	bad := bytes.Replace(bytes.Clone(tok.EncryptedData), []byte("CipherValue>"), []byte("CipherValue>AAAA"), 1)
	buf = bytes.Clone(bad)
	_, err1 := v.Validate(t.Context(), buf, fedavail.OfferFreeBusy)
	if err1 == nil {
		t.Fatal("a tampered token was accepted")
	}
	msg := detail(err1)
	scribble(buf)
	if detail(err1) != msg {
		t.Errorf("refusal changed with the buffer: %q, then %q", msg, detail(err1))
	}
	_, err2 := v.Validate(t.Context(), bytes.Clone(bad), fedavail.OfferFreeBusy)
	if err2 != err1 {
		t.Errorf("the refusal was not the cached one: %v, then %v", detail(err1), detail(err2))
	}
}

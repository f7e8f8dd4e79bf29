package token

import (
	"crypto"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
)

func TestSameURI(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"http://FYDIBOHF25SPDLT.contoso.com", "http://FYDIBOHF25SPDLT.contoso.com", true},
		{"http://fydibohf25spdlt.CONTOSO.com", "http://FYDIBOHF25SPDLT.contoso.com", true},  // host case
		{"http://FYDIBOHF25SPDLT.contoso.com/", "http://FYDIBOHF25SPDLT.contoso.com", true}, // empty path is "/"
		{"HTTP://FYDIBOHF25SPDLT.contoso.com", "http://FYDIBOHF25SPDLT.contoso.com", true},  // scheme case
		{"http://FYDIBOHF25SPDLT.contoso.com:80", "http://FYDIBOHF25SPDLT.contoso.com", true},
		{"http://FYDIBOHF25SPDLT.contoso.com#x", "http://FYDIBOHF25SPDLT.contoso.com", true}, // .NET ignores fragments
		{"http://FYDIBOHF25SPDLT.contoso.com:8080", "http://FYDIBOHF25SPDLT.contoso.com", false},
		{"https://FYDIBOHF25SPDLT.contoso.com", "http://FYDIBOHF25SPDLT.contoso.com", false},
		{"http://FYDIBOHF25SPDLT.contoso.com/a", "http://FYDIBOHF25SPDLT.contoso.com", false},
		{"http://FYDIBOHF25SPDLT.contoso.com/A", "http://FYDIBOHF25SPDLT.contoso.com/a", false}, // path case counts
		{"http://FYDIBOHF25SPDLT.contoso.com?q", "http://FYDIBOHF25SPDLT.contoso.com", false},
		{"http://evil@FYDIBOHF25SPDLT.contoso.com", "http://FYDIBOHF25SPDLT.contoso.com", false},
		{"http://FYDIBOHF25SPDLT.contoso.com.evil.example", "http://FYDIBOHF25SPDLT.contoso.com", false},
		{"FYDIBOHF25SPDLT.contoso.com", "http://FYDIBOHF25SPDLT.contoso.com", false}, // not absolute
		{"urn:federation:example", "urn:federation:example", true},
		{"URN:federation:example", "urn:federation:example", true},
		{"urn:federation:Example", "urn:federation:example", false},
	}
	for _, tt := range tests {
		if got := sameURI(tt.a, tt.b); got != tt.want {
			t.Errorf("sameURI(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// signWithAudiences returns a token for the test claims whose Conditions
// hold the given audience restrictions instead of the one the issuer
// writes, genuinely signed by the trusted broker.
func signWithAudiences(t *testing.T, k *testKeys, restrictions [][]string) []byte {
	t.Helper()
	c := testClaims()
	iss := testIssuer(t, k)
	if err := iss.complete(&c); err != nil {
		t.Fatal(err)
	}
	a := buildAssertion(&c)
	cond := a.SelectElement("Conditions")
	for _, arc := range cond.SelectElements("AudienceRestrictionCondition") {
		cond.RemoveChild(arc)
	}
	for _, list := range restrictions {
		arc := cond.CreateElement("saml:AudienceRestrictionCondition")
		for _, aud := range list {
			arc.CreateElement("saml:Audience").SetText(aud)
		}
	}
	signed, err := sign(a, iss.Keys.Current(), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return sealTo(t, writeElement(t, signed), k.org.Cert, RSAOAEP, AES256CBC)
}

// Audiences compare as URIs, and any one Audience of a restriction may
// name the organization; every restriction must.
func TestValidatorAudiences(t *testing.T) {
	k := mustKeys(t)
	own := "http://" + testAppURI
	tests := []struct {
		name         string
		restrictions [][]string
		wantAudience string // "" means refused with want
		want         Reason
	}{
		{"exact", [][]string{{own}}, own, 0},
		{"host case and trailing slash", [][]string{{"http://" + swapCase(testAppURI) + "/"}}, "http://" + swapCase(testAppURI) + "/", 0},
		{"second of several", [][]string{{"http://other.example", own}}, own, 0},
		{"each of two restrictions", [][]string{{"http://other.example", own}, {own + "/"}}, own, 0},
		{"one restriction misses", [][]string{{own}, {"http://other.example"}}, "", InvalidTarget},
		{"another organization", [][]string{{"http://FYDIBOHF25SPDLT.contoso.example"}}, "", InvalidTarget},
		{"no restriction", nil, "", InvalidTokenFormat},
		{"empty restriction", [][]string{{}}, "", InvalidTokenFormat},
		{"too many audiences", [][]string{make([]string, maxAudiences+1)}, "", InvalidTokenFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := signWithAudiences(t, k, tt.restrictions)
			v := testValidator(t, k, testNow.Add(time.Minute), ValidatorConfig{})
			c, err := v.Validate(t.Context(), tok, fedavail.OfferFreeBusy)
			if tt.wantAudience == "" {
				wantReason(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatalf("refused: %s", detail(err))
			}
			if c.Audience != tt.wantAudience {
				t.Errorf("Claims.Audience = %q, want %q", c.Audience, tt.wantAudience)
			}
		})
	}
}

func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		} else if 'A' <= c && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// The offer's maximum age counts from NotBefore with no clock skew, as
// Exchange's TokenValidator counts it; NotBefore and NotOnOrAfter keep the
// skew. A token without NotBefore is too old, as in Exchange (ValidFrom is
// then the year 1).
func TestValidatorMaximumAge(t *testing.T) {
	k := mustKeys(t)
	long := func(c *Claims) { c.NotOnOrAfter = testNow.Add(24 * time.Hour) }
	tests := []struct {
		name  string
		edit  func(*Claims)
		now   time.Time
		offer fedavail.Offer
		ok    bool
	}{
		{"free/busy at 5 minutes", long, testNow.Add(5 * time.Minute), fedavail.OfferFreeBusy, true},
		{"free/busy past 5 minutes", long, testNow.Add(5*time.Minute + time.Millisecond), fedavail.OfferFreeBusy, false},
		{"free/busy at 9 minutes (was accepted with skew)", long, testNow.Add(9 * time.Minute), fedavail.OfferFreeBusy, false},
		{"Autodiscover at 8 hours", func(c *Claims) { c.Offer = fedavail.OfferAutodiscover; long(c) }, testNow.Add(8 * time.Hour), fedavail.OfferAutodiscover, true},
		{"Autodiscover past 8 hours", func(c *Claims) { c.Offer = fedavail.OfferAutodiscover; long(c) }, testNow.Add(8*time.Hour + time.Second), fedavail.OfferAutodiscover, false},
		{"NotBefore 4 minutes ahead, within skew", func(c *Claims) { c.NotBefore = testNow.Add(4 * time.Minute); long(c) }, testNow, fedavail.OfferFreeBusy, true},
		{"expired 4 minutes ago, within skew", func(c *Claims) {
			c.Offer = fedavail.OfferAutodiscover
			c.NotOnOrAfter = testNow.Add(time.Hour)
		}, testNow.Add(time.Hour + 4*time.Minute), fedavail.OfferAutodiscover, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClaims()
			tt.edit(&c)
			tok, err := testIssuer(t, k).Issue(c, k.org.Cert)
			if err != nil {
				t.Fatal(err)
			}
			v := testValidator(t, k, tt.now, ValidatorConfig{})
			_, err = v.Validate(t.Context(), tok.EncryptedData, tt.offer)
			if tt.ok && err != nil {
				t.Fatalf("refused: %s", detail(err))
			}
			if !tt.ok {
				wantReason(t, err, InvalidExpired)
			}
		})
	}

	t.Run("no NotBefore", func(t *testing.T) {
		c := testClaims()
		iss := testIssuer(t, k)
		if err := iss.complete(&c); err != nil {
			t.Fatal(err)
		}
		a := buildAssertion(&c)
		a.SelectElement("Conditions").RemoveAttr("NotBefore")
		signed, err := sign(a, iss.Keys.Current(), crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		tok := sealTo(t, writeElement(t, signed), k.org.Cert, RSAOAEP, AES256CBC)
		_, err = testValidator(t, k, testNow.Add(time.Minute), ValidatorConfig{}).Validate(t.Context(), tok, fedavail.OfferFreeBusy)
		wantReason(t, err, InvalidExpired)
	})
}

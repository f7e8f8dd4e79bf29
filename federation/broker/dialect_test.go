package broker

import (
	"context"
	"crypto"
	"log/slog"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/fedtest"
)

// Tokens for a relying party named in SHA1For are signed with RSA-SHA1, as
// the Microsoft Federation Gateway signs, and the others with RSA-SHA256;
// both validate at the partner.
func TestSignatureHashPerAudience(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	ask := func() string {
		t.Helper()
		var logs fedtest.LogBuffer
		e.b.log = slog.New(slog.NewTextHandler(&logs, nil))
		tok, err := e.client(newRing(t, contoso)).Token(context.Background(), fb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.validator(t, newRing(t, fabrikam)).ValidateToken(context.Background(), tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
			t.Fatalf("the partner refuses the token: %v", err)
		}
		return logs.String()
	}
	if got := ask(); !strings.Contains(got, "signature=RSA-SHA-256") {
		t.Errorf("default: %s, want RSA-SHA-256", got)
	}
	e.b.cfg.SignatureHash = SHA1For(strings.ToUpper(fabrikamURI)) // compared without regard to case
	if got := ask(); !strings.Contains(got, "signature=RSA-SHA-1") {
		t.Errorf("for a SHA-1 relying party: %s, want RSA-SHA-1", got)
	}
	if h := SHA1For(fabrikamURI)(contosoURI); h != crypto.SHA256 {
		t.Errorf("SHA1For for another audience = %v, want SHA-256", h)
	}
}

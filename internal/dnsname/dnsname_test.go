package dnsname

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	tests := []struct {
		in, want string
		reason   string // substring of the error, "" for success
	}{
		{in: "contoso.com", want: "contoso.com"},
		{in: "  Contoso.COM. ", want: "contoso.com"},
		{in: "sub.fabrikam.co.uk", want: "sub.fabrikam.co.uk"},
		{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{in: "bücher.example", want: "xn--bcher-kva.example"},
		{in: long63 + ".com", want: long63 + ".com"},
		{in: "my-org.example", want: "my-org.example"},
		{in: "", reason: "empty"},
		{in: ".", reason: "empty"},
		{in: "localhost", reason: "single label"},
		{in: "a..com", reason: "empty label at position 2"},
		{in: ".contoso.com", reason: "empty label at position 1"},
		{in: long63 + "a.com", reason: "more than 63"},
		{in: strings.Repeat("abcdefghi.", 26) + "com", reason: "more than 253"},
		{in: "fab rikam.com", reason: `character ' ' is not allowed`},
		{in: "user@contoso.com", reason: `character '@'`},
		{in: "-bad.com", reason: "hyphen"},
		{in: "bad-.com", reason: "hyphen"},
		{in: "under_score.com", reason: `character '_'`},
		{in: "semi;colon.com", reason: `not allowed`},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if tt.reason == "" {
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("Normalize(%q) = %q, nil; want an error containing %q", tt.in, got, tt.reason)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Normalize(%q) error = %v; want one containing %q that is ErrInvalid", tt.in, err, tt.reason)
		}
	}
}

// TestPlainNamesUnchanged: every name plain lets through is one the full
// normalization (IDNA and the structure checks) accepts and returns as it
// is, over edge cases and random names of the characters that matter.
func TestPlainNamesUnchanged(t *testing.T) {
	full := func(s string) (string, error) {
		ascii, err := lookup.ToASCII(s)
		if err != nil {
			return "", err
		}
		ascii = strings.ToLower(ascii)
		if r := structure(ascii); r != "" {
			return "", errors.New(r)
		}
		return ascii, nil
	}
	check := func(s string) {
		if !plain(s) {
			return
		}
		if got, err := full(s); err != nil || got != s {
			t.Errorf("plain(%q), but the full normalization gives %q, %v", s, got, err)
		}
	}
	long63 := strings.Repeat("a", 63)
	for _, s := range []string{"contoso.com", "a.b", "1.2", "123.example", "a-b.c-d", "ab-c.example", "xn--bcher-kva.example", "ab--cd.example",
		long63 + ".com", strings.Repeat("abcdefghi.", 25) + "com", "a.b.", ".a.b", "a..b", "-a.b", "a-.b", "single"} {
		check(s)
	}
	if !plain("sub.fabrikam.co.uk") || plain("Contoso.com") || plain("xn--bcher-kva.example") || plain("a") || plain("a-.b") {
		t.Error("plain misjudges a usual name")
	}
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "abcxyz019-.-."
	for range 200000 {
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}

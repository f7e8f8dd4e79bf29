package dnsname

import (
	"errors"
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

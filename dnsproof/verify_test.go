package dnsproof

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/fedtest"
)

// newDNS starts a loopback DNS server for the test.
func newDNS(t *testing.T) *fedtest.DNSServer {
	t.Helper()
	s, err := fedtest.NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestVerifyOverDNS(t *testing.T) {
	dns := newDNS(t)
	org := newOrg(t, "contoso")
	proof, err := Proof(org.Key, "contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	// Several records, one of them the proof.
	dns.AddTXT("contoso.com", "v=spf1 include:spf.protection.outlook.com -all")
	dns.AddTXT("contoso.com", "MS=ms12345678")
	dns.AddTXT("contoso.com", proof)
	// The proof split over two strings of one record.
	dns.AddTXT("split.example", proof[:50], proof[50:])
	// Legacy AppID form, in different case.
	dns.AddTXT("legacy.example", "appid=0000000040004f5a")
	// A CNAME chain ending at the record.
	dns.SetCNAME("alias.example", "hop.example")
	dns.SetCNAME("hop.example", "target.example")
	dns.AddTXT("target.example", proof)
	// So many records that the answer is larger than 512 octets: the UDP
	// answer is truncated and the resolver has to ask again over TCP.
	for i := 0; i < 12; i++ {
		dns.AddTXT("big.example", fmt.Sprintf("filler-%02d-%s", i, strings.Repeat("z", 60)))
	}
	dns.AddTXT("big.example", proof)
	// Failure cases.
	dns.AddA("nodata.example", net.IPv4(127, 0, 0, 1))
	dns.AddTXT("mismatch.example", "v=spf1 -all", "")
	dns.AddTXT("mismatch.example", "AppID=1111")
	dns.Fail("broken.example", true)

	v := &Verifier{Resolver: dns.Resolver()}
	ctx := context.Background()
	tests := []struct {
		domain string
		want   Expect
		rec    string // matching record on success
		kind   error  // else the outcome
		found  []string
	}{
		{domain: "contoso.com", want: Expect{Proofs: []string{proof}}, rec: proof},
		{domain: " CONTOSO.com. ", want: Expect{Proofs: []string{proof}}, rec: proof},
		{domain: "split.example", want: Expect{Proofs: []string{proof}}, rec: proof},
		{domain: "legacy.example", want: Expect{AppID: "0000000040004F5A"}, rec: "appid=0000000040004f5a"},
		{domain: "alias.example", want: Expect{Proofs: []string{proof}}, rec: proof},
		{domain: "big.example", want: Expect{Proofs: []string{proof}}, rec: proof},
		{domain: "unknown.example", want: Expect{Proofs: []string{proof}}, kind: ErrNoSuchDomain},
		{domain: "nodata.example", want: Expect{Proofs: []string{proof}}, kind: ErrNoTXTRecord},
		{domain: "mismatch.example", want: Expect{Proofs: []string{proof}, AppID: "42"}, kind: ErrMismatch, found: []string{"v=spf1 -all", "AppID=1111"}},
		{domain: "broken.example", want: Expect{Proofs: []string{proof}}, kind: ErrDNSFailure},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			rec, err := v.Verify(ctx, tt.domain, tt.want)
			if tt.kind == nil {
				if err != nil || rec != tt.rec {
					t.Fatalf("Verify = %q, %v; want %q", rec, err, tt.rec)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, tt.kind) {
				t.Fatalf("Verify error = %v; want a *VerifyError that is %v", err, tt.kind)
			}
			for _, other := range []error{ErrNoSuchDomain, ErrNoTXTRecord, ErrMismatch, ErrDNSFailure} {
				if other != tt.kind && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			if ve.Domain != strings.TrimSpace(tt.domain) {
				t.Errorf("VerifyError.Domain = %q", ve.Domain)
			}
			if diff := cmp.Diff(tt.found, ve.Found); diff != "" {
				t.Errorf("VerifyError.Found (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyCanceled(t *testing.T) {
	dns := newDNS(t)
	dns.AddTXT("contoso.com", "x")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&Verifier{Resolver: dns.Resolver()}).Verify(ctx, "contoso.com", Expect{AppID: "x"})
	if !errors.Is(err, ErrDNSFailure) {
		t.Errorf("Verify with a canceled context: %v, want ErrDNSFailure", err)
	}
}

func TestVerifyNothingExpected(t *testing.T) {
	_, err := (&Verifier{Resolver: failResolver{}}).Verify(context.Background(), "contoso.com", Expect{Proofs: []string{"  "}})
	if !errors.Is(err, ErrNothingExpected) {
		t.Errorf("err = %v, want ErrNothingExpected", err)
	}
}

// failResolver is a custom resolver that reports outcomes with the
// package's own sentinels.
type failResolver struct{ err error }

func (f failResolver) LookupTXT(context.Context, string) ([]string, error) { return nil, f.err }

func TestVerifyCustomResolverErrors(t *testing.T) {
	for _, tt := range []struct {
		err, kind error
	}{
		{fmt.Errorf("zone API: %w", ErrNoSuchDomain), ErrNoSuchDomain},
		{fmt.Errorf("zone API: %w", ErrNoTXTRecord), ErrNoTXTRecord},
		{&net.DNSError{Err: "no such host", Name: "contoso.com", IsNotFound: true}, ErrNoTXTRecord},
		{errors.New("zone API: 500"), ErrDNSFailure},
	} {
		_, err := (&Verifier{Resolver: failResolver{tt.err}}).Verify(context.Background(), "contoso.com", Expect{AppID: "x"})
		if !errors.Is(err, tt.kind) || !errors.Is(err, tt.err) {
			t.Errorf("resolver error %v gave %v, want %v wrapping it", tt.err, err, tt.kind)
		}
	}
}

func TestVerifyDomain(t *testing.T) {
	dns := newDNS(t)
	org := newOrg(t, "contoso")
	next := newOrg(t, "contoso next")
	intruder := newOrg(t, "intruder")
	proof, _ := Proof(org.Key, "contoso.com")
	dns.AddTXT("contoso.com", proof)
	dns.AddTXT("legacy.example", "AppID=abc")

	// The broker holds only the public certificates; the organization
	// presents its signature.
	sig, _ := Sign(org.Key, "contoso.com")
	badSig, _ := Sign(intruder.Key, "contoso.com")
	nextSig, _ := Sign(next.Key, "contoso.com")
	v := &Verifier{Resolver: dns.Resolver()}
	ctx := context.Background()
	tests := []struct {
		name   string
		domain string
		org    OrgIdentity
		want   error // nil for success
	}{
		{"signature of the current cert", "contoso.com", OrgIdentity{Certificates: certsOf(next, org), Signatures: [][]byte{sig}}, nil},
		{"signature by another key", "contoso.com", OrgIdentity{Certificates: certsOf(org), Signatures: [][]byte{badSig}}, ErrBadSignature},
		{"valid signature, proof not published", "contoso.com", OrgIdentity{Certificates: certsOf(org, next), Signatures: [][]byte{nextSig}}, ErrMismatch},
		{"signature for another domain", "legacy.example", OrgIdentity{Certificates: certsOf(org), Signatures: [][]byte{sig}}, ErrBadSignature},
		{"legacy AppID", "legacy.example", OrgIdentity{AppID: "ABC"}, nil},
		{"known proof", "contoso.com", OrgIdentity{Proofs: []string{proof}}, nil},
		{"nothing to go by", "contoso.com", OrgIdentity{Certificates: certsOf(org)}, ErrNothingExpected},
		{"invalid domain", "contoso..com", OrgIdentity{AppID: "x"}, ErrInvalidDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.VerifyDomain(ctx, tt.domain, tt.org)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("VerifyDomain = %v, want %v", err, tt.want)
			}
		})
	}
}

func certsOf(kps ...*fedtest.KeyPair) []*x509.Certificate {
	var out []*x509.Certificate
	for _, kp := range kps {
		out = append(out, kp.Cert)
	}
	return out
}

package wstrust

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/soap"
)

var (
	caOnce sync.Once
	ca     *fedtest.CA
	errCA  error
)

func testCA(t testing.TB) *fedtest.CA {
	t.Helper()
	caOnce.Do(func() { ca, errCA = fedtest.NewCA() })
	if errCA != nil {
		t.Fatal(errCA)
	}
	return ca
}

// fakeSTS verifies each request and answers with faults from the script
// first, then with a token.
type fakeSTS struct {
	v      *Verifier
	faults []*fedavail.Fault
	calls  atomic.Int32
	last   atomic.Pointer[IncomingRequest]
}

func (s *fakeSTS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1))
	if ct := r.Header.Get("Content-Type"); ct != `application/soap+xml; charset=utf-8; action="`+ActionIssue+`"` {
		soap.WriteFault(w, soap.V12, &fedavail.Fault{Code: "Sender", Reason: "content type " + ct})
		return
	}
	data, _ := io.ReadAll(r.Body)
	in, err := s.v.Verify(data)
	if err != nil {
		soap.WriteFault(w, soap.V12, &fedavail.Fault{Code: "Sender", Reason: err.Error()})
		return
	}
	s.last.Store(in)
	if n <= len(s.faults) {
		soap.WriteFault(w, soap.V12, s.faults[n-1])
		return
	}
	resp := &Response{
		TokenType: TokenTypeSAML11, AppliesTo: in.AppliesTo, Created: in.Created, Expires: in.Created.Add(8 * time.Hour),
		Token:             []byte(`<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"><CipherData><CipherValue>AA==</CipherValue></CipherData></EncryptedData>`),
		ProofKey:          make([]byte, 32),
		AttachedReference: "uuid-x", UnattachedReference: "uuid-x",
	}
	out, _ := resp.Marshal(in.MessageID)
	w.Header().Set("Content-Type", soap.V12.ContentType(""))
	_, _ = w.Write(out)
}

func startSTS(t *testing.T, sts *fakeSTS) *Client {
	t.Helper()
	testKeys(t)
	srv, err := testCA(t).NewTLSServer(sts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	sts.v.Endpoint = srv.URL + "/extSTS.srf"
	sts.v.Now = nil
	c := &Client{
		HTTPClient:     testCA(t).HTTPClient(nil),
		Endpoint:       srv.URL + "/extSTS.srf",
		ApplicationURI: "FYDIBOHF25SPDLT.contoso.com",
		Keys:           ring(t, orgA),
		Backoff:        func(int) time.Duration { return time.Millisecond },
	}
	return c
}

func TestClientToken(t *testing.T) {
	sts := &fakeSTS{v: &Verifier{Certificate: certsBySKI(orgAOrInit(t))}}
	c := startSTS(t, sts)
	tok, err := c.Token(context.Background(), freeBusy)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AssertionID != "uuid-x" || len(tok.ProofKey) != 32 || len(tok.EncryptedData) == 0 || !tok.Expires.After(tok.Created) {
		t.Errorf("token = %+v", tok)
	}
	in := sts.last.Load()
	if in.OnBehalfOf.Email != freeBusy.Requester || in.AppliesTo != "http://"+freeBusy.Audience || in.Offer != freeBusy.Offer {
		t.Errorf("broker saw %+v", in)
	}
}

func orgAOrInit(t *testing.T) *fedtest.KeyPair { testKeys(t); return orgA }

func TestClientRetries(t *testing.T) {
	receiver := &fedavail.Fault{Code: "Receiver", Reason: "busy"}
	sender := &fedavail.Fault{Code: "Sender", Reason: "no such partner"}
	tests := []struct {
		name      string
		faults    []*fedavail.Fault
		wantCalls int32
		wantCode  string // "" = success
	}{
		{"receiver then success", []*fedavail.Fault{receiver, receiver}, 3, ""},
		{"receiver until exhausted", []*fedavail.Fault{receiver, receiver, receiver, receiver}, 3, "Receiver"},
		{"sender is not retried", []*fedavail.Fault{sender}, 1, "Sender"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sts := &fakeSTS{v: &Verifier{Certificate: certsBySKI(orgAOrInit(t))}, faults: tc.faults}
			c := startSTS(t, sts)
			_, err := c.Token(context.Background(), freeBusy)
			if got := sts.calls.Load(); got != tc.wantCalls {
				t.Errorf("%d calls, want %d", got, tc.wantCalls)
			}
			var f *fedavail.Fault
			switch {
			case tc.wantCode == "" && err != nil:
				t.Errorf("err = %v", err)
			case tc.wantCode != "" && (!errors.As(err, &f) || f.Code != tc.wantCode):
				t.Errorf("err = %v, want a %s fault", err, tc.wantCode)
			}
		})
	}
}

func TestClientBackoffRespectsContext(t *testing.T) {
	sts := &fakeSTS{v: &Verifier{Certificate: certsBySKI(orgAOrInit(t))}, faults: []*fedavail.Fault{{Code: "Receiver"}, {Code: "Receiver"}}}
	c := startSTS(t, sts)
	ctx, cancel := context.WithCancel(context.Background())
	c.Backoff = func(int) time.Duration { cancel(); return time.Hour }
	_, err := c.Token(ctx, freeBusy)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := sts.calls.Load(); got != 1 {
		t.Errorf("%d calls, want 1", got)
	}
}

func TestClientRollover(t *testing.T) {
	testKeys(t)
	sts := &fakeSTS{v: &Verifier{Certificate: certsBySKI(orgA, orgA2)}}
	c := startSTS(t, sts)
	if _, err := c.Token(context.Background(), freeBusy); err != nil {
		t.Fatal(err)
	}
	if err := c.Keys.SetNext(keyring.Pair{Cert: orgA2.Cert, Key: orgA2.Key}); err != nil {
		t.Fatal(err)
	}
	if err := c.Keys.Promote(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(context.Background(), freeBusy); err != nil {
		t.Fatal(err)
	}
	if !sts.last.Load().Certificate.Equal(orgA2.Cert) {
		t.Error("request after rollover not signed with the new certificate")
	}
}

func TestClientConfigErrors(t *testing.T) {
	if _, err := (&Client{}).Token(context.Background(), freeBusy); !errors.Is(err, ErrNoKey) {
		t.Errorf("no keys: %v", err)
	}
	testKeys(t)
	c := &Client{Keys: ring(t, orgA), Endpoint: "https://127.0.0.1:1/"}
	if _, err := c.Token(context.Background(), freeBusy); !errors.Is(err, soap.ErrNoHTTPClient) {
		t.Errorf("no HTTP client: %v", err)
	}
	if _, err := c.Token(context.Background(), fedavail.TokenRequest{Requester: "a@b"}); err == nil {
		t.Error("incomplete request accepted")
	}
}

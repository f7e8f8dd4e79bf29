package broker

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
)

func (e *env) regClient(t *testing.T, keys *fedtest.KeyPair) *RegistrationClient {
	return &RegistrationClient{HTTPClient: e.http, BaseURL: e.url, Keys: newRing(t, keys)}
}

func TestRegistrationAPI(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	con, fab := e.regClient(t, contoso), e.regClient(t, fabrikam)
	org, err := con.Register(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"Contoso.com."}, Current: contoso.Cert})
	if err != nil {
		t.Fatal(err)
	}
	if len(org.AppID) != 16 || !cmp.Equal(org.Domains, []string{"contoso.com"}) {
		t.Errorf("registered %+v", org)
	}
	if _, err := fab.Register(ctx, Registration{ApplicationURI: fabrikamURI, Domains: []string{"fabrikam.com"}, Current: fabrikam.Cert}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"register with someone else's certificate", func() error {
			_, err := fab.Register(ctx, Registration{ApplicationURI: "FYDIBOHF25SPDLT.other.example", Domains: []string{"contoso.com"}, Current: rogue.Cert})
			return err
		}, ErrNotPermitted},
		{"update another organization", func() error {
			_, err := fab.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: fabrikam.Cert})
			return err
		}, ErrNotPermitted},
		{"remove another organization", func() error { return fab.Remove(ctx, contosoURI) }, ErrNotPermitted},
		{"register twice", func() error {
			_, err := con.Register(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: contoso.Cert})
			return err
		}, ErrExists},
		{"domain of another organization", func() error {
			_, err := con.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com", "fabrikam.com"}, Current: contoso.Cert})
			return err
		}, ErrDomainTaken},
		{"domain over 32 characters", func() error {
			_, err := con.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com", "a-rather-long-department-name.example.org"}, Current: contoso.Cert})
			return err
		}, ErrInvalid},
		{"certificate without client authentication", func() error {
			_, err := e.b.Register(ctx, Registration{ApplicationURI: "FYDIBOHF25SPDLT.server.example", Domains: []string{"contoso.com"}, Current: serverOnlyCert(t)})
			return err
		}, ErrInvalid},
		{"unknown registration", func() error { return con.Remove(ctx, "FYDIBOHF25SPDLT.nowhere.example") }, ErrNotFound},
		{"no domain", func() error {
			_, err := con.Update(ctx, Registration{ApplicationURI: contosoURI, Current: contoso.Cert})
			return err
		}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("unproven domain", func(t *testing.T) {
		_, err := con.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com", "contoso.net"}, Current: contoso.Cert})
		var re *fedavail.HTTPError
		if !errors.As(err, &re) || re.StatusCode != 422 || !errors.Is(err, ErrDomainNotProven) {
			t.Errorf("err = %v, want HTTP 422", err)
		}
	})
	// Own changes work, and the operator sees them.
	if _, err := con.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: contoso.Cert, Next: contoso2.Cert}); err != nil {
		t.Fatal(err)
	}
	if err := fab.Remove(ctx, fabrikamURI); err != nil {
		t.Fatal(err)
	}
	orgs := e.b.Organizations()
	if len(orgs) != 1 || orgs[0].ApplicationURI != contosoURI || len(orgs[0].Next) == 0 {
		t.Errorf("organizations = %+v", orgs)
	}
}

// TestFileStoreRestart registers through a broker, restarts it on the same
// folder and finds the registrations.
func TestFileStoreRestart(t *testing.T) {
	dir := t.TempDir()
	fs, err := OpenFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, fs)
	e.register(t)
	want := e.b.Organizations()
	fs.Close()
	fs2, err := OpenFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fs2.Close()
	restarted, err := New(t.Context(), Config{URI: brokerURI, BaseURL: e.url, Keys: e.keys, Store: fs2, Domains: e.domain})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, restarted.Organizations()); diff != "" {
		t.Errorf("after restart (-want +got):\n%s", diff)
	}
}

func TestReplayRefused(t *testing.T) {
	now := timeNow()
	c := &MemoryReplayCache{MaxEntries: 2, Now: func() time.Time { return now }}
	add := func(key string, ttl time.Duration) (bool, error) {
		return c.Add(t.Context(), []byte(key), now.Add(ttl))
	}
	if fresh, err := add("sig", time.Minute); !fresh || err != nil {
		t.Fatalf("first use: %v, %v", fresh, err)
	}
	if fresh, err := add("sig", time.Minute); fresh || err != nil {
		t.Errorf("second use: %v, %v; want refused", fresh, err)
	}
	if fresh, _ := add("other", 2*time.Minute); !fresh {
		t.Error("a second key refused")
	}
	// Full of live entries: refuse rather than forget one.
	var le *fedavail.LimitError
	if _, err := add("third", time.Minute); !errors.As(err, &le) {
		t.Errorf("full cache: %v, want *fedavail.LimitError", err)
	}
	// Expired entries make room and are forgotten.
	now = now.Add(90 * time.Second)
	if fresh, err := add("third", time.Minute); !fresh || err != nil {
		t.Errorf("after expiry: %v, %v", fresh, err)
	}
	if c.Len() != 2 {
		t.Errorf("%d entries, want 2 (the expired one dropped)", c.Len())
	}
}

// serverOnlyCert is a certificate without the Client Authentication usage.
func serverOnlyCert(t *testing.T) *x509.Certificate {
	c, _, err := pki.New(pki.Options{CommonName: "server only", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

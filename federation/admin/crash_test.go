package admin_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/broker"
)

// crash breaks the administrator's process at its nth request to the
// broker's registration API: before the request leaves (the broker never
// hears of the change) or after the broker answered (the broker made the
// change, the process died before hearing so). Other requests pass.
type crash struct {
	base  http.RoundTripper
	nth   int32
	after bool
	seen  atomic.Int32
}

var errCrash = errors.New("simulated crash")

func (c *crash) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet || !strings.HasPrefix(r.URL.Path, broker.RegistrationPath) || c.seen.Add(1) != c.nth {
		return c.base.RoundTrip(r)
	}
	if !c.after {
		return nil, errCrash
	}
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		resp.Body.Close()
	}
	return nil, errCrash
}

// TestCrashRecovery interrupts Trust, AddDomain and each Rollover stage at
// each of their requests to the broker, before and after the broker
// changed, then runs the same step again in a fresh process (a reopened
// directory): it finishes the step, and the broker and the directory
// agree.
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		name     string
		requests int32                                        // to the registration API
		setup    func(t *testing.T, w *world) *admin.Org      // the state before the step
		do       func(w *world, o *admin.Org) (string, error) // the step; its outcome
		want     string                                       // the outcome of the re-run
	}
	rollTo := func(stages ...admin.RolloverStage) func(t *testing.T, w *world) *admin.Org {
		return func(t *testing.T, w *world) *admin.Org {
			o := w.trusted(t, "contoso.test")
			for _, s := range stages {
				if s == admin.RolloverSwitched {
					w.publish(t, o, "contoso.test")
				}
				rollover(t, o, s)
			}
			w.publish(t, o, "contoso.test") // the proofs of any next certificate
			return o
		}
	}
	roll := func(_ *world, o *admin.Org) (string, error) {
		s, err := o.Rollover(ctx, admin.CertificateOptions{})
		return s.String(), err
	}
	steps := []step{
		{name: "trust", requests: 1, setup: func(t *testing.T, w *world) *admin.Org {
			o := w.open(t, "contoso.test")
			w.publish(t, o, "contoso.test")
			return o
		}, do: func(w *world, o *admin.Org) (string, error) {
			tc, err := o.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test"})
			if tc != nil {
				return tc.ApplicationURI, err
			}
			return "", err
		}, want: appURI("contoso.test")},
		{name: "domain add", requests: 1, setup: func(t *testing.T, w *world) *admin.Org {
			o := w.trusted(t, "contoso.test")
			w.Exist("contoso.net")
			w.publish(t, o, "contoso.net")
			return o
		}, do: func(_ *world, o *admin.Org) (string, error) {
			err := o.AddDomain(ctx, "contoso.net")
			return "added", err
		}, want: "added"},
		{name: "rollover install", requests: 1, setup: rollTo(), do: roll, want: admin.RolloverNextInstalled.String()},
		{name: "rollover switch", requests: 2, setup: rollTo(admin.RolloverNextInstalled), do: roll, want: admin.RolloverSwitched.String()},
		{name: "rollover finish", requests: 1, setup: rollTo(admin.RolloverNextInstalled, admin.RolloverSwitched), do: roll, want: admin.RolloverFinished.String()},
	}
	for _, st := range steps {
		for nth := int32(1); nth <= st.requests; nth++ {
			for _, after := range []bool{false, true} {
				name := fmt.Sprintf("%s/request %d", st.name, nth)
				if after {
					name += "/after the broker changed"
				} else {
					name += "/before the broker heard"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					w := newWorld(t)
					o := st.setup(t, w)
					opts := *w.Options()
					opts.HTTPClient = &http.Client{Transport: &crash{base: w.HTTPClient.Transport, nth: nth, after: after}}
					broken, err := admin.Open(o.Dir(), &opts)
					if err != nil {
						t.Fatal(err)
					}
					_, err = st.do(w, broken)
					if !errors.Is(err, errCrash) {
						t.Fatalf("interrupted step: %v, want the simulated crash", err)
					}
					oneLine(t, err)
					again, err := admin.Open(o.Dir(), w.Options())
					if err != nil {
						t.Fatalf("reopening after the crash: %v", err)
					}
					got, err := st.do(w, again)
					if err != nil || got != st.want {
						t.Fatalf("re-run = %q, %v; want %q", got, err, st.want)
					}
					agree(t, w, again)
				})
			}
		}
	}
}

// agree checks that the broker and o's directory (read afresh) describe the
// same organization, and that no temporary file was left behind.
func agree(t *testing.T, w *world, o *admin.Org) {
	t.Helper()
	re, err := admin.Open(o.Dir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := re.TrustConfig()
	if err != nil {
		t.Fatal(err)
	}
	var reg *broker.Organization
	for _, b := range w.Broker.Organizations() {
		if b.ApplicationURI == tc.ApplicationURI {
			reg = &b
		}
	}
	if reg == nil {
		t.Fatalf("the broker does not know %s", tc.ApplicationURI)
	}
	if reg.AppID != tc.ApplicationIdentifier || !cmp.Equal(reg.Domains, tc.Domains) {
		t.Errorf("broker has %s %v, the directory %s %v", reg.AppID, reg.Domains, tc.ApplicationIdentifier, tc.Domains)
	}
	// The broker lists the current certificate and the next one or, until
	// the rollover is finished, the previous one.
	var local []string
	for _, c := range re.Certificates() {
		local = append(local, c.Thumbprint)
	}
	cur, next, err := reg.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	remote := []string{dnsproof.Thumbprint(cur)}
	if next != nil {
		remote = append(remote, dnsproof.Thumbprint(next))
	}
	if diff := cmp.Diff(local, remote); diff != "" {
		t.Errorf("certificates, directory (-) and broker (+):\n%s", diff)
	}
	err = filepath.WalkDir(o.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".tmp") {
			t.Errorf("temporary file left: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

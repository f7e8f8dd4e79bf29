package diag_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/pki"
)

func TestFederationTrust(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	stranger := w.AddOrg(t, "stranger.test", loopback.OrgOptions{Unregistered: true})

	junk, err := w.CA.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = rw.Write([]byte("<html><body>It works!</body></html>"))
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(junk.Close)
	otherBroker, err := fedtest.NewBrokerCert("another broker")
	if err != nil {
		t.Fatal(err)
	}
	keyless, err := keyring.New(keyring.Pair{Cert: contoso.Key.Cert})
	if err != nil {
		t.Fatal(err)
	}
	// serverOnly is a certificate without the Client Authentication usage.
	sc, sk, err := pki.New(pki.Options{CommonName: "server only", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		t.Fatal(err)
	}
	serverOnly, err := keyring.New(keyring.Pair{Cert: sc, Key: sk})
	if err != nil {
		t.Fatal(err)
	}
	// fiveDaysLeft moves the whole World (broker included) to a time at
	// which contoso's certificate has five days and an hour left.
	fiveDaysLeft := func(t *testing.T) {
		w.SetOffset(time.Until(contoso.Key.Cert.NotAfter.Add(-5*24*time.Hour - time.Hour)))
		t.Cleanup(func() { w.SetOffset(0) })
	}

	tests := []struct {
		name  string
		setup func(t *testing.T, c *diag.Checker)
		want  []want
	}{{
		// Test-FederationTrust's first step: without the trust's essentials
		// nothing else runs (TestFederationTrust.cs stops there too).
		name:  "no trust configured",
		setup: func(_ *testing.T, c *diag.Checker) { c.ApplicationURI, c.MetadataURL = "", "" },
		want: []want{
			{diag.StepTrustConfiguration, diag.Fail, "lacks properties"},
			{diag.StepFederationMetadata, diag.Skip, ""},
			{diag.StepTokenRequest, diag.Skip, ""},
		},
	}, {
		name:  "no organization certificate",
		setup: func(_ *testing.T, c *diag.Checker) { c.Keys = nil },
		want:  []want{{diag.StepTrustConfiguration, diag.Fail, "lacks properties"}},
	}, {
		name:  "no federated domain",
		setup: func(_ *testing.T, c *diag.Checker) { c.Domains = nil; c.Requester = "fedcheck@contoso.test" },
		want:  []want{{diag.StepTrustConfiguration, diag.Fail, "account namespace is not set"}},
	}, {
		name:  "requester outside the federated domains",
		setup: func(_ *testing.T, c *diag.Checker) { c.Requester = "alice@elsewhere.test" },
		want:  []want{{diag.StepTrustConfiguration, diag.Fail, "no address in a federated domain"}, {diag.StepTokenRequest, diag.Skip, ""}},
	}, {
		name: "healthy",
		want: []want{
			{diag.StepTrustConfiguration, diag.Pass, ""},
			{diag.StepFederationMetadata, diag.Pass, ""},
			{diag.StepStsCertificate, diag.Pass, ""},
			{diag.StepStsPreviousCert, diag.Skip, ""},
			{diag.StepStoredStsCerts, diag.Skip, ""},
			{diag.StepOrgCertificate, diag.Pass, ""},
			{diag.StepOrgNextCertificate, diag.Skip, ""},
			{diag.StepTokenRequest, diag.Pass, ""},
			{diag.StepTokenValidation, diag.Pass, ""},
		},
	}, {
		name: "broker down",
		setup: func(_ *testing.T, c *diag.Checker) {
			c.MetadataURL = "https://" + w.ClosedAddr() + "/FederationMetadata/2006-12/FederationMetadata.xml"
		},
		want: []want{
			{diag.StepFederationMetadata, diag.Fail, "cannot connect to the trust broker's metadata"},
			{diag.StepOrgCertificate, diag.Pass, ""},
			{diag.StepTokenRequest, diag.Skip, ""},
		},
	}, {
		name:  "bad metadata",
		setup: func(_ *testing.T, c *diag.Checker) { c.MetadataURL = junk.URL + "/FederationMetadata.xml" },
		want:  []want{{diag.StepFederationMetadata, diag.Fail, "is not 2006-12 WS-Federation metadata"}},
	}, {
		name:  "metadata not found",
		setup: func(_ *testing.T, c *diag.Checker) { c.MetadataURL = w.BrokerURL + "/nothing-here" },
		want:  []want{{diag.StepFederationMetadata, diag.Fail, "answered with an error"}},
	}, {
		name:  "broker certificates expired",
		setup: func(_ *testing.T, c *diag.Checker) { c.Now = func() time.Time { return time.Now().AddDate(6, 0, 0) } },
		want: []want{
			{diag.StepFederationMetadata, diag.Fail, "has expired"},
			{diag.StepStsCertificate, diag.Skip, ""},
			{diag.StepOrgCertificate, diag.Fail, "expired on"},
		},
	}, {
		name:  "organization certificate expires in five days",
		setup: func(t *testing.T, _ *diag.Checker) { fiveDaysLeft(t) },
		want: []want{
			{diag.StepOrgCertificate, diag.Warn, "certificate expires in 5 days"},
			{diag.StepStsCertificate, diag.Warn, "about to expire"},
			{diag.StepTokenValidation, diag.Pass, ""},
		},
	}, {
		name:  "private key missing",
		setup: func(_ *testing.T, c *diag.Checker) { c.Keys = keyless },
		want:  []want{{diag.StepOrgCertificate, diag.Fail, "private key is missing"}},
	}, {
		name:  "certificate without client authentication",
		setup: func(_ *testing.T, c *diag.Checker) { c.Keys = serverOnly },
		want:  []want{{diag.StepOrgCertificate, diag.Fail, "Client Authentication"}},
	}, {
		name: "organization not registered with the broker",
		setup: func(_ *testing.T, c *diag.Checker) {
			c.ApplicationURI, c.Domains, c.Keys = stranger.ApplicationURI, []string{stranger.Domain}, stranger.Keys
		},
		want: []want{
			{diag.StepOrgCertificate, diag.Pass, ""},
			{diag.StepTokenRequest, diag.Fail, "not registered"},
			{diag.StepTokenValidation, diag.Skip, ""},
		},
	}, {
		name: "stored broker certificates out of date",
		setup: func(_ *testing.T, c *diag.Checker) {
			c.StoredBroker = &diag.StoredBroker{Certs: []*x509.Certificate{otherBroker.Cert}}
		},
		want: []want{{diag.StepStoredStsCerts, diag.Fail, "rolled its signing certificate over"}},
	}, {
		name: "stored broker certificates current",
		setup: func(_ *testing.T, c *diag.Checker) {
			c.StoredBroker = &diag.StoredBroker{Certs: []*x509.Certificate{w.BrokerKey.Cert}}
		},
		want: []want{{diag.StepStoredStsCerts, diag.Pass, ""}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := checkerFor(w, contoso)
			if tt.setup != nil {
				tt.setup(t, c)
			}
			r := c.TestFederationTrust(context.Background())
			for _, w := range tt.want {
				checkStep(t, r, w)
			}
			healthy := tt.name == "healthy" || tt.name == "stored broker certificates current" || strings.Contains(tt.name, "five days")
			if got := r.Failed(); got == healthy {
				t.Errorf("Failed() = %v\n%s", got, text(r))
			}
		})
	}
}

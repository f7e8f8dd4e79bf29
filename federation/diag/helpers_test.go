package diag_test

import (
	"strings"
	"testing"

	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

// checkerFor returns a Checker for org in w, as the organization's
// administrator would configure it.
func checkerFor(w *loopback.World, org *loopback.Org) *diag.Checker {
	return &diag.Checker{
		ApplicationURI: org.ApplicationURI,
		Domains:        []string{org.Domain},
		Keys:           org.Keys,
		MetadataURL:    w.MetadataURL(),
		Sharing:        org.Sharing.Policy(),
		HTTPClient:     w.HTTP,
		TXTResolver:    w.DNS.Resolver(),
		SRVResolver:    w.DNS.Resolver(),
		Now:            w.Now,
	}
}

// want is the expected outcome of one step: its status and a phrase its
// cause must contain ("" for none).
type want struct {
	step   string
	status diag.Status
	cause  string
}

// checkStep fails the test unless r has the step with the status and cause.
func checkStep(t *testing.T, r *diag.Report, w want) {
	t.Helper()
	s := r.Step(w.step)
	if s == nil {
		t.Fatalf("report has no step %s:\n%s", w.step, text(r))
	}
	if s.Status != w.status {
		t.Errorf("step %s: status %v, want %v\n%s", w.step, s.Status, w.status, text(r))
	}
	if !strings.Contains(s.Cause, w.cause) {
		t.Errorf("step %s: cause %q does not contain %q", w.step, s.Cause, w.cause)
	}
	if s.Status >= diag.Warn && (s.Cause == "" || s.Fix == "") && w.step != diag.StepDiscoveryAttempt {
		t.Errorf("step %s: %v without cause or fix: %+v", w.step, s.Status, *s)
	}
}

func text(r *diag.Report) string {
	var b strings.Builder
	_ = diag.WriteText(&b, r)
	return b.String()
}

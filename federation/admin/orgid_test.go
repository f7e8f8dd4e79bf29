package admin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/federation/admin"
)

// Turning federation off and on keeps the trust and shows in trust show;
// without a trust there is nothing to turn.
func TestSetEnabled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if err := w.open(t, "plain.test").SetEnabled(false); !errors.Is(err, admin.ErrNotTrusted) {
		t.Errorf("SetEnabled without a trust = %v, want ErrNotTrusted", err)
	}
	o := w.trusted(t, "contoso.test")
	must(t, o.SetEnabled(false))
	reopened, err := admin.Open(o.Dir(), w.Options())
	if err != nil {
		t.Fatal(err)
	}
	tc, err := reopened.TrustConfig()
	if err != nil || !tc.Disabled || tc.ApplicationURI != appURI("contoso.test") {
		t.Fatalf("after SetEnabled(false): %+v, %v; want the trust kept, disabled", tc, err)
	}
	if s, _ := reopened.TrustShow(); !strings.Contains(s, "Enabled                    : False") {
		t.Errorf("trust show:\n%s", s)
	}
	must(t, reopened.SetEnabled(true))
	if tc, _ := reopened.TrustConfig(); tc.Disabled {
		t.Error("still disabled after SetEnabled(true)")
	}
	if w.Registered(appURI("contoso.test")) == nil {
		t.Error("the broker registration was touched")
	}
}

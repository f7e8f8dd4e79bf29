package admin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

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

// After a switch the previous certificate must stay RolloverWait; before a
// switch, and after the finish, nothing is pending.
func TestFinishAfter(t *testing.T) {
	t.Parallel()
	o := newWorld(t).open(t, "a.test")
	if _, pending, err := o.FinishAfter(); err != nil || pending {
		t.Fatalf("before any rollover: pending %v, %v", pending, err)
	}
	before := time.Now()
	rollover(t, o, admin.RolloverSwitched)
	after, pending, err := o.FinishAfter()
	if err != nil || !pending || after.Before(before.Add(admin.RolloverWait)) || after.After(time.Now().Add(admin.RolloverWait)) {
		t.Fatalf("after the switch: finish after %v (pending %v, %v), want the switch + %v", after, pending, err, admin.RolloverWait)
	}
	rollover(t, o, admin.RolloverFinished)
	if _, pending, _ := o.FinishAfter(); pending {
		t.Error("still pending after the finish")
	}
}

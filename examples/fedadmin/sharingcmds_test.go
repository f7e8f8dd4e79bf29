package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail/sharing"
)

// Mailbox opt-in, groups and sharing policies from the command line end up
// in sharing.json as the policy engine reads it, and bad input is refused
// with the file unchanged.
func TestSharingCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	fedadmin := func(status int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if got := run(append([]string{"-dir", dir}, args...), nil, &stdout, &stderr); got != status {
			t.Fatalf("fedadmin %s: status %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, status, &stdout, &stderr)
		}
		return stdout.String() + stderr.String()
	}
	fedadmin(exitOK, "mailbox", "set", "Alice@Contoso.test", "-permission", "LimitedDetails")
	fedadmin(exitOK, "mailbox", "set", "bob@contoso.test", "-permission", "None")
	fedadmin(exitOK, "mailbox", "set", "bob@contoso.test", "-permission", "Default") // back to the default: dropped
	fedadmin(exitOK, "group", "set", "Shared", "alice@contoso.test", "carol@contoso.test")
	out := fedadmin(exitOK, "policy", "set", "Partners", "-domain", "fabrikam.test:CalendarSharingFreeBusyDetail", "-domain", "*:CalendarSharingFreeBusySimple", "-default")
	if !strings.Contains(out, "kill -HUP") {
		t.Errorf("policy set does not say how a running partner picks the change up:\n%s", out)
	}
	fedadmin(exitOK, "mailbox", "set", "carol@contoso.test", "-policy", "Partners")

	fedadmin(exitError, "mailbox", "set", "dave@contoso.test", "-permission", "Everything")
	fedadmin(exitError, "mailbox", "set", "dave@contoso.test", "-policy", "NoSuchPolicy") // the configuration would not validate
	fedadmin(exitError, "policy", "remove", "Partners")                                   // carol is assigned it
	fedadmin(exitUsage, "policy", "set", "Empty")
	fedadmin(exitUsage, "mailbox", "set", "x@contoso.test")

	data, err := readSharing(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sharing.ParseJSON(data)
	if err != nil {
		t.Fatalf("sharing.json does not parse: %v", err)
	}
	want := []sharing.Mailbox{
		{Address: "alice@contoso.test", CalendarPermission: sharing.PermissionLimitedDetails},
		{Address: "carol@contoso.test", SharingPolicy: "Partners"},
	}
	if diff := cmp.Diff(want, cfg.Mailboxes, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("mailboxes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]sharing.Group{{Name: "Shared", Members: []string{"alice@contoso.test", "carol@contoso.test"}}}, cfg.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if len(cfg.SharingPolicies) != 1 || !cfg.SharingPolicies[0].Default || len(cfg.SharingPolicies[0].Domains) != 2 {
		t.Errorf("sharing policies: %+v", cfg.SharingPolicies)
	}
	if _, err := sharing.New(cfg, nil); err != nil {
		t.Errorf("the policy engine refuses the file fedadmin wrote: %v", err)
	}
	if out := fedadmin(exitOK, "mailbox", "list"); !strings.Contains(out, "alice@contoso.test") || strings.Contains(out, "bob@") {
		t.Errorf("mailbox list:\n%s", out)
	}
}

func readSharing(dir string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, "sharing.json")) }

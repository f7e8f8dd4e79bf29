package sharing

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/racetest"
)

// storeConfig returns a configuration whose relationship name and mailbox
// permission go together: "A" gives LimitedDetails, "B" gives None. A
// decision mixing two configurations would pair a name with the other level.
func storeConfig(name string) Config {
	perm, level := PermissionLimitedDetails, limited
	if name == "B" {
		perm, level = PermissionNone, avail
	}
	return Config{
		OrganizationRelationships: []OrganizationRelationship{{Name: name, DomainNames: []string{"fabrikam.com"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: level}},
		Mailboxes:                 []Mailbox{{Address: "bob@contoso.com", CalendarPermission: perm}},
	}
}

func TestLivePolicyReloadIsAtomic(t *testing.T) {
	s, err := NewLivePolicy(storeConfig("A"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "b.json")
	bad := filepath.Join(dir, "bad.json")
	b, err := FormatJSON(storeConfig("B"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"OrganizationRelationships": [{"Name": "C", "DomainNames": ["fab rikam.com"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}

	want := map[string]fedavail.AccessLevel{"A": limited, "B": none}
	ctx := context.Background()
	racetest.ReadDuring(4, func() bool {
		d := s.Explain(ctx, fed("alice@fabrikam.com"), "bob@contoso.com")
		if w, ok := want[d.Relationship]; !ok || d.Level != w {
			t.Errorf("mixed configuration: relationship %s gave %s", d.Relationship, d.Level)
			return false
		}
		return true
	}, func() {
		for i := range 200 {
			var err error
			if i%2 == 0 {
				err = s.ReloadFile(good)
			} else {
				err = s.Replace(storeConfig("A"))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ReloadFile(bad); err == nil {
				t.Fatal("a bad file was accepted")
			}
		}
	})

	// The last good configuration (A) is still in force after a bad file.
	if err := s.ReloadFile(bad); err == nil {
		t.Fatal("bad file accepted")
	}
	if got := s.Policy().Config().OrganizationRelationships[0].Name; got != "A" {
		t.Errorf("after a bad reload, relationship %q is in force, want A", got)
	}
	if err := s.ReloadFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestNewCopiesConfig(t *testing.T) {
	c := testConfig()
	p, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.OrganizationRelationships[0].DomainNames[0] = "changed.example"
	c.Mailboxes[0].CalendarPermission = PermissionNone
	if got, _ := p.Access(context.Background(), fed("alice@fabrikam.com"), "bob@contoso.com"); got != limited {
		t.Errorf("changing the Config after New changed the policy: %v", got)
	}
}

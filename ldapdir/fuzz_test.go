package ldapdir

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// FuzzDNKey: DNs from the server (member and memberOf values) compare
// without regard to ASCII case, and no DN makes dnKey panic.
func FuzzDNKey(f *testing.F) {
	f.Add("cn=Team,ou=groups,dc=fabrikam,dc=test")
	f.Add(`CN=Smith\, Dana+UID=dana,OU=People,DC=fabrikam,DC=test`)
	f.Add(`cn=\4a\4F,dc=x`)
	f.Fuzz(func(t *testing.T, dn string) {
		k := dnKey(dn)
		if _, err := ldap.ParseDN(dn); err != nil {
			return
		}
		up := []byte(dn)
		for i, c := range up {
			if 'a' <= c && c <= 'z' {
				up[i] = c - 'a' + 'A'
			}
		}
		if _, err := ldap.ParseDN(string(up)); err != nil {
			return
		}
		if k2 := dnKey(string(up)); k2 != k {
			t.Fatalf("dnKey(%q) = %q but dnKey(%q) = %q", dn, k, up, k2)
		}
	})
}

// FuzzPermission: any attribute value is one of the three permissions.
func FuzzPermission(f *testing.F) {
	for _, s := range []string{"TRUE", "LimitedDetails", " availabilityonly ", "no", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		switch p := permission(v); p {
		case "", "AvailabilityOnly", "LimitedDetails":
		default:
			t.Fatalf("permission(%q) = %q", v, p)
		}
	})
}

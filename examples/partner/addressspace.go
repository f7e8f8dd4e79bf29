package main

import (
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation"
)

// serviceAccountFlag is -address-space-account: another forest's
// availability service account, USER:PASS@DOMAIN[:LEVEL], where USER is
// "DOMAIN\user" or "user@domain", DOMAIN the partner forest's SMTP domain
// and LEVEL AvailabilityOnly (the default) or LimitedDetails.
type serviceAccountFlag []federation.ServiceAccount

func (f *serviceAccountFlag) String() string {
	var names []string
	for _, a := range *f {
		names = append(names, a.String()) // never the password
	}
	return strings.Join(names, ",")
}

func (f *serviceAccountFlag) Set(v string) error {
	a, err := parseServiceAccount(v)
	if err != nil {
		return err
	}
	*f = append(*f, a)
	return nil
}

// parseServiceAccount reads USER:PASS@DOMAIN[:LEVEL]. The user name ends at
// the first colon and the domain starts after the last "@", so passwords
// may hold both. Errors never repeat the value, which holds a password.
func parseServiceAccount(v string) (federation.ServiceAccount, error) {
	var a federation.ServiceAccount
	rest := v
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '@') && i >= 0 {
		l, err := fedavail.ParseAccessLevel(rest[i+1:])
		if err != nil || l == fedavail.AccessNone {
			return a, fmt.Errorf("the level after the domain must be AvailabilityOnly or LimitedDetails")
		}
		a.Level, rest = l, rest[:i]
	}
	at := strings.LastIndexByte(rest, '@')
	colon := strings.IndexByte(rest, ':')
	if at < 0 || colon < 0 || colon > at {
		return a, fmt.Errorf(`want USER:PASS@DOMAIN[:LEVEL], USER as "DOMAIN\user" or "user@domain"`)
	}
	a.Username, a.Password = rest[:colon], rest[colon+1:at]
	d := strings.ToLower(strings.TrimSpace(rest[at+1:]))
	if a.Username == "" || a.Password == "" || d == "" || strings.ContainsAny(d, "/\\ ") {
		return a, fmt.Errorf("want USER:PASS@DOMAIN[:LEVEL] with a user, a password and the partner forest's domain")
	}
	a.Domains = []string{d}
	return a, nil
}

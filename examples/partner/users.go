package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/fedavail/fedavail"
)

// users are the internal users Basic authentication accepts, by user name
// in lower case.
type users map[string]user

// user is one internal user: its address (the user name, or the user name
// at the first domain) and the SHA-256 of its password, compared in
// constant time.
type user struct {
	address string
	hash    [sha256.Size]byte
}

// loadUsers reads -basic values: USER:PASS, or @FILE with one USER:PASS per
// line (blank lines and lines starting with # ignored).
func loadUsers(specs []string, domain string) (users, error) {
	u := users{}
	add := func(line, where string) error {
		name, pass, ok := strings.Cut(line, ":")
		if !ok || name == "" || pass == "" {
			// Never echo the line: it holds a password.
			return fmt.Errorf("-basic %s: want USER:PASS", where)
		}
		name = strings.ToLower(name)
		addr := name
		if !strings.Contains(addr, "@") {
			addr += "@" + domain
		}
		u[name] = user{address: addr, hash: sha256.Sum256([]byte(pass))}
		return nil
	}
	for i, s := range specs {
		file, ok := strings.CutPrefix(s, "@")
		if !ok {
			if err := add(s, fmt.Sprintf("(value %d)", i+1)); err != nil {
				return nil, err
			}
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-basic: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := add(line, fmt.Sprintf("%s line %d", file, n)); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

var errBadCredentials = errors.New("partner: unknown user or wrong password")

// authenticate is the HandlerConfig.Authenticate of Basic authentication.
func (u users) authenticate(r *http.Request) (*fedavail.Requester, error) {
	name, pass, ok := r.BasicAuth()
	if !ok {
		return nil, errors.New("partner: no Basic credentials")
	}
	want, known := u[strings.ToLower(name)]
	got := sha256.Sum256([]byte(pass))
	if subtle.ConstantTimeCompare(want.hash[:], got[:]) != 1 || !known {
		return nil, errBadCredentials
	}
	return &fedavail.Requester{Address: want.address, Domain: fedavail.AddressDomain(want.address)}, nil
}

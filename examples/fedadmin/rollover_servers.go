package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail/federation/keyring"
)

// urlList is a repeatable flag of URLs.
type urlList []string

func (l *urlList) String() string     { return strings.Join(*l, ",") }
func (l *urlList) Set(v string) error { *l = append(*l, strings.TrimSuffix(v, "/")); return nil }

// readyzPath is where a partner command says what it has loaded.
const readyzPath = "/readyz"

// serversHaveNext checks, before the switch of a rollover (when a next
// certificate is installed), that every answering server has loaded it:
// after the switch the broker encrypts tokens to it, and a server without it
// would refuse every partner. Other stages need no check.
func serversHaveNext(ctx context.Context, e *env, servers []string) error {
	var next string
	for _, c := range e.org.Certificates() {
		if c.Slot == keyring.Next {
			next = c.Thumbprint
		}
	}
	if next == "" {
		return nil
	}
	want := "organization certificate next: " + next
	var errs []error
	for _, s := range servers {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s+readyzPath, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
			continue
		}
		resp, err := e.http.Do(req)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if !strings.Contains(string(body), want) {
			errs = append(errs, fmt.Errorf("%s has not loaded the next certificate %s (HTTP %d)", s, next, resp.StatusCode))
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		return fmt.Errorf("fedadmin: not switching: %s; reload those servers (or let them see the new files) and run rollover again, or give -force", strings.Join(msgs, "; "))
	}
	fmt.Fprintf(e.stdout, "all %d servers serve the next certificate %s\n", len(servers), next)
	return nil
}

package autodiscovertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
)

// Config says what the directory under test knows.
type Config struct {
	// Users are mailboxes the directory knows. At least one user or domain
	// is required.
	Users []string
	// Domains are domains the directory knows.
	Domains []string
	// Moved maps users and domains another Autodiscover service answers
	// for to that service's URL.
	Moved map[string]string
	// UnknownUsers are addresses the directory must not know. Empty means
	// "autodiscovertest-nobody@" and the domain of the first user.
	UnknownUsers []string
	// UnknownDomains are domains the directory must not know. Empty means
	// "autodiscovertest.invalid".
	UnknownDomains []string
	// Requester is who asks; nil means an anonymous request.
	Requester *fedavail.Requester
}

// TestDirectory checks dir against cfg. ctx bounds the whole run; the suite
// cancels contexts of its own to check cancellation. It returns every
// misbehaviour found, joined, or nil.
func TestDirectory(ctx context.Context, dir autodiscover.Directory, cfg Config) error {
	if len(cfg.Users) == 0 && len(cfg.Domains) == 0 {
		return errors.New("autodiscovertest: Config.Users or Config.Domains is required")
	}
	t := &tester{ctx: ctx, dir: dir, req: cfg.Requester}
	unknownUsers, unknownDomains := cfg.UnknownUsers, cfg.UnknownDomains
	if len(unknownUsers) == 0 && len(cfg.Users) > 0 {
		u := cfg.Users[0]
		unknownUsers = []string{"autodiscovertest-nobody@" + u[strings.LastIndexByte(u, '@')+1:]}
	}
	if len(unknownDomains) == 0 {
		unknownDomains = []string{"autodiscovertest.invalid"}
	}
	for _, u := range cfg.Users {
		t.knownUser(t.ctx, u)
		t.knownUser(t.ctx, strings.ToUpper(u))
	}
	for _, d := range cfg.Domains {
		t.knownDomain(t.ctx, d)
		t.knownDomain(t.ctx, strings.ToUpper(d))
	}
	for _, u := range unknownUsers {
		if user, err := dir.LookupUser(ctx, t.req, u); !errors.Is(err, autodiscover.ErrUnknownUser) {
			t.errorf("LookupUser(%q) of an unknown user = %+v, %v; want autodiscover.ErrUnknownUser", u, user, err)
		}
	}
	for _, d := range unknownDomains {
		if ss, err := dir.LookupDomain(ctx, t.req, d); !errors.Is(err, autodiscover.ErrUnknownDomain) {
			t.errorf("LookupDomain(%q) of an unknown domain = %d settings, %v; want autodiscover.ErrUnknownDomain", d, len(ss), err)
		}
	}
	for subject, url := range cfg.Moved {
		var err error
		if strings.Contains(subject, "@") {
			_, err = dir.LookupUser(ctx, t.req, subject)
		} else {
			_, err = dir.LookupDomain(ctx, t.req, subject)
		}
		var me *autodiscover.MovedError
		if !errors.As(err, &me) || me.URL != url {
			t.errorf("lookup of moved %q: %v, want a *autodiscover.MovedError to %s", subject, err, url)
		}
	}
	t.cancelled(cfg)
	t.concurrent(cfg)
	return errors.Join(t.errs...)
}

type tester struct {
	ctx context.Context
	dir autodiscover.Directory
	req *fedavail.Requester

	mu   sync.Mutex
	errs []error
}

func (t *tester) errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, fmt.Errorf("autodiscovertest: "+format, args...))
}

func (t *tester) knownUser(ctx context.Context, u string) {
	user, err := t.dir.LookupUser(ctx, t.req, u)
	switch {
	case err != nil:
		t.errorf("LookupUser(%q) of a known user: %v", u, err)
	case user == nil:
		t.errorf("LookupUser(%q) = nil, nil; a known user has a *User, an unknown one ErrUnknownUser", u)
	}
}

func (t *tester) knownDomain(ctx context.Context, d string) {
	if _, err := t.dir.LookupDomain(ctx, t.req, d); err != nil {
		t.errorf("LookupDomain(%q) of a known domain: %v", d, err)
	}
}

// cancelled: with a cancelled context a known user or domain is answered
// as usual or with an error wrapping context.Canceled, never as unknown.
func (t *tester) cancelled(cfg Config) {
	ctx, cancel := context.WithCancel(t.ctx)
	cancel()
	for _, u := range cfg.Users {
		user, err := t.dir.LookupUser(ctx, t.req, u)
		if err == nil && user == nil || err != nil && !errors.Is(err, context.Canceled) {
			t.errorf("LookupUser(%q) with a cancelled context = %+v, %v; want the user or an error wrapping context.Canceled", u, user, err)
		}
	}
	for _, d := range cfg.Domains {
		if _, err := t.dir.LookupDomain(ctx, t.req, d); err != nil && !errors.Is(err, context.Canceled) {
			t.errorf("LookupDomain(%q) with a cancelled context: %v; want the settings or an error wrapping context.Canceled", d, err)
		}
	}
}

// concurrent looks every known user and domain up from several goroutines.
func (t *tester) concurrent(cfg Config) {
	const goroutines = 8
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, u := range cfg.Users {
				t.knownUser(t.ctx, u)
			}
			for _, d := range cfg.Domains {
				t.knownDomain(t.ctx, d)
			}
		}()
	}
	wg.Wait()
}

package federation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail"
)

// ServiceAccount is another forest's availability service account: the
// credentials that forest's Exchange (Add-AvailabilityAddressSpace
// -AccessMethod OrgWideFB) or [Config].AddressSpaces sends with HTTP Basic
// instead of a delegation token, and what it may see (Exchange's
// Set-AvailabilityConfig -OrgWideAccount). Its requests reach the handler's
// paths without /WSSecurity: POX Autodiscover, and GetUserAvailability,
// which must carry t:RequestTypeHeader CrossForest or is refused with
// ErrorProxyRequestNotAllowed.
type ServiceAccount struct {
	// Username and Password are the Basic credentials, compared in
	// constant time (the user name without regard to case). Never logged.
	Username, Password string
	// Domains are the partner forest's SMTP domains; the first is the
	// requester's domain in logs and in what Policy-independent code sees.
	Domains []string
	// Level is what the account sees of every mailbox: the partner's
	// users ask anonymously, as the "Default" user of Exchange's calendar
	// permissions. AccessNone (the zero value) means AccessAvailabilityOnly,
	// Exchange's default; LimitedDetails adds subject and location, never
	// of private items. HandlerConfig.Policy is not asked.
	Level fedavail.AccessLevel
}

// String names the account, never the password.
func (a ServiceAccount) String() string {
	return "ServiceAccount{" + a.Username + ", " + strings.Join(a.Domains, " ") + ", " + a.level().String() + ", password hidden}"
}

func (a ServiceAccount) level() fedavail.AccessLevel {
	if a.Level <= fedavail.AccessNone {
		return fedavail.AccessAvailabilityOnly
	}
	return a.Level
}

// serviceAccounts checks Basic credentials against HandlerConfig.ServiceAccounts.
type serviceAccounts struct {
	list []serviceAccount
}

type serviceAccount struct {
	ServiceAccount
	user, pass [sha256.Size]byte // digests, so comparisons take the same time whatever the lengths
}

func newServiceAccounts(list []ServiceAccount) (*serviceAccounts, error) {
	s := &serviceAccounts{}
	var errs []error
	for i, a := range list {
		switch {
		case strings.TrimSpace(a.Username) == "" || a.Password == "":
			errs = append(errs, fmt.Errorf("federation: HandlerConfig.ServiceAccounts[%d]: Username and Password are required", i))
		case len(a.Domains) == 0:
			errs = append(errs, fmt.Errorf("federation: HandlerConfig.ServiceAccounts[%d] (%s): Domains is required", i, a.Username))
		case a.Level > fedavail.AccessLimitedDetails:
			errs = append(errs, fmt.Errorf("federation: HandlerConfig.ServiceAccounts[%d] (%s): unknown Level %d", i, a.Username, a.Level))
		}
		for _, b := range s.list {
			if strings.EqualFold(b.Username, a.Username) {
				errs = append(errs, fmt.Errorf("federation: HandlerConfig.ServiceAccounts[%d]: %s is configured twice", i, a.Username))
			}
		}
		s.list = append(s.list, serviceAccount{ServiceAccount: a, user: sha256.Sum256([]byte(strings.ToLower(a.Username))), pass: sha256.Sum256([]byte(a.Password))})
	}
	return s, errors.Join(errs...)
}

// errServiceAccountPassword is the answer for a known account with a wrong
// password; it names nothing.
var errServiceAccountPassword = errors.New("federation: service account credentials refused")

// authenticate returns the service account r's Basic credentials name, nil
// (and no error) when they name none, or an error for a wrong password.
func (s *serviceAccounts) authenticate(r *http.Request) (*fedavail.Requester, error) {
	user, pass, ok := r.BasicAuth()
	if !ok || len(s.list) == 0 {
		return nil, nil
	}
	u, p := sha256.Sum256([]byte(strings.ToLower(user))), sha256.Sum256([]byte(pass))
	var found *serviceAccount
	passOK := 0
	for i := range s.list {
		// Every account is compared, so timing does not tell which matched.
		if subtle.ConstantTimeCompare(u[:], s.list[i].user[:]) == 1 {
			found = &s.list[i]
			passOK = subtle.ConstantTimeCompare(p[:], s.list[i].pass[:])
		}
	}
	if found == nil {
		return nil, nil
	}
	if passOK != 1 {
		return nil, errServiceAccountPassword
	}
	d := strings.ToLower(strings.TrimSpace(found.Domains[0]))
	return &fedavail.Requester{Domain: d, Organization: strings.Join(found.Domains, " "), NameID: found.Username, ServiceAccount: found.Username}, nil
}

// authenticator puts the service accounts before next (HandlerConfig.Authenticate).
func (s *serviceAccounts) authenticator(next func(*http.Request) (*fedavail.Requester, error)) func(*http.Request) (*fedavail.Requester, error) {
	if len(s.list) == 0 {
		return next
	}
	return func(r *http.Request) (*fedavail.Requester, error) {
		if who, err := s.authenticate(r); who != nil || err != nil {
			return who, err
		}
		if next == nil {
			return nil, errors.New("federation: no authenticator for internal users")
		}
		who, err := next(r)
		if who != nil && who.ServiceAccount != "" {
			// Only the configured accounts speak for another forest.
			c := *who
			c.ServiceAccount = ""
			who = &c
		}
		return who, err
	}
}

// level returns a service account's level by name; AccessNone for a name
// that is not configured.
func (s *serviceAccounts) level(name string) fedavail.AccessLevel {
	for _, a := range s.list {
		if strings.EqualFold(a.Username, name) {
			return a.level()
		}
	}
	return fedavail.AccessNone
}

// crossForestPolicy answers service accounts with their configured level
// and everyone else through the configured policy.
type crossForestPolicy struct {
	accounts *serviceAccounts
	next     fedavail.AccessPolicy
}

func (p crossForestPolicy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	if req.ServiceAccount != "" && !req.Federated {
		return p.accounts.level(req.ServiceAccount), nil
	}
	return p.next.Access(ctx, req, mailbox)
}

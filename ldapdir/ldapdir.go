package ldapdir

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/sharing"
)

// Defaults of [Config]'s zero fields.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultCacheTTL   = time.Minute
	DefaultPoolSize   = 4
	DefaultMaxEntries = 1000
	DefaultMaxDepth   = 16
	// ExternalEWSVersion is the ExternalEwsVersion published with
	// [Config.EWSURL] when [Config.EWSVersion] is empty (Exchange 2016, as
	// federation's own directory does).
	ExternalEWSVersion = "15.01.2507.000"
	// InChainRule is LDAP_MATCHING_RULE_IN_CHAIN, Active Directory's
	// matching rule that follows nested group membership on the server.
	InChainRule = "1.2.840.113556.1.4.1941"
)

// Config configures [New]. URL, BaseDN and (for Autodiscover) EWSURL are
// required; every other field has a useful zero value.
type Config struct {
	// URL is the server: ldap://host:389 or ldaps://host:636.
	URL string
	// StartTLS upgrades an ldap:// connection with StartTLS before binding.
	StartTLS bool
	// TLSConfig is used for ldaps:// and StartTLS; nil means the system
	// roots and the URL's host name.
	TLSConfig *tls.Config
	// Dialer opens TCP connections; nil means a net.Dialer with Timeout.
	Dialer *net.Dialer

	// BindDN is the account the directory is read as; empty means an
	// anonymous bind.
	BindDN string
	// BindPassword returns its password when a connection is opened (so
	// it can come from a secret store and change); never logged.
	BindPassword func(ctx context.Context) (string, error)

	// BaseDN is where users are searched for, e.g. "dc=example,dc=com".
	BaseDN string
	// UserFilter narrows the users, e.g. "(objectClass=inetOrgPerson)" or
	// AD's "(&(objectCategory=person)(objectClass=user))"; empty means
	// "(objectClass=*)".
	UserFilter string
	// MailAttr holds a user's primary SMTP address; empty means "mail".
	MailAttr string
	// ProxyAddressesAttr holds AD-style aliases ("SMTP:a@x", "smtp:b@x");
	// empty means "proxyAddresses", "-" means none. Only smtp: values count.
	ProxyAddressesAttr string

	// GroupBaseDN is where groups are searched for; empty means BaseDN.
	GroupBaseDN string
	// GroupFilter selects group entries; empty means groupOfNames,
	// groupOfUniqueNames or group (AD).
	GroupFilter string
	// GroupNameAttr names groups as sharing scopes name them; empty means "cn".
	GroupNameAttr string
	// MemberAttr lists a group's members by DN; empty means "member".
	MemberAttr string
	// MemberOfAttr, when set ("memberOf" for AD, or OpenLDAP with the
	// memberof overlay), is read from the user for its direct groups
	// instead of searching groups by member.
	MemberOfAttr string
	// InChain asks the server to follow nested groups with
	// LDAP_MATCHING_RULE_IN_CHAIN (Active Directory). Other servers ignore
	// the rule without an error, which would read as "not a member", so
	// it is not the default: nesting is then followed by this package,
	// up to MaxDepth levels.
	InChain bool
	// MaxDepth bounds client-side nesting; 0 means DefaultMaxDepth.
	MaxDepth int

	// DetailsAttr, when set, names the attribute by which a mailbox's
	// owner opts in to show subject and location (LimitedDetails):
	// "TRUE", "LimitedDetails" or "AvailabilityOnly" (ignoring case).
	// See [Directory.SharingMailboxes].
	DetailsAttr string

	// EWSURL and EWSVersion are the settings Autodiscover hands out for
	// every user found.
	EWSURL, EWSVersion string
	// Domains are the SMTP domains answered for; a mailbox in another is
	// unknown without asking the server. Required.
	Domains []string

	// PoolSize is how many connections are kept open; 0 means
	// DefaultPoolSize.
	PoolSize int
	// Timeout bounds dialing and each operation; 0 means DefaultTimeout.
	Timeout time.Duration
	// CacheTTL is how long answers (users, unknown users, memberships)
	// are reused; 0 means DefaultCacheTTL, negative turns caching off.
	// Errors are never cached.
	CacheTTL time.Duration
	// MaxEntries caps the entries one search may return; 0 means
	// DefaultMaxEntries.
	MaxEntries int
	// Logger receives warnings; never passwords. Nil discards.
	Logger *slog.Logger
	// Now is the cache's clock; nil means time.Now.
	Now func() time.Time
}

// Directory answers Autodiscover and sharing scopes from an LDAP directory.
// It is safe for concurrent use; call Close to end its connections.
type Directory struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	domains []string

	pool chan *ldap.Conn // idle connections
	sem  chan struct{}   // open connections

	mu    sync.Mutex
	users map[string]cached[*user]
	memb  map[string]cached[bool]
}

var (
	_ autodiscover.Directory = (*Directory)(nil)
	_ sharing.Membership     = (*Directory)(nil)
)

type cached[T any] struct {
	v       T
	expires time.Time
}

// user is what the directory says about a mailbox; nil means unknown.
type user struct {
	dn       string
	mail     string
	optIn    sharing.CalendarPermission
	memberOf []string
}

// New checks cfg (every problem at once) and returns a Directory. It does
// no I/O: connections are opened when first needed.
func New(cfg Config) (*Directory, error) {
	var errs []error
	if cfg.URL == "" {
		errs = append(errs, errors.New("ldapdir: Config.URL is required"))
	} else if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		errs = append(errs, fmt.Errorf("ldapdir: Config.URL %q is not an ldap:// or ldaps:// URL", cfg.URL))
	} else if cfg.StartTLS && u.Scheme == "ldaps" {
		errs = append(errs, errors.New("ldapdir: Config.StartTLS with an ldaps:// URL: the connection is already TLS"))
	}
	if cfg.BaseDN == "" {
		errs = append(errs, errors.New("ldapdir: Config.BaseDN is required"))
	} else if _, err := ldap.ParseDN(cfg.BaseDN); err != nil {
		errs = append(errs, fmt.Errorf("ldapdir: Config.BaseDN: %w", err))
	}
	if cfg.BindDN != "" && cfg.BindPassword == nil {
		errs = append(errs, errors.New("ldapdir: Config.BindPassword is required with BindDN"))
	}
	if len(cfg.Domains) == 0 {
		errs = append(errs, errors.New("ldapdir: Config.Domains is required"))
	}
	for _, f := range []struct{ name, v string }{{"UserFilter", cfg.UserFilter}, {"GroupFilter", cfg.GroupFilter}} {
		if f.v != "" {
			if _, err := ldap.CompileFilter(f.v); err != nil {
				errs = append(errs, fmt.Errorf("ldapdir: Config.%s: %w", f.name, err))
			}
		}
	}
	if cfg.PoolSize < 0 || cfg.Timeout < 0 || cfg.MaxEntries < 0 || cfg.MaxDepth < 0 {
		errs = append(errs, errors.New("ldapdir: Config.PoolSize, Timeout, MaxEntries and MaxDepth must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.UserFilter, "(objectClass=*)")
	def(&cfg.MailAttr, "mail")
	def(&cfg.ProxyAddressesAttr, "proxyAddresses")
	def(&cfg.GroupBaseDN, cfg.BaseDN)
	def(&cfg.GroupFilter, "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))")
	def(&cfg.GroupNameAttr, "cn")
	def(&cfg.MemberAttr, "member")
	def(&cfg.EWSVersion, ExternalEWSVersion)
	if cfg.PoolSize == 0 {
		cfg.PoolSize = DefaultPoolSize
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	d := &Directory{
		cfg: cfg, log: cfg.Logger, now: cfg.Now,
		pool: make(chan *ldap.Conn, cfg.PoolSize), sem: make(chan struct{}, cfg.PoolSize),
		users: map[string]cached[*user]{}, memb: map[string]cached[bool]{},
	}
	for _, dom := range cfg.Domains {
		d.domains = append(d.domains, strings.ToLower(strings.TrimSpace(dom)))
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d, nil
}

// Close closes the idle connections; connections in use close when
// returned.
func (d *Directory) Close() error {
	for {
		select {
		case c := <-d.pool:
			c.Close()
			<-d.sem
		default:
			return nil
		}
	}
}

func normalize(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

func (d *Directory) hasDomain(domain string) bool {
	return slices.Contains(d.domains, normalize(domain))
}

func (d *Directory) settings() autodiscover.Settings {
	return autodiscover.Settings{
		{Name: autodiscover.ExternalEwsURL, Value: d.cfg.EWSURL},
		{Name: autodiscover.ExternalEwsVersion, Value: d.cfg.EWSVersion},
	}
}

// LookupUser implements autodiscover.Directory: a user the directory has
// (by MailAttr or an smtp: proxy address) gets the EWS settings; others
// are autodiscover.ErrUnknownUser. A directory that cannot be read is an
// error wrapping the LDAP error, which the handler answers as a server
// error for that user.
func (d *Directory) LookupUser(ctx context.Context, _ *fedavail.Requester, mailbox string) (*autodiscover.User, error) {
	u, err := d.lookup(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownUser, mailbox)
	}
	return &autodiscover.User{Settings: d.settings()}, nil
}

// LookupDomain implements autodiscover.Directory for Config.Domains.
func (d *Directory) LookupDomain(_ context.Context, _ *fedavail.Requester, domain string) (autodiscover.Settings, error) {
	if !d.hasDomain(domain) {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownDomain, domain)
	}
	return d.settings(), nil
}

// Exists reports whether the directory has mailbox.
func (d *Directory) Exists(ctx context.Context, mailbox string) (bool, error) {
	u, err := d.lookup(ctx, mailbox)
	return u != nil, err
}

// IsMember implements sharing.Membership: whether mailbox is in the group
// named group (by GroupNameAttr), directly or through nested groups. An
// unknown mailbox or group is not a member; a directory that cannot be
// read is an error (the EWS server then fails that mailbox, never shows
// it free).
func (d *Directory) IsMember(ctx context.Context, group, mailbox string) (bool, error) {
	key := strings.ToLower(group) + "\x00" + normalize(mailbox)
	if v, ok := lookupCache(d, d.memb, key); ok {
		return v, nil
	}
	u, err := d.lookup(ctx, mailbox)
	if err != nil || u == nil {
		return false, err
	}
	in, err := d.isMember(ctx, group, u)
	if err != nil {
		return false, err
	}
	storeCache(d, d.memb, key, in)
	return in, nil
}

// SharingMailboxes returns the mailboxes whose DetailsAttr opts them in or
// out, as sharing configuration entries to merge into the sharing file's
// Mailboxes (the directory is then where owners' choices live). Nil when
// DetailsAttr is not set.
func (d *Directory) SharingMailboxes(ctx context.Context) ([]sharing.Mailbox, error) {
	if d.cfg.DetailsAttr == "" {
		return nil, nil
	}
	filter := fmt.Sprintf("(&%s(%s=*))", d.cfg.UserFilter, ldap.EscapeFilter(d.cfg.DetailsAttr))
	entries, err := d.search(ctx, d.cfg.BaseDN, filter, []string{d.cfg.MailAttr, d.cfg.DetailsAttr})
	if err != nil {
		return nil, err
	}
	var out []sharing.Mailbox
	for _, e := range entries {
		mail := normalize(e.GetAttributeValue(d.cfg.MailAttr))
		perm := permission(e.GetAttributeValue(d.cfg.DetailsAttr))
		if mail == "" || perm == sharing.PermissionDefault {
			continue
		}
		out = append(out, sharing.Mailbox{Address: mail, CalendarPermission: perm})
	}
	slices.SortFunc(out, func(a, b sharing.Mailbox) int { return strings.Compare(a.Address, b.Address) })
	return out, nil
}

// CalendarPermission returns mailbox's opt-in from DetailsAttr:
// PermissionDefault when unset or unknown.
func (d *Directory) CalendarPermission(ctx context.Context, mailbox string) (sharing.CalendarPermission, error) {
	u, err := d.lookup(ctx, mailbox)
	if err != nil || u == nil {
		return sharing.PermissionDefault, err
	}
	return u.optIn, nil
}

func permission(v string) sharing.CalendarPermission {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "limiteddetails", "yes":
		return sharing.PermissionLimitedDetails
	case "availabilityonly":
		return sharing.PermissionAvailabilityOnly
	}
	return sharing.PermissionDefault
}

func lookupCache[T any](d *Directory, m map[string]cached[T], key string) (T, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := m[key]
	if !ok || !d.now().Before(c.expires) {
		var zero T
		return zero, false
	}
	return c.v, true
}

// maxCached bounds each cache: requesters choose the addresses asked about.
const maxCached = 10000

func storeCache[T any](d *Directory, m map[string]cached[T], key string, v T) {
	if d.cfg.CacheTTL < 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(m) >= maxCached {
		clear(m)
	}
	m[key] = cached[T]{v: v, expires: d.now().Add(d.cfg.CacheTTL)}
}

// lookup finds mailbox's entry; nil means the directory has no such user.
func (d *Directory) lookup(ctx context.Context, mailbox string) (*user, error) {
	addr := normalize(mailbox)
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || !d.hasDomain(domain) {
		return nil, nil
	}
	if u, ok := lookupCache(d, d.users, addr); ok {
		return u, nil
	}
	esc := ldap.EscapeFilter(addr)
	match := fmt.Sprintf("(%s=%s)", d.cfg.MailAttr, esc)
	if d.cfg.ProxyAddressesAttr != "-" {
		match = fmt.Sprintf("(|%s(%s=smtp:%s))", match, d.cfg.ProxyAddressesAttr, esc)
	}
	attrs := []string{d.cfg.MailAttr}
	if d.cfg.DetailsAttr != "" {
		attrs = append(attrs, d.cfg.DetailsAttr)
	}
	if d.cfg.MemberOfAttr != "" {
		attrs = append(attrs, d.cfg.MemberOfAttr)
	}
	entries, err := d.search(ctx, d.cfg.BaseDN, fmt.Sprintf("(&%s%s)", d.cfg.UserFilter, match), attrs)
	if err != nil {
		return nil, err
	}
	var u *user
	switch len(entries) {
	case 0:
	case 1:
		e := entries[0]
		u = &user{dn: e.DN, mail: normalize(e.GetAttributeValue(d.cfg.MailAttr))}
		if d.cfg.DetailsAttr != "" {
			u.optIn = permission(e.GetAttributeValue(d.cfg.DetailsAttr))
		}
		if d.cfg.MemberOfAttr != "" {
			u.memberOf = e.GetAttributeValues(d.cfg.MemberOfAttr)
		}
	default:
		// Two entries claim the address: answering for either could show
		// one person's calendar as another's.
		return nil, &AmbiguousError{Mailbox: addr, DNs: []string{entries[0].DN, entries[1].DN}}
	}
	storeCache(d, d.users, addr, u)
	return u, nil
}

// AmbiguousError is returned when more than one entry holds an address.
type AmbiguousError struct {
	// Mailbox is the address; DNs are two of the entries holding it.
	Mailbox string
	DNs     []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("ldapdir: %s is held by more than one entry (%s)", e.Mailbox, strings.Join(e.DNs, "; "))
}

// isMember follows u's groups up to the one named group.
func (d *Directory) isMember(ctx context.Context, group string, u *user) (bool, error) {
	nameFilter := fmt.Sprintf("(%s=%s)", d.cfg.GroupNameAttr, ldap.EscapeFilter(group))
	if d.cfg.InChain {
		f := fmt.Sprintf("(&%s%s(%s:%s:=%s))", d.cfg.GroupFilter, nameFilter, d.cfg.MemberAttr, InChainRule, ldap.EscapeFilter(u.dn))
		entries, err := d.search(ctx, d.cfg.GroupBaseDN, f, []string{"1.1"})
		return len(entries) > 0, err
	}
	targets, err := d.search(ctx, d.cfg.GroupBaseDN, fmt.Sprintf("(&%s%s)", d.cfg.GroupFilter, nameFilter), []string{"1.1"})
	if err != nil || len(targets) == 0 {
		return false, err
	}
	want := map[string]bool{}
	for _, t := range targets {
		want[dnKey(t.DN)] = true
	}
	// Breadth first from the user upwards: the groups holding the current
	// level's DNs, until the target shows or nothing new does.
	seen := map[string]bool{dnKey(u.dn): true}
	level := []string{u.dn}
	for depth := 0; depth < d.cfg.MaxDepth && len(level) > 0; depth++ {
		var parents []string
		if depth == 0 && d.cfg.MemberOfAttr != "" {
			parents = u.memberOf
		} else {
			var or strings.Builder
			for _, dn := range level {
				fmt.Fprintf(&or, "(%s=%s)", d.cfg.MemberAttr, ldap.EscapeFilter(dn))
			}
			entries, err := d.search(ctx, d.cfg.GroupBaseDN, fmt.Sprintf("(&%s(|%s))", d.cfg.GroupFilter, or.String()), []string{"1.1"})
			if err != nil {
				return false, err
			}
			for _, e := range entries {
				parents = append(parents, e.DN)
			}
		}
		level = level[:0]
		for _, p := range parents {
			k := dnKey(p)
			if want[k] {
				return true, nil
			}
			if !seen[k] {
				seen[k] = true
				level = append(level, p)
			}
		}
	}
	return false, nil
}

// dnKey compares DNs the way directories do: attribute types and values
// without regard to case or spacing.
func dnKey(dn string) string {
	p, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(dn)
	}
	var b strings.Builder
	for i, rdn := range p.RDNs {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, a := range rdn.Attributes {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(strings.ToLower(a.Type) + "=" + strings.ToLower(a.Value))
		}
	}
	return b.String()
}

package ldapdir

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedavail/fedavail"
)

// get returns an idle connection or opens one, waiting while PoolSize are
// in use.
func (d *Directory) get(ctx context.Context) (*ldap.Conn, error) {
	for {
		select { // an idle connection first
		case c := <-d.pool:
			if d.usable(c) {
				return c, nil
			}
			continue
		default:
		}
		select {
		case c := <-d.pool:
			if d.usable(c) {
				return c, nil
			}
		case d.sem <- struct{}{}:
			c, err := d.dial(ctx)
			if err != nil {
				<-d.sem
				return nil, err
			}
			return c, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// usable reports whether an idle connection is still open, dropping it if not.
func (d *Directory) usable(c *ldap.Conn) bool {
	if c.IsClosing() {
		d.drop(c)
		return false
	}
	return true
}

// put returns a healthy connection to the pool.
func (d *Directory) put(c *ldap.Conn) { d.pool <- c }

// drop closes a connection that failed.
func (d *Directory) drop(c *ldap.Conn) {
	c.Close()
	<-d.sem
}

// dial opens, secures and binds a connection.
func (d *Directory) dial(ctx context.Context) (*ldap.Conn, error) {
	u, _ := url.Parse(d.cfg.URL) // checked by New
	tc := &tls.Config{}
	if d.cfg.TLSConfig != nil {
		tc = d.cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	dialer := d.cfg.Dialer
	if dialer == nil {
		dialer = &net.Dialer{Timeout: d.cfg.Timeout}
	}
	if dl, ok := ctx.Deadline(); ok && (dialer.Deadline.IsZero() || dl.Before(dialer.Deadline)) {
		dd := *dialer
		dd.Deadline = dl
		dialer = &dd
	}
	c, err := ldap.DialURL(d.cfg.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tc))
	if err != nil {
		var ce *tls.CertificateVerificationError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("ldapdir: connecting to %s: %w", u.Redacted(), err)
		}
		// Down or unreachable: the asker should retry later.
		return nil, &fedavail.UnavailableError{Err: fmt.Errorf("ldapdir: connecting to %s: %w", u.Redacted(), err)}
	}
	c.SetTimeout(d.cfg.Timeout)
	if d.cfg.StartTLS {
		if err := c.StartTLS(tc); err != nil {
			c.Close()
			return nil, fmt.Errorf("ldapdir: StartTLS with %s: %w", u.Redacted(), err)
		}
	}
	if d.cfg.BindDN != "" {
		pw, err := d.cfg.BindPassword(ctx)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("ldapdir: bind password: %w", err)
		}
		if err := c.Bind(d.cfg.BindDN, pw); err != nil {
			c.Close()
			return nil, fmt.Errorf("ldapdir: binding as %s: %w", d.cfg.BindDN, err)
		}
	}
	return c, nil
}

// pageSize is how many entries one page of a search asks for.
const pageSize = 500

// search runs one subtree search, returning at most MaxEntries entries (more
// is a *fedavail.LimitError).
func (d *Directory) search(ctx context.Context, base, filter string, attrs []string) ([]*ldap.Entry, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	c, err := d.get(ctx)
	if err != nil {
		return nil, err
	}
	// Paged (RFC 2696): Active Directory answers at most MaxPageSize (1000)
	// entries to a search without paging.
	var entries []*ldap.Entry
	var cookie []byte
	over := false
	for page := 0; ; page++ {
		paging := ldap.NewControlPaging(pageSize)
		paging.SetCookie(cookie)
		req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			d.cfg.MaxEntries+1, int((d.cfg.Timeout+time.Second-1)/time.Second), false, filter, attrs, []ldap.Control{paging})
		resp := c.SearchAsync(ctx, req, 16)
		cookie = nil
		for resp.Next() {
			if pc, ok := ldap.FindControl(resp.Controls(), ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
				cookie = pc.Cookie
			}
			e := resp.Entry()
			if e == nil {
				continue // the result's controls, or a referral (not followed)
			}
			if len(entries) == d.cfg.MaxEntries {
				over = true
				cancel()
				break
			}
			entries = append(entries, e)
		}
		err = resp.Err()
		if over || err != nil || len(cookie) == 0 || page > d.cfg.MaxEntries {
			break
		}
	}
	switch {
	case over || ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		d.drop(c) // the search may still be running on it
		return nil, &fedavail.LimitError{What: "LDAP search entries", Limit: int64(d.cfg.MaxEntries)}
	case errors.Is(ctx.Err(), context.Canceled):
		d.drop(c)
		return nil, fmt.Errorf("ldapdir: search under %s: %w", base, ctx.Err()) // the caller gave up
	case ctx.Err() != nil:
		d.drop(c)
		return nil, &fedavail.UnavailableError{Err: fmt.Errorf("ldapdir: search under %s: %w", base, ctx.Err())}
	case err != nil && (ldap.IsErrorWithCode(err, ldap.ErrorNetwork) || c.IsClosing()),
		ldap.IsErrorWithCode(err, ldap.LDAPResultBusy), ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailable):
		d.drop(c)
		return nil, &fedavail.UnavailableError{Err: fmt.Errorf("ldapdir: search under %s: %w", base, err)}
	case err != nil:
		d.put(c)
		var le *ldap.Error
		if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultNoSuchObject {
			return nil, fmt.Errorf("ldapdir: search base %s does not exist: %w", base, err)
		}
		return nil, fmt.Errorf("ldapdir: search under %s: %w", base, err)
	}
	d.put(c)
	return entries, nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/caldav"
	"github.com/fedavail/fedavail/calendar/googlecal"
	"github.com/fedavail/fedavail/ldapdir"
	"github.com/fedavail/fedavail/sharing"
)

// calendarSource is the folder of -calendars, the CalDAV server of -caldav
// or the Google Workspace of -google-key.
func (o *options) calendarSource(loc *time.Location, hc *http.Client, log *slog.Logger) (calendar.Source, error) {
	if o.googleKey != "" {
		key, err := os.ReadFile(o.googleKey)
		if err != nil {
			return nil, fmt.Errorf("-google-key: %w", err)
		}
		client, err := googlecal.Delegated(key, hc)
		if err != nil {
			return nil, fmt.Errorf("-google-key %s: %w", o.googleKey, err)
		}
		return googlecal.New(googlecal.Config{Client: client, Endpoint: o.googleEndpoint, Location: loc, Logger: log})
	}
	if o.caldav == "" {
		if fi, err := os.Stat(o.calendars); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("-calendars %s: not a directory (%v)", o.calendars, err)
		}
		return &calendar.Folder{Dir: o.calendars, Location: loc, Logger: log}, nil
	}
	cfg := caldav.Config{URL: o.caldav, HTTPClient: hc, Home: o.caldavHome, Location: loc, Logger: log}
	if o.caldavCreds != "" {
		auth, err := readCredentials(o.caldavCreds)
		if err != nil {
			return nil, err
		}
		cfg.Auth = auth
	}
	if o.caldavMap != "" {
		m, err := readMailboxMap(o.caldavMap)
		if err != nil {
			return nil, err
		}
		cfg.Mailboxes, cfg.Home = m, ""
	}
	return caldav.New(cfg)
}

// readCredentials reads -caldav-credentials: USER:PASSWORD or "Bearer TOKEN".
func readCredentials(file string) (func(*http.Request, string) error, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-caldav-credentials: %w", err)
	}
	line := strings.TrimSpace(string(data))
	if tok, ok := strings.CutPrefix(line, "Bearer "); ok && strings.TrimSpace(tok) != "" {
		return caldav.BearerToken(strings.TrimSpace(tok)), nil
	}
	user, pass, ok := strings.Cut(line, ":")
	if !ok || user == "" || pass == "" || strings.Contains(line, "\n") {
		// Never echo the file: it holds a secret.
		return nil, fmt.Errorf("-caldav-credentials %s: want one line, USER:PASSWORD or Bearer TOKEN", file)
	}
	return caldav.BasicAuth(user, pass), nil
}

// readMailboxMap reads -caldav-map: "ADDRESS HOME-PATH" lines, blank lines
// and # comments ignored.
func readMailboxMap(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-caldav-map: %w", err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || !strings.Contains(f[0], "@") || !strings.HasPrefix(f[1], "/") {
			return nil, fmt.Errorf("-caldav-map %s:%d: want ADDRESS /HOME/PATH/", file, n)
		}
		m[strings.ToLower(f[0])] = f[1]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-caldav-map: %w", err)
	}
	return m, nil
}

// directory is the LDAP directory of -ldap, or nil.
func (o *options) directory(domains []string, ewsURL string, log *slog.Logger) (*ldapdir.Directory, error) {
	if o.ldapURL == "" {
		return nil, nil
	}
	cfg := ldapdir.Config{
		URL: o.ldapURL, StartTLS: o.ldapStartTLS, BindDN: o.ldapBind, BaseDN: o.ldapBase,
		UserFilter: o.ldapFilter, MemberOfAttr: o.ldapMember, InChain: o.ldapChain, DetailsAttr: o.ldapDetails,
		Domains: domains, EWSURL: ewsURL, Logger: log,
	}
	if o.ldapPassword != "" {
		file := o.ldapPassword
		cfg.BindPassword = func(context.Context) (string, error) {
			data, err := os.ReadFile(file)
			if err != nil {
				return "", fmt.Errorf("-ldap-password-file: %w", err)
			}
			return strings.TrimRight(string(data), "\r\n"), nil
		}
	}
	return ldapdir.New(cfg)
}

// loadSharing reads the sharing file and, with -ldap-details-attr, adds
// the owners' choices the directory holds for mailboxes the file does not
// name (the file wins: it is the administrator's override).
func loadSharing(ctx context.Context, store *sharing.LivePolicy, file string, dir *ldapdir.Directory) error {
	if dir == nil {
		return store.ReloadFile(file)
	}
	cfg, err := sharing.LoadFile(file)
	if err != nil {
		return err
	}
	fromDir, err := dir.SharingMailboxes(ctx)
	if err != nil {
		return err
	}
	named := map[string]bool{}
	for _, m := range cfg.Mailboxes {
		named[strings.ToLower(m.Address)] = true
	}
	for _, m := range fromDir {
		if !named[m.Address] {
			cfg.Mailboxes = append(cfg.Mailboxes, m)
		}
	}
	if err := store.Replace(cfg); err != nil {
		return fmt.Errorf("the sharing file with the directory's mailboxes: %w", err)
	}
	return nil
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar/googlecal"
	"github.com/fedavail/fedavail/examples/internal/cli"
)

const usage = `partner answers partners' free/busy requests: Autodiscover and EWS
availability on Exchange's usual paths, calendars from a folder of .ics files,
access from a sharing configuration (reloaded on SIGHUP or when it changes), delegation tokens
from the trust broker for partners and Basic authentication for internal users.

usage: partner (-calendars DIR | -caldav URL | -google-key FILE) (-dir STATE | -cert FILE -key FILE -domain D -broker-metadata URL) [flags]

Calendars come from a folder of .ics files (-calendars), a CalDAV server
(-caldav, with -caldav-home or -caldav-map saying where each mailbox's
calendars are) or Google Workspace (-google-key). With -ldap, an LDAP directory (Active Directory, OpenLDAP)
says which mailboxes exist and who is in the groups sharing scopes name.

The organization's identity comes from the state directory fedadmin keeps
(-dir: certificates, trust, domains, sharing.json), or from files and flags.
Without -tls-cert and -tls-key it serves plain HTTP: put it behind a TLS
terminator, as partners only speak HTTPS. Replicas behind a load balancer
share the files (-dir on shared storage) and are probed at /healthz and
/readyz (broker metadata fresh, configuration loaded).

Flags:
`

// options are the command line's settings.
type options struct {
	listen, tlsCert, tlsKey string
	legacyTLS               bool
	accepted                list
	ewsURL                  string
	calendars, tz           string
	dir                     string
	orgCert, orgKey         string
	domains                 list
	appURI                  string
	metadataURL             string
	net                     cli.Network
	sharingFile             string
	basic                   list
	serviceAccounts         serviceAccountFlag
	internal                fedavail.AccessLevel
	grace                   time.Duration
	reloadEvery             time.Duration
	verbose                 bool
	metrics                 string
	ewsRate                 float64
	ewsBurst                int

	googleKey               string // service account key file
	googleEndpoint          string // the API's base URL, for tests
	caldav, caldavCreds     string // server URL; credentials file
	caldavHome, caldavMap   string // home template; mailbox→home file
	ldapURL, ldapBase       string
	ldapBind, ldapPassword  string // bind DN; password file
	ldapFilter, ldapMember  string // user filter; memberOf attribute
	ldapDetails             string // opt-in attribute
	ldapStartTLS, ldapChain bool
}

// list is a flag that may be given several times.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// parseFlags reads args; errors are usage errors (flag.ErrHelp for -h).
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{internal: fedavail.AccessLimitedDetails}
	fs := flag.NewFlagSet("partner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "localhost:8080", "listen on `ADDR` (host:port)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve TLS with the certificate chain in PEM `FILE`")
	fs.StringVar(&o.tlsKey, "tls-key", "", "the TLS private key, PEM `FILE`")
	fs.BoolVar(&o.legacyTLS, "accept-legacy-tls", false, "also accept TLS 1.0 and 1.1 from clients (partners such as NHSmail whose Exchange speaks only TLS 1.0); weak, logged, needs -tls-cert")
	fs.Var(&o.accepted, "accepted-domain", "an accepted `DOMAIN` that is not federated: partners may address its mailboxes, and GetFederationInformation for it answers (repeatable)")
	fs.StringVar(&o.ewsURL, "ews-url", "", "the external EWS `URL` Autodiscover hands out (default: this server's /EWS/Exchange.asmx)")
	fs.StringVar(&o.calendars, "calendars", "", "`DIR` of calendars, one ADDRESS.ics per mailbox (required)")
	fs.StringVar(&o.googleKey, "google-key", "", "read calendars from Google Workspace as the service account in key `FILE` (domain-wide delegation, scope "+googlecal.Scope+") instead of -calendars")
	fs.StringVar(&o.googleEndpoint, "google-endpoint", "", "the Calendar API's base `URL` ending in /calendar/v3/ (default: Google's; for tests)")
	fs.StringVar(&o.caldav, "caldav", "", "read calendars from the CalDAV server at `URL` instead of -calendars")
	fs.StringVar(&o.caldavCreds, "caldav-credentials", "", "`FILE` with one line, USER:PASSWORD (Basic) or \"Bearer TOKEN\", for the CalDAV server")
	fs.StringVar(&o.caldavHome, "caldav-home", "/{local}/", "a mailbox's calendar home on the CalDAV server, `TEMPLATE` of {mailbox}, {local}, {domain} (Nextcloud: /remote.php/dav/calendars/{local}/)")
	fs.StringVar(&o.caldavMap, "caldav-map", "", "`FILE` of \"ADDRESS HOME-PATH\" lines: only these mailboxes exist (instead of -caldav-home)")
	fs.StringVar(&o.ldapURL, "ldap", "", "answer Autodiscover and group scopes from the directory at `URL` (ldap:// or ldaps://)")
	fs.StringVar(&o.ldapBase, "ldap-base", "", "the directory's search base `DN` (required with -ldap)")
	fs.StringVar(&o.ldapBind, "ldap-bind", "", "bind `DN` (default: anonymous)")
	fs.StringVar(&o.ldapPassword, "ldap-password-file", "", "`FILE` holding the bind password (read at each connection, never printed)")
	fs.StringVar(&o.ldapFilter, "ldap-filter", "", "LDAP `FILTER` selecting users (default: every entry with the address)")
	fs.StringVar(&o.ldapMember, "ldap-memberof", "", "`ATTR` listing a user's groups (memberOf on AD or with OpenLDAP's memberof overlay)")
	fs.StringVar(&o.ldapDetails, "ldap-details-attr", "", "`ATTR` by which owners opt in to show subject and location (TRUE or LimitedDetails); merged into the sharing file's mailboxes")
	fs.BoolVar(&o.ldapStartTLS, "ldap-starttls", false, "upgrade an ldap:// connection with StartTLS")
	fs.BoolVar(&o.ldapChain, "ldap-in-chain", false, "let the server follow nested groups (Active Directory's LDAP_MATCHING_RULE_IN_CHAIN)")
	fs.StringVar(&o.tz, "tz", "UTC", "time `ZONE` of calendar times without one, and of working hours")
	fs.StringVar(&o.dir, "dir", "", "the organization's state `DIR`, as fedadmin keeps it")
	fs.StringVar(&o.orgCert, "cert", "", "organization certificate, PEM `FILE` (instead of -dir)")
	fs.StringVar(&o.orgKey, "key", "", "its private key, PEM `FILE` (never printed)")
	fs.Var(&o.domains, "domain", "a federated `DOMAIN` (repeatable; default: the trust's in -dir)")
	fs.StringVar(&o.appURI, "app-uri", "", "the organization's application `URI` (default: the trust's, or FYDIBOHF25SPDLT.<first domain>)")
	fs.StringVar(&o.metadataURL, "broker-metadata", "", "the trust broker's federation metadata `URL` (default: the trust's in -dir)")
	o.net.Register(fs) // for fetching the trust broker's metadata
	fs.StringVar(&o.sharingFile, "sharing", "", "sharing configuration JSON `FILE` (default: sharing.json in -dir)")
	fs.Var(&o.basic, "basic", "an internal user `USER:PASS`, or @FILE of such lines (repeatable)")
	fs.Var(&o.serviceAccounts, "address-space-account", "another forest's availability service account `USER:PASS@DOMAIN:LEVEL` (Add-AvailabilityAddressSpace OrgWideFB there); LEVEL AvailabilityOnly (default) or LimitedDetails (repeatable)")
	fs.TextVar(&o.internal, "internal-access", o.internal, "what internal users see: AvailabilityOnly, LimitedDetails or Reviewer")
	fs.DurationVar(&o.grace, "grace", 10*time.Second, "on SIGINT or SIGTERM, let requests in flight finish for up to this `duration`")
	fs.DurationVar(&o.reloadEvery, "reload-every", 30*time.Second, "look this often for changed sharing and certificate files and reload them without SIGHUP (0: only on SIGHUP)")
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus /metrics and /healthz on their own `ADDR` (e.g. 127.0.0.1:9100), never on the partners' listener")
	fs.Float64Var(&o.ewsRate, "ews-rate", 20, "EWS work each organization may ask for, in calendar reads per `second` on average (0: no throttling)")
	fs.IntVar(&o.ewsBurst, "ews-burst", 200, "calendar reads an organization may ask for at once (`N`; a 100-mailbox request with suggestions is 200)")
	fs.BoolVar(&o.verbose, "v", false, "log every request (never tokens, passwords or calendar content)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := o.net.Load(o.dir, fs); err != nil {
		return nil, err
	}
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(fs.NArg() == 0, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	sources := 0
	for _, v := range []string{o.calendars, o.caldav, o.googleKey} {
		if v != "" {
			sources++
		}
	}
	check(sources > 0, "-calendars DIR, -caldav URL or -google-key FILE is required")
	check(sources < 2, "give one of -calendars, -caldav and -google-key")
	check(o.ldapURL == "" || o.ldapBase != "", "-ldap-base is required with -ldap")
	check(o.ldapBind == "" || o.ldapPassword != "", "-ldap-password-file is required with -ldap-bind")
	check((o.tlsCert == "") == (o.tlsKey == ""), "give both -tls-cert and -tls-key, or neither")
	check(!o.legacyTLS || o.tlsCert != "", "-accept-legacy-tls needs -tls-cert and -tls-key")
	check(o.ewsRate >= 0 && o.ewsBurst >= 1, "-ews-rate must be 0 or more and -ews-burst 1 or more")
	check((o.orgCert == "") == (o.orgKey == ""), "give both -cert and -key, or neither")
	check(o.dir != "" || o.orgCert != "", "give the organization's certificate: -dir STATE, or -cert FILE -key FILE")
	check(o.dir == "" || o.orgCert == "", "give -dir or -cert/-key, not both")
	if o.dir == "" {
		check(len(o.domains) > 0, "-domain is required without -dir")
		check(o.metadataURL != "", "-broker-metadata is required without -dir")
		check(o.sharingFile != "", "-sharing is required without -dir")
	}
	if err := errors.Join(errs...); err != nil {
		fs.Usage()
		return nil, err
	}
	return o, nil
}

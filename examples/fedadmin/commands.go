package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/sharing"
)

// commands lists the subcommands; two-word names come before the one-word
// name they start with.
var commands = []*command{
	{name: "new-cert", help: "new-cert [-cn NAME] [-bits N]", setup: func(fs *flag.FlagSet) {
		fs.String("cn", "", "subject common name (default \"Federated Sharing\")")
		fs.Int("bits", 2048, "RSA key size, at least 2048")
	}, run: newCert},
	{name: "import-cert", help: "import-cert -cert FILE [-key FILE] [-password-file FILE]   (a CA-issued certificate, PEM or PFX)", setup: func(fs *flag.FlagSet) {
		fs.String("cert", "", "the certificate `file`: PEM (with or without its key) or PFX")
		fs.String("key", "", "the private key `file` (PEM), when not in -cert")
		fs.String("password-file", "", "a `file` holding the PFX password (first line)")
	}, run: importCert},
	{name: "trust show", help: "trust show", run: trustShow},
	{name: "trust refresh", help: "trust refresh   (after the broker rolled its signing certificate over)", run: trustRefresh},
	{name: "trust", help: "trust -broker URL -domain DOMAIN [-protocol ManageDelegation2]\n   or: fedadmin trust -metadata URL -registration URL -protocol ManageDelegation2 -domain DOMAIN\n   or: fedadmin trust -microsoft -domain DOMAIN   (Microsoft's published endpoints; not tried from fedavail)", setup: func(fs *flag.FlagSet) {
		fs.String("broker", "", "the fedavail trust broker's base `URL` (https://…)")
		fs.String("domain", "", "the first federated `domain`; names the account namespace FYDIBOHF25SPDLT.<domain>")
		fs.String("protocol", "", "registration `protocol`: empty for the fedavail broker's API, or ManageDelegation2 (the Federation Gateway's)")
		fs.String("metadata", "", "the gateway's federation metadata `URL`, when not below -broker")
		fs.String("registration", "", "the gateway's registration endpoint `URL`, when not below -broker")
		fs.Bool("microsoft", false, "use the Microsoft Federation Gateway's published metadata and ManageDelegation2 endpoints")
	}, run: trust},
	{name: "domain-proof", help: "domain-proof DOMAIN", run: domainProof},
	{name: "org-identifier", help: "org-identifier -enabled=false|true   (turn federation off or on without de-federating)", setup: func(fs *flag.FlagSet) {
		fs.String("enabled", "", "false stops asking partners (no delegation tokens); true asks again")
	}, run: orgIdentifier},
	{name: "domain add", help: "domain add DOMAIN", run: domainAdd},
	{name: "domain remove", help: "domain remove DOMAIN", run: domainRemove},
	{name: "relationship add", help: "relationship add NAME -domain DOMAIN [-level LEVEL] [-scope GROUP] [-sharing-url URL]\n   or: fedadmin relationship add NAME -domains D1,D2 -app-uri URI [-autodiscover URL] [...]   (when discovery is not possible)", setup: relationshipFlags(true), run: relationshipAdd},
	{name: "relationship set", help: "relationship set NAME [-domains D1,D2] [-app-uri URI] [-autodiscover URL] [-sharing-url URL] [-level LEVEL] [-scope GROUP] [-enabled BOOL] [-freebusy BOOL]", setup: relationshipFlags(false), run: relationshipSet},
	{name: "relationship remove", help: "relationship remove NAME", setup: func(fs *flag.FlagSet) {
		fs.String("name", "", "the relationship's `name`")
	}, run: relationshipRemove},
	{name: "relationship list", help: "relationship list", run: relationshipList},
	{name: "rollover", help: "rollover [-server URL]... [-force]   (run once per stage: install next, switch, finish)", setup: func(fs *flag.FlagSet) {
		fs.Var(&urlList{}, "server", "an answering server of this organization (`URL` of a partner command, repeatable): switch only once each serves the next certificate (its /readyz lists it)")
		fs.Bool("force", false, "switch without checking the -server URLs, or finish without waiting the 8 hours after the switch")
	}, run: rollover},
	{name: "defederate", help: "defederate [-yes]", setup: func(fs *flag.FlagSet) {
		fs.Bool("yes", false, "do not ask for confirmation")
	}, run: defederate},
	{name: "settings save", help: "settings save   (with the global -ca, -dns, -proxy … flags to keep)", run: settingsSave, stateless: true},
	{name: "settings show", help: "settings show", run: settingsShow, stateless: true},
	{name: "test-ca", help: "test-ca [-out DIR] HOST...   (a CA and a TLS certificate for trying things on one machine)",
		setup: testCAFlags, run: testCA, stateless: true},
	{name: "test-dns", help: "test-dns [-zone FILE]   (a DNS server on 127.0.0.1 for trying things on one machine; runs until stopped)",
		setup: testDNSFlags, run: testDNS, stateless: true, untimed: true},
}

func str(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

// oneArg returns the single argument of a subcommand such as "domain add".
func oneArg(args []string, what string) (string, error) {
	if len(args) != 1 {
		return "", usageError(fmt.Sprintf("want one %s, got %d arguments", what, len(args)))
	}
	return args[0], nil
}

func newCert(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	bits := fs.Lookup("bits").Value.(flag.Getter).Get().(int)
	c, err := e.org.NewCertificate(ctx, admin.CertificateOptions{CommonName: str(fs, "cn"), Bits: bits})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created organization certificate %s (%s, valid until %s); its key is in %s/certs, mode 0600\n",
		c.Thumbprint, c.Subject, c.NotAfter.Format("2006-01-02"), e.org.Dir())
	fmt.Fprintln(e.stdout, "next: fedadmin domain-proof DOMAIN, publish the record, then fedadmin trust -broker URL -domain DOMAIN")
	return nil
}

func trust(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	opts := admin.TrustOptions{BrokerURL: str(fs, "broker"), Domain: str(fs, "domain"), Protocol: admin.Protocol(str(fs, "protocol")),
		MetadataURL: str(fs, "metadata"), RegistrationURL: str(fs, "registration")}
	if str(fs, "microsoft") == "true" {
		if opts.BrokerURL != "" || opts.MetadataURL != "" || opts.RegistrationURL != "" {
			return usageError("-microsoft names the endpoints itself: drop -broker, -metadata and -registration")
		}
		opts.Protocol, opts.MetadataURL, opts.RegistrationURL = admin.ProtocolManageDelegation2, admin.MicrosoftMetadataURL, admin.MicrosoftRegistrationURL
	}
	if len(args) > 0 || opts.Domain == "" || (opts.BrokerURL == "" && (opts.MetadataURL == "" || opts.RegistrationURL == "")) {
		return usageError("-domain and -broker (or -metadata and -registration, or -microsoft) are required, and nothing else")
	}
	tc, err := e.org.Trust(ctx, opts)
	if err != nil {
		return err
	}
	where := tc.BrokerURL
	if tc.RegistrationEpr != "" {
		where = tc.RegistrationEpr
	}
	fmt.Fprintf(e.stdout, "federation trust created: %s is registered at %s with application identifier %s\n", tc.ApplicationURI, where, tc.ApplicationIdentifier)
	fmt.Fprintf(e.stdout, "note: %s\n", admin.MicrosoftGatewayNote)
	return nil
}

func trustShow(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	s, err := e.org.TrustShow()
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, s)
	return nil
}

func trustRefresh(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	before, after, err := e.org.RefreshTrust(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "federation trust refreshed from %s\n", after.TokenIssuerMetadataEpr)
	for _, f := range []struct{ name, old, new string }{
		{"TokenIssuerEpr", before.TokenIssuerEpr, after.TokenIssuerEpr},
		{"TokenIssuerCertificate", before.TokenIssuerCertificate, after.TokenIssuerCertificate},
		{"TokenIssuerPrevCertificate", before.TokenIssuerPrevCertificate, after.TokenIssuerPrevCertificate},
	} {
		if f.old == f.new {
			fmt.Fprintf(e.stdout, "%s: %s (unchanged)\n", f.name, f.new)
		} else {
			fmt.Fprintf(e.stdout, "%s: %s (was %s)\n", f.name, f.new, f.old)
		}
	}
	return nil
}

func domainProof(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	d, err := oneArg(args, "domain")
	if err != nil {
		return err
	}
	ps, err := e.org.DomainProof(d)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, admin.FormatDomainProofs(ps))
	return nil
}

func domainAdd(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
	d, err := oneArg(args, "domain")
	if err != nil {
		return err
	}
	if err := e.org.AddDomain(ctx, d); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is federated\n", d)
	return nil
}

func domainRemove(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
	d, err := oneArg(args, "domain")
	if err != nil {
		return err
	}
	if err := e.org.RemoveDomain(ctx, d); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is no longer federated; its TXT record can be deleted\n", d)
	return nil
}

func relationshipFlags(add bool) func(fs *flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.String("name", "", "the relationship's `name`, e.g. the partner's (or give it as the argument)")
		if add {
			fs.String("domain", "", "one of the partner's `domain`s: read the partner's federation information from its Autodiscover service (Get-FederationInformation)")
		}
		fs.String("domains", "", "the partner's federated `domains`, comma-separated")
		fs.String("app-uri", "", "the partner's application `URI` (FYDIBOHF25SPDLT.<domain>)")
		fs.String("autodiscover", "", "the partner's Autodiscover WSSecurity `URL`")
		fs.String("sharing-url", "", "the partner's EWS `URL`, used instead of Autodiscover")
		fs.String("scope", "", "share only the members of this `group`")
		if add {
			fs.String("level", "AvailabilityOnly", "free/busy `level` shown to the partner: None, AvailabilityOnly or LimitedDetails")
			return
		}
		fs.String("level", "", "free/busy `level` shown to the partner: None, AvailabilityOnly or LimitedDetails")
		fs.String("enabled", "", "true or false: sharing over the relationship at all")
		fs.String("freebusy", "", "true or false: free/busy access")
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func relationshipAdd(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	name, err := nameArg(fs, args)
	if err != nil {
		return err
	}
	level, err := fedavail.ParseAccessLevel(str(fs, "level"))
	if err != nil {
		return usageError(err.Error())
	}
	var fi admin.FederationInformation
	if d := str(fs, "domain"); d != "" {
		// Get-FederationInformation -DomainName d | New-OrganizationRelationship,
		// at the partner's -autodiscover URL when one is given.
		if fi, err = e.org.FederationInformationAt(ctx, d, str(fs, "autodiscover")); err != nil {
			return err
		}
	}
	// Values given explicitly win over discovered ones, and stand in for
	// them when the partner's Autodiscover service cannot be reached.
	fs.Visit(func(f *flag.Flag) {
		switch v := f.Value.String(); f.Name {
		case "domains":
			fi.DomainNames = splitList(v)
		case "app-uri":
			fi.ApplicationURI = v
		case "autodiscover":
			fi.TargetAutodiscoverEpr = v
		}
	})
	if len(fi.DomainNames) == 0 || fi.ApplicationURI == "" {
		return usageError("give -domain DOMAIN to read the partner's federation information, or -domains and -app-uri")
	}
	r := admin.NewRelationship(name, fi)
	r.FreeBusyAccessLevel, r.TargetSharingEpr, r.FreeBusyAccessScope = level, str(fs, "sharing-url"), str(fs, "scope")
	if err := e.org.AddRelationship(r); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organization relationship %q added to %s; the partner must create one with you too\n", r.Name, e.org.SharingFile())
	fmt.Fprint(e.stdout, sharing.FormatRelationships([]sharing.OrganizationRelationship{r}))
	if tc, err := e.org.TrustConfig(); err == nil && fi.TokenIssuerURIs != nil && !fi.AcceptsIssuer(tc.TokenIssuerURI) {
		fmt.Fprintf(e.stdout, "warning: %s accepts tokens from %s only, not from this organization's trust broker %s: its servers will refuse free/busy requests until it trusts %s too\n",
			fi.ApplicationURI, strings.Join(fi.TokenIssuerURIs, ", "), tc.TokenIssuerURI, tc.TokenIssuerURI)
	}
	return nil
}

// nameArg returns the relationship name, given as the argument or -name.
func nameArg(fs *flag.FlagSet, args []string) (string, error) {
	name := str(fs, "name")
	switch {
	case len(args) > 1 || (len(args) == 1 && name != ""):
		return "", usageError("give the relationship's name once")
	case len(args) == 1:
		name = args[0]
	case name == "":
		return "", usageError("the relationship's name is required")
	}
	return name, nil
}

func relationshipSet(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	name, err := nameArg(fs, args)
	if err != nil {
		return err
	}
	var c admin.RelationshipChange
	var bad error
	fs.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		switch f.Name {
		case "domains":
			c.DomainNames = splitList(v)
		case "app-uri":
			c.TargetApplicationURI = &v
		case "autodiscover":
			c.TargetAutodiscoverEpr = &v
		case "sharing-url":
			c.TargetSharingEpr = &v
		case "scope":
			c.FreeBusyAccessScope = &v
		case "level":
			l, err := fedavail.ParseAccessLevel(v)
			c.FreeBusyAccessLevel, bad = &l, err
		case "enabled", "freebusy":
			b, err := parseBool(f.Name, v)
			if err != nil {
				bad = err
			} else if f.Name == "enabled" {
				c.Enabled = &b
			} else {
				c.FreeBusyAccessEnabled = &b
			}
		}
	})
	if bad != nil {
		return usageError(bad.Error())
	}
	if err := e.org.SetRelationship(name, c); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organization relationship %q changed\n", name)
	return nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("-%s %q: want true or false", name, v)
}

func relationshipRemove(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	name, err := nameArg(fs, args)
	if err != nil {
		return err
	}
	if err := e.org.RemoveRelationship(name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organization relationship %q removed\n", name)
	return nil
}

func relationshipList(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	rs, err := e.org.Relationships()
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, sharing.FormatRelationships(rs))
	return nil
}

// importCert installs an existing certificate: as the current one when
// there is none, else as the next one, starting a rollover.
func importCert(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 || str(fs, "cert") == "" {
		return usageError("-cert FILE is required, and nothing else")
	}
	data, err := os.ReadFile(str(fs, "cert"))
	if err != nil {
		return err
	}
	var keyPEM []byte
	if f := str(fs, "key"); f != "" {
		if keyPEM, err = os.ReadFile(f); err != nil {
			return err
		}
	}
	var password string
	if f := str(fs, "password-file"); f != "" {
		pw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		password, _, _ = strings.Cut(strings.TrimRight(string(pw), "\r\n"), "\n")
	}
	p, err := admin.ParseCertificate(data, keyPEM, password)
	if err != nil {
		return err
	}
	// Refusals come from the import itself; warnings (a near end) are said here.
	if warnings, err := keyring.Check(p, keyring.UseOrganization, time.Now()); err == nil {
		for _, w := range warnings {
			fmt.Fprintf(e.stdout, "warning: %s\n", w)
		}
	}
	certs := e.org.Certificates()
	if len(certs) == 0 {
		c, err := e.org.NewCertificate(ctx, admin.CertificateOptions{Import: &p})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "imported organization certificate %s (%s, valid until %s)\n", c.Thumbprint, c.Subject, c.NotAfter.Format("2006-01-02"))
		return nil
	}
	if len(certs) > 1 {
		return fmt.Errorf("a certificate rollover is in progress: finish it with fedadmin rollover, then import")
	}
	return rolloverWith(ctx, e, admin.CertificateOptions{Import: &p})
}

func rollover(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	servers := *fs.Lookup("server").Value.(*urlList)
	if force := fs.Lookup("force").Value.String() == "true"; !force && len(servers) > 0 {
		if err := serversHaveNext(ctx, e, servers); err != nil {
			return err
		}
	}
	if force := fs.Lookup("force").Value.String() == "true"; !force {
		after, pending, err := e.org.FinishAfter()
		if err != nil {
			return err
		}
		if now := time.Now(); pending && now.Before(after) {
			return fmt.Errorf("not finishing yet: tokens encrypted to the previous certificate before the switch may live until %s (in %s); "+
				"run fedadmin rollover again then, or with -force to finish now and refuse those tokens",
				after.Format(time.RFC3339), after.Sub(now).Round(time.Minute))
		}
	}
	return rolloverWith(ctx, e, admin.CertificateOptions{})
}

// rolloverWith takes the next rollover step; opts make the next certificate.
func rolloverWith(ctx context.Context, e *env, opts admin.CertificateOptions) error {
	stage, err := e.org.Rollover(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rollover: %s\n", stage)
	switch stage {
	case admin.RolloverNextInstalled:
		tc, err := e.org.TrustConfig()
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "next: publish these records (keep the current ones), reload your servers, then run fedadmin rollover again")
		for _, d := range tc.Domains {
			ps, err := e.org.DomainProof(d)
			if err != nil {
				return err
			}
			for _, p := range ps {
				fmt.Fprintln(e.stdout, p.DNSRecord)
			}
		}
	case admin.RolloverSwitched:
		fmt.Fprintln(e.stdout, "next: once tokens issued before the switch have expired (8 hours at most), run fedadmin rollover again to drop the previous certificate")
	case admin.RolloverFinished:
		fmt.Fprintln(e.stdout, "the previous certificate's TXT records can be deleted")
	}
	return nil
}

func defederate(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	if str(fs, "yes") != "true" {
		fmt.Fprintf(e.stdout, "This removes every organization relationship, every federated domain and the trust broker registration of %s.\nType yes to go on: ", e.org.Dir())
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		if strings.TrimSpace(line) != "yes" {
			fmt.Fprintln(e.stdout, "\nnothing changed")
			return nil
		}
	}
	if err := e.org.Defederate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "de-federated: relationships, domains and the broker registration are removed; the certificates stay in", e.org.Dir())
	return nil
}

func orgIdentifier(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 || str(fs, "enabled") == "" {
		return usageError("give -enabled=false or -enabled=true, and nothing else")
	}
	on, err := parseBool("enabled", str(fs, "enabled"))
	if err != nil {
		return usageError(err.Error())
	}
	if err := e.org.SetEnabled(on); err != nil {
		return err
	}
	if on {
		fmt.Fprintln(e.stdout, "federation is on: this organization asks partners again")
		return nil
	}
	fmt.Fprintln(e.stdout, "federation is off: this organization asks partners nothing (no delegation tokens); "+
		"the trust, domains and relationships stay. Partners are still answered, as Exchange answers them: "+
		"to stop that too, run relationship set NAME -enabled false")
	return nil
}

func settingsSave(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected: give the settings as global flags, e.g. fedadmin -dir DIR -ca ca.pem -dns 10.0.0.53:53 settings save")
	}
	path, err := e.network.Save(e.dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved to %s: fedadmin, freebusy, fedcheck and partner with -dir %s use these unless their own flags say otherwise\n", path, e.dir)
	return nil
}

func settingsShow(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	n := e.network
	proxy := n.Proxy
	if u, err := url.Parse(proxy); err == nil && u.User != nil {
		u.User = url.User(u.User.Username()) // never print a proxy password
		proxy = u.String()
	}
	fmt.Fprintf(e.stdout, "ca           : %s\ndns          : %s\nproxy        : %s\nproxy-bypass : %s\nlegacy-tls   : %s\n",
		n.CAFile, n.DNS, proxy, n.ProxyBypass, strings.Join(n.LegacyTLS, ", "))
	return nil
}

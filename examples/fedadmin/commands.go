package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/sharing"
)

// commands lists the subcommands; two-word names come before the one-word
// name they start with.
var commands = []*command{
	{name: "new-cert", help: "new-cert [-cn NAME] [-bits N]", setup: func(fs *flag.FlagSet) {
		fs.String("cn", "", "subject common name (default \"Federated Sharing\")")
		fs.Int("bits", 2048, "RSA key size, at least 2048")
	}, run: newCert},
	{name: "trust show", help: "trust show", run: trustShow},
	{name: "trust", help: "trust -broker URL -domain DOMAIN", setup: func(fs *flag.FlagSet) {
		fs.String("broker", "", "the fedavail trust broker's base `URL` (https://…)")
		fs.String("domain", "", "the first federated `domain`; names the account namespace FYDIBOHF25SPDLT.<domain>")
	}, run: trust},
	{name: "domain-proof", help: "domain-proof DOMAIN", run: domainProof},
	{name: "domain add", help: "domain add DOMAIN", run: domainAdd},
	{name: "domain remove", help: "domain remove DOMAIN", run: domainRemove},
	{name: "relationship add", help: "relationship add -name NAME -domains D1,D2 -app-uri URI [-autodiscover URL] [-sharing-url URL] [-level LEVEL] [-scope GROUP]", setup: relationshipFlags(true), run: relationshipAdd},
	{name: "relationship set", help: "relationship set -name NAME [-domains D1,D2] [-app-uri URI] [-autodiscover URL] [-sharing-url URL] [-level LEVEL] [-scope GROUP] [-enabled BOOL] [-freebusy BOOL]", setup: relationshipFlags(false), run: relationshipSet},
	{name: "relationship remove", help: "relationship remove -name NAME", setup: func(fs *flag.FlagSet) {
		fs.String("name", "", "the relationship's `name`")
	}, run: relationshipRemove},
	{name: "relationship list", help: "relationship list", run: relationshipList},
	{name: "rollover", help: "rollover   (run once per stage: install next, switch, finish)", run: rollover},
	{name: "defederate", help: "defederate [-yes]", setup: func(fs *flag.FlagSet) {
		fs.Bool("yes", false, "do not ask for confirmation")
	}, run: defederate},
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
	if len(args) > 0 || str(fs, "broker") == "" || str(fs, "domain") == "" {
		return usageError("-broker and -domain are required, and nothing else")
	}
	tc, err := e.org.Trust(ctx, admin.TrustOptions{BrokerURL: str(fs, "broker"), Domain: str(fs, "domain")})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "federation trust created: %s is registered at %s with application identifier %s\n", tc.ApplicationURI, tc.BrokerURL, tc.ApplicationIdentifier)
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
		fs.String("name", "", "the relationship's `name`, e.g. the partner's")
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

func relationshipAdd(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 || str(fs, "name") == "" || str(fs, "domains") == "" || str(fs, "app-uri") == "" {
		return usageError("-name, -domains and -app-uri are required (from the partner's federation information)")
	}
	level, err := fedavail.ParseAccessLevel(str(fs, "level"))
	if err != nil {
		return usageError(err.Error())
	}
	r := admin.NewRelationship(str(fs, "name"), admin.FederationInformation{
		ApplicationURI: str(fs, "app-uri"), DomainNames: splitList(str(fs, "domains")), TargetAutodiscoverEpr: str(fs, "autodiscover"),
	})
	r.FreeBusyAccessLevel, r.TargetSharingEpr, r.FreeBusyAccessScope = level, str(fs, "sharing-url"), str(fs, "scope")
	if err := e.org.AddRelationship(r); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organization relationship %q added to %s; the partner must create one with you too\n", r.Name, e.org.SharingFile())
	return nil
}

func relationshipSet(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 || str(fs, "name") == "" {
		return usageError("-name is required")
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
	if err := e.org.SetRelationship(str(fs, "name"), c); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organization relationship %q changed\n", str(fs, "name"))
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
	if len(args) > 0 || str(fs, "name") == "" {
		return usageError("-name is required")
	}
	if err := e.org.RemoveRelationship(str(fs, "name")); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organization relationship %q removed\n", str(fs, "name"))
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

func rollover(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	stage, err := e.org.Rollover(ctx, admin.CertificateOptions{})
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

package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/sharing"
)

// The sharing configuration beyond relationships: mailbox opt-in, groups
// (access scopes) and sharing policies, so that nobody edits sharing.json
// by hand.

// reloadHint is printed after every change of sharing.json.
const reloadHint = "a running partner reads sharing.json again on SIGHUP: kill -HUP <partner's pid>"

var sharingCommands = []*command{
	{name: "mailbox set", help: "mailbox set ADDRESS [-permission None|AvailabilityOnly|LimitedDetails|Reviewer|Default] [-policy NAME]",
		setup: func(fs *flag.FlagSet) {
			fs.String("permission", "", "what external users see: LimitedDetails is the owner's opt-in to subject and location; Default is AvailabilityOnly")
			fs.String("policy", "", "the mailbox's sharing `policy` (\"\" for the default one)")
		}, run: mailboxSet},
	{name: "mailbox list", help: "mailbox list", run: mailboxList},
	{name: "group set", help: "group set NAME MEMBER...   (create a group, or replace its members)", run: groupSet},
	{name: "group remove", help: "group remove NAME", run: groupRemove},
	{name: "group list", help: "group list", run: groupList},
	{name: "policy set", help: "policy set NAME -domain 'DOMAIN:Action[,Action]' [-domain …] [-default] [-enabled=false]",
		setup: func(fs *flag.FlagSet) {
			fs.Var(&stringList{}, "domain", "an entry `DOMAIN:Action[,Action]`, e.g. 'fabrikam.com:CalendarSharingFreeBusyDetail' or '*:CalendarSharingFreeBusySimple' (repeatable)")
			fs.Bool("default", false, "make this the default policy (of mailboxes without one)")
			fs.Bool("enabled", true, "false makes the policy allow nothing")
		}, run: policySet},
	{name: "policy remove", help: "policy remove NAME", run: policyRemove},
	{name: "policy list", help: "policy list", run: policyList},
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, "; ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func init() {
	// Longer names first, so "mailbox set" is found before a one-word command.
	commands = append(sharingCommands, commands...)
}

func mailboxSet(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	addr, err := oneArg(args, "mailbox address")
	if err != nil {
		return err
	}
	var c admin.MailboxChange
	fs.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		switch f.Name {
		case "permission":
			p := sharing.CalendarPermission(v)
			if strings.EqualFold(v, "Default") {
				p = sharing.PermissionDefault
			}
			c.CalendarPermission = &p
		case "policy":
			c.SharingPolicy = &v
		}
	})
	if c.CalendarPermission == nil && c.SharingPolicy == nil {
		return usageError("give -permission or -policy")
	}
	if err := e.org.SetMailbox(addr, c); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "mailbox %s updated in %s\n%s\n", addr, e.org.SharingFile(), reloadHint)
	return nil
}

func mailboxList(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	cfg, err := e.org.Sharing()
	if err != nil {
		return err
	}
	if len(cfg.Mailboxes) == 0 {
		fmt.Fprintln(e.stdout, "no mailbox has settings of its own: every mailbox shows AvailabilityOnly under the default sharing policy")
	}
	for _, m := range cfg.Mailboxes {
		perm, policy := string(m.CalendarPermission), m.SharingPolicy
		if perm == "" {
			perm = "Default (AvailabilityOnly)"
		}
		if policy == "" {
			policy = "(default)"
		}
		fmt.Fprintf(e.stdout, "%-32s permission %-26s policy %s\n", m.Address, perm, policy)
	}
	return nil
}

func groupSet(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) < 1 {
		return usageError("give the group's name and its members")
	}
	if err := e.org.SetGroup(args[0], args[1:]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "group %q has %d members; use it as a relationship's scope with relationship set NAME -scope %q\n%s\n",
		args[0], len(args)-1, args[0], reloadHint)
	return nil
}

func groupRemove(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	name, err := oneArg(args, "group name")
	if err != nil {
		return err
	}
	if err := e.org.RemoveGroup(name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "group %q removed\n%s\n", name, reloadHint)
	return nil
}

func groupList(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	cfg, err := e.org.Sharing()
	if err != nil {
		return err
	}
	for _, g := range cfg.Groups {
		fmt.Fprintf(e.stdout, "%s: %s\n", g.Name, strings.Join(g.Members, ", "))
	}
	return nil
}

func policySet(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	name, err := oneArg(args, "policy name")
	if err != nil {
		return err
	}
	p := sharing.SharingPolicy{Name: name, Enabled: true}
	var bad error
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "default":
			p.Default, _ = strconv.ParseBool(f.Value.String())
		case "enabled":
			p.Enabled, _ = strconv.ParseBool(f.Value.String())
		}
	})
	for _, v := range *fs.Lookup("domain").Value.(*stringList) {
		d, err := sharing.ParseSharingPolicyDomain(v)
		if err != nil {
			bad = err
			break
		}
		p.Domains = append(p.Domains, d)
	}
	if bad != nil {
		return usageError(bad.Error())
	}
	if len(p.Domains) == 0 {
		return usageError("give at least one -domain 'DOMAIN:Action'")
	}
	if err := e.org.SetSharingPolicy(p); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sharing policy %q saved\n%s", name, sharing.FormatSharingPolicies([]sharing.SharingPolicy{p}))
	fmt.Fprintln(e.stdout, reloadHint)
	return nil
}

func policyRemove(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	name, err := oneArg(args, "policy name")
	if err != nil {
		return err
	}
	if err := e.org.RemoveSharingPolicy(name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sharing policy %q removed\n%s\n", name, reloadHint)
	return nil
}

func policyList(_ context.Context, e *env, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	cfg, err := e.org.Sharing()
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, sharing.FormatSharingPolicies(cfg.SharingPolicies))
	return nil
}

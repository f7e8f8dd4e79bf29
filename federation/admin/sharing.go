package admin

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fedavail/fedavail/sharing"
)

// The rest of the sharing configuration an Exchange administrator sets with
// cmdlets: a mailbox owner's calendar permission for external users (the
// opt-in to subject and location, Set-MailboxFolderPermission on the Default
// user), a mailbox's sharing policy (Set-Mailbox -SharingPolicy), the groups
// used as relationships' access scopes, and sharing policies
// (New/Set/Remove-SharingPolicy). Each change is validated as a whole and
// written atomically, as relationships are.

// MailboxChange is what [Org.SetMailbox] changes; nil fields stay as they
// are.
type MailboxChange struct {
	// CalendarPermission is what external users may see:
	// sharing.PermissionLimitedDetails is the opt-in to subject and location.
	CalendarPermission *sharing.CalendarPermission
	// SharingPolicy names the mailbox's sharing policy; "" is the default one.
	SharingPolicy *string
}

// SetMailbox changes one mailbox's sharing settings, adding the mailbox to
// the configuration if it has none yet. A mailbox left with every default
// is removed from the file.
func (o *Org) SetMailbox(address string, c MailboxChange) error {
	address = strings.ToLower(strings.TrimSpace(address))
	if !strings.Contains(address, "@") {
		return fail(ErrInvalid, nil, fmt.Sprintf("%q is not an SMTP address", address), "give the mailbox's address, e.g. alice@contoso.com")
	}
	if p := c.CalendarPermission; p != nil {
		if _, ok := p.AccessLevel(); !ok {
			return fail(ErrInvalid, nil, fmt.Sprintf("calendar permission %q is not one of None, AvailabilityOnly, LimitedDetails, Reviewer", *p),
				"give one of them (LimitedDetails shares subject and location)")
		}
	}
	return o.editSharing(func(cfg *sharing.Config) error {
		i := slices.IndexFunc(cfg.Mailboxes, func(m sharing.Mailbox) bool { return strings.EqualFold(m.Address, address) })
		if i < 0 {
			cfg.Mailboxes = append(cfg.Mailboxes, sharing.Mailbox{Address: address})
			i = len(cfg.Mailboxes) - 1
		}
		m := &cfg.Mailboxes[i]
		if c.CalendarPermission != nil {
			m.CalendarPermission = *c.CalendarPermission
		}
		if c.SharingPolicy != nil {
			m.SharingPolicy = *c.SharingPolicy
		}
		if m.CalendarPermission == sharing.PermissionDefault && m.SharingPolicy == "" && len(m.Grants) == 0 {
			cfg.Mailboxes = slices.Delete(cfg.Mailboxes, i, i+1)
		}
		return nil
	})
}

// SetGroup creates the group name, or replaces its members.
func (o *Org) SetGroup(name string, members []string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fail(ErrInvalid, nil, "a group needs a name", "give one, e.g. Shared")
	}
	members = slices.Clone(members)
	for i, m := range members {
		members[i] = strings.ToLower(strings.TrimSpace(m))
	}
	return o.editSharing(func(cfg *sharing.Config) error {
		i := slices.IndexFunc(cfg.Groups, func(g sharing.Group) bool { return strings.EqualFold(g.Name, name) })
		if i < 0 {
			cfg.Groups = append(cfg.Groups, sharing.Group{Name: name, Members: members})
			return nil
		}
		cfg.Groups[i].Members = members
		return nil
	})
}

// RemoveGroup removes the group name; a group a relationship still uses as
// its scope is refused (the configuration would not validate).
func (o *Org) RemoveGroup(name string) error {
	return o.editSharing(func(cfg *sharing.Config) error {
		i := slices.IndexFunc(cfg.Groups, func(g sharing.Group) bool { return strings.EqualFold(g.Name, name) })
		if i < 0 {
			return fail(ErrInvalid, nil, fmt.Sprintf("no group named %q", name), "run group list to see the names")
		}
		for _, r := range cfg.OrganizationRelationships {
			if strings.EqualFold(r.FreeBusyAccessScope, name) {
				return fail(ErrInvalid, nil, fmt.Sprintf("relationship %q uses group %q as its scope", r.Name, name),
					fmt.Sprintf("first run relationship set %q -scope \"\"", r.Name))
			}
		}
		cfg.Groups = slices.Delete(cfg.Groups, i, i+1)
		return nil
	})
}

// SetSharingPolicy creates p, or replaces the policy of the same name, as
// New-SharingPolicy and Set-SharingPolicy. Making p the default takes the
// default from any other policy.
func (o *Org) SetSharingPolicy(p sharing.SharingPolicy) error {
	return o.editSharing(func(cfg *sharing.Config) error {
		if p.Default {
			for i := range cfg.SharingPolicies {
				cfg.SharingPolicies[i].Default = false
			}
		}
		i := slices.IndexFunc(cfg.SharingPolicies, func(q sharing.SharingPolicy) bool { return strings.EqualFold(q.Name, p.Name) })
		if i < 0 {
			cfg.SharingPolicies = append(cfg.SharingPolicies, p)
			return nil
		}
		cfg.SharingPolicies[i] = p
		return nil
	})
}

// RemoveSharingPolicy removes the policy name, as Remove-SharingPolicy; one
// that a mailbox is assigned is refused.
func (o *Org) RemoveSharingPolicy(name string) error {
	return o.editSharing(func(cfg *sharing.Config) error {
		i := slices.IndexFunc(cfg.SharingPolicies, func(q sharing.SharingPolicy) bool { return strings.EqualFold(q.Name, name) })
		if i < 0 {
			return fail(ErrInvalid, nil, fmt.Sprintf("no sharing policy named %q", name), "run policy list to see the names")
		}
		for _, m := range cfg.Mailboxes {
			if strings.EqualFold(m.SharingPolicy, name) {
				return fail(ErrInvalid, nil, fmt.Sprintf("mailbox %s is assigned sharing policy %q", m.Address, name),
					fmt.Sprintf("first run mailbox set %s -policy \"\"", m.Address))
			}
		}
		cfg.SharingPolicies = slices.Delete(cfg.SharingPolicies, i, i+1)
		return nil
	})
}

// Sharing returns the whole sharing configuration of the state directory.
func (o *Org) Sharing() (sharing.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.loadSharing()
}

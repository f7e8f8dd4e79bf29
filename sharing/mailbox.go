package sharing

import (
	"context"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
)

// CalendarPermission is what a mailbox owner lets external (federated) users
// see of their calendar: Exchange's permission of the Default user on the
// Calendar folder, which federated requesters get through an organization
// relationship. The zero value means Exchange's built-in default,
// AvailabilityOnly. An owner who chooses "free/busy time, subject, location"
// has LimitedDetails: the user-level opt-in that an organization
// relationship's LimitedDetails needs (Microsoft's documentation of
// New-OrganizationRelationship and Set-MailboxFolderPermission).
type CalendarPermission string

// Calendar permissions that bear on free/busy.
const (
	PermissionDefault          CalendarPermission = ""
	PermissionNone             CalendarPermission = "None"
	PermissionAvailabilityOnly CalendarPermission = "AvailabilityOnly"
	PermissionLimitedDetails   CalendarPermission = "LimitedDetails"
	// PermissionReviewer reads the whole calendar; for free/busy it is the
	// same as LimitedDetails.
	PermissionReviewer CalendarPermission = "Reviewer"
)

// AccessLevel returns the free/busy level the permission gives, and false
// for an unknown permission.
func (p CalendarPermission) AccessLevel() (fedavail.AccessLevel, bool) {
	switch p { // the constants as written, without lowering a copy
	case PermissionDefault, PermissionAvailabilityOnly:
		return fedavail.AccessAvailabilityOnly, true
	case PermissionNone:
		return fedavail.AccessNone, true
	case PermissionLimitedDetails, PermissionReviewer:
		return fedavail.AccessLimitedDetails, true
	}
	switch CalendarPermission(strings.ToLower(string(p))) {
	case "", "availabilityonly":
		return fedavail.AccessAvailabilityOnly, true
	case "none":
		return fedavail.AccessNone, true
	case "limiteddetails", "reviewer":
		return fedavail.AccessLimitedDetails, true
	}
	return fedavail.AccessNone, false
}

// Grant is a person-to-person share: a mailbox owner accepted a sharing
// invitation exchange with one external user. It takes effect only as far
// as the mailbox's sharing policy allows for the user's domain.
type Grant struct {
	// Address is the external user's SMTP address.
	Address string `json:"Address"`
	// Level is what the owner shared.
	Level fedavail.AccessLevel `json:"Level"`
}

// Mailbox holds one mailbox's sharing settings. Mailboxes not listed in a
// configuration have the defaults: AvailabilityOnly for external users, the
// default sharing policy, no grants.
type Mailbox struct {
	// Address is the mailbox's SMTP address.
	Address string `json:"Address"`
	// CalendarPermission is what external users may see; "" is AvailabilityOnly.
	CalendarPermission CalendarPermission `json:"CalendarPermission"`
	// SharingPolicy names the mailbox's sharing policy; "" is the default policy.
	SharingPolicy string `json:"SharingPolicy"`
	// Grants are the mailbox's person-to-person shares.
	Grants []Grant `json:"Grants"`
}

func (m *Mailbox) clone() Mailbox {
	c := *m
	c.Grants = append([]Grant(nil), m.Grants...)
	return c
}

// Group is a set of mailboxes, used as an organization relationship's
// FreeBusyAccessScope. A group whose members live in a directory is
// declared with its name only and answered by a [Membership].
type Group struct {
	// Name identifies the group.
	Name string `json:"Name"`
	// Members are SMTP addresses.
	Members []string `json:"Members"`
}

// Membership answers whether a mailbox is in a group, for access scopes
// backed by a directory. Implementations must be safe for concurrent use.
type Membership interface {
	IsMember(ctx context.Context, group, mailbox string) (bool, error)
}

// validAddress reports whether s looks like an SMTP address with a valid
// domain; the local part is not checked beyond being present.
func validAddress(s string) error {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 || strings.ContainsFunc(s, isSpace) {
		return fmt.Errorf("not an SMTP address")
	}
	if _, err := normalizeDomain(s[i+1:]); err != nil {
		return fmt.Errorf("not an SMTP address: %w", err)
	}
	return nil
}

// normalizeAddress is the compared form of an SMTP address.
func normalizeAddress(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

package fedavail

import (
	"context"
	"fmt"
	"strings"
)

// AccessLevel is how much of a calendar a requester may see. Levels are
// ordered: a larger value sees more.
type AccessLevel int

// Access levels, as Exchange's FreeBusyAccessLevel names them.
const (
	// AccessNone: nothing; the mailbox answers ErrorNoFreeBusyAccess.
	AccessNone AccessLevel = iota
	// AccessAvailabilityOnly: start, end and busy type of each item.
	AccessAvailabilityOnly
	// AccessLimitedDetails: also subject and location (never of private items).
	AccessLimitedDetails
)

// String returns Exchange's name of the level.
func (l AccessLevel) String() string {
	switch l {
	case AccessNone:
		return "None"
	case AccessAvailabilityOnly:
		return "AvailabilityOnly"
	case AccessLimitedDetails:
		return "LimitedDetails"
	}
	return fmt.Sprintf("AccessLevel(%d)", int(l))
}

// ParseAccessLevel parses Exchange's name of a level, ignoring case.
func ParseAccessLevel(s string) (AccessLevel, error) {
	for _, l := range []AccessLevel{AccessNone, AccessAvailabilityOnly, AccessLimitedDetails} {
		if strings.EqualFold(strings.TrimSpace(s), l.String()) {
			return l, nil
		}
	}
	return AccessNone, fmt.Errorf("fedavail: unknown access level %q (want None, AvailabilityOnly or LimitedDetails)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (l AccessLevel) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *AccessLevel) UnmarshalText(b []byte) error {
	v, err := ParseAccessLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Requester is who an incoming request comes from, as its authentication
// established it.
type Requester struct {
	// Address is the requesting user's SMTP address (the token's EmailAddress
	// claim, or the internal user's address).
	Address string
	// Domain is the domain of Address, lower-cased. Exchange looks the
	// organization relationship up by the e-mail domain the token vouches
	// for, not by RequestorDomain: Exchange Online tokens carry
	// RequestorDomain "outlook.com" for every tenant.
	Domain string
	// Organization is the token's RequestorDomain claim (the requesting
	// organization's application URI or domain), for logs and diagnostics.
	Organization string
	// Federated is true when the request carried a validated delegation token.
	Federated bool
	// NameID is the token's name identifier, for logs.
	NameID string
	// ServiceAccount, when set, is the availability service account of
	// another forest the request authenticated as (Exchange's
	// Add-AvailabilityAddressSpace OrgWideFB on the asking side): Address
	// is then the account, Domain the partner forest's, and the request
	// sees what the account was granted, never more.
	ServiceAccount string
}

// AddressDomain returns the domain part of an SMTP address, lower-cased, or ""
// if the address has no "@".
func AddressDomain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(addr[i+1:]))
}

// AccessPolicy decides how much of a mailbox's calendar a requester may see.
// Package sharing implements it from organization relationships, sharing
// policies and the mailbox owner's own choice; package ews consults it.
type AccessPolicy interface {
	// Access returns the requester's level on mailbox (an SMTP address of the
	// answering organization). AccessNone means no free/busy at all.
	Access(ctx context.Context, req Requester, mailbox string) (AccessLevel, error)
}

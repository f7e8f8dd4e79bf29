// Package sharing decides how much of a mailbox's calendar a partner
// organization's user may see, from the settings an Exchange administrator
// knows: organization relationships, sharing policies and each mailbox
// owner's own choice.
//
// # Configuration
//
// A [Config] holds the organization's [OrganizationRelationship] values (one
// per partner: its SMTP domains, whether free/busy flows, up to which
// [fedavail.AccessLevel], for which [Group] of mailboxes, and how to reach
// the partner), its [SharingPolicy] values (person-to-person sharing allowed
// per domain, "*" for any federated domain), the [Mailbox] settings that
// differ from the defaults, and the groups used as access scopes.
//
// It can be read from a JSON file ([ParseJSON], [LoadFile]) whose field
// names are Exchange's property names, or pasted from Exchange itself:
// [ParseRelationships] reads Get-OrganizationRelationship | Format-List and
// [ParseSharingPolicies] reads Get-SharingPolicy | Format-List;
// [FormatRelationships] and [FormatSharingPolicies] write the same form back.
// Validation reports every problem as a [*ConfigError] naming the entry and
// field.
//
// # Deciding (the answering side)
//
// [New] turns a Config into an immutable [Policy], which implements
// [fedavail.AccessPolicy]. For a federated requester and a mailbox, as
// Exchange decides (Microsoft's documentation of New-OrganizationRelationship,
// New-SharingPolicy and Set-MailboxFolderPermission):
//
//  1. The organization relationship is the one whose DomainNames include the
//     requester's domain (the token's; subdomains are not covered). None,
//     disabled, or free/busy access not enabled: the organization gives
//     nothing.
//  2. If the relationship has a FreeBusyAccessScope, the mailbox must be in
//     that group ([Membership] can answer from a directory).
//  3. The organization level is the lesser of the relationship's level and
//     what the mailbox's owner lets external users see ([CalendarPermission]:
//     AvailabilityOnly unless the owner opted in to LimitedDetails).
//  4. A person-to-person [Grant] to the requester counts as far as the
//     mailbox's sharing policy allows for the requester's domain.
//  5. The result is the greater of 3 and 4.
//
// [Policy.Explain] returns the same answer as a [Decision] whose steps say
// in plain words why, for diagnostics and server logs. Free/busy needs a
// relationship on both sides: when the answer is "no organization
// relationship", the partner may have set up its side only.
//
// # Asking (the requesting side)
//
// [Policy.RelationshipFor] returns the relationship to use when asking a
// partner, or a [*RelationshipError] saying what is missing. In Exchange,
// users also need the partner's users as contacts in their address book to
// pick them; fedavail asks for any address, but a diagnostic that finds a
// relationship and still no answer should mention it.
//
// # Reloading
//
// A [LivePolicy] holds the policy in force behind an atomic pointer. Each
// question is answered from one Policy, so a request in flight during a
// reload sees the old or the new configuration, never a mix, and a
// configuration that fails validation leaves the old one in force.
package sharing

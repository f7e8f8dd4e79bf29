// Package ldapdir answers "which mailboxes exist" and "is this mailbox in
// that group" from an LDAP directory (Active Directory, OpenLDAP), on
// github.com/go-ldap/ldap/v3. A [Directory] is an autodiscover.Directory
// (give it to federation.HandlerConfig.Directory) and a sharing.Membership
// (give it to sharing.Options.Membership, so that organization
// relationships' FreeBusyAccessScope and sharing groups are directory
// groups). [Directory.Calendars] puts it in front of a calendar.Source, so
// that the EWS server answers only for mailboxes the directory has.
//
// # The flow
//
//  1. A mailbox outside [Config.Domains] is unknown without asking.
//  2. Otherwise one subtree search under BaseDN, UserFilter and
//     (mail=ADDRESS) or (proxyAddresses=smtp:ADDRESS) (AD's aliases; the
//     attributes are configurable, the address is escaped) finds the user.
//     No entry is autodiscover.ErrUnknownUser; two entries are an
//     [*AmbiguousError], never a guess.
//  3. Group membership: with [Config.InChain] one search asks the server
//     (Active Directory's LDAP_MATCHING_RULE_IN_CHAIN) whether the group
//     named so holds the user at any depth. Otherwise this package walks
//     up from the user, breadth first: the groups whose MemberAttr holds
//     the current level's DNs (or, for the first level, the user's
//     MemberOfAttr: AD's memberOf, OpenLDAP's memberof overlay), until the
//     group shows up, nothing new does (cycles end here) or MaxDepth
//     levels were read. Nested groups count.
//  4. With [Config.DetailsAttr], the attribute on the user's entry where
//     the owner opts in to show subject and location: [Directory.CalendarPermission]
//     for one mailbox, [Directory.SharingMailboxes] for all, to merge into
//     the sharing configuration's Mailboxes (the sharing engine reads
//     owners' choices from its configuration).
//
// # Connections, caching and failure
//
// Up to PoolSize connections are kept open and reused; each is opened with
// the Dialer, secured with ldaps:// or StartTLS (TLSConfig, or the system
// roots) and bound as BindDN with the password BindPassword returns at that
// moment. Searches are paged (RFC 2696, 500 entries a page: Active
// Directory answers at most 1000 entries without paging). Every operation
// is bounded by Timeout and every search by MaxEntries (more is a
// *fedavail.LimitError). Answers are cached for
// CacheTTL (a minute by default), unknown users too; errors never are. A
// directory that cannot be reached, times out or says busy or unavailable
// is a *fedavail.UnavailableError (autodiscover answers ServerBusy, the EWS
// server "retry later" for that mailbox); one that refuses the bind or the
// TLS certificate is a plain error. Either way it is never "unknown",
// never "not a member", never "free". LDAP result codes stay reachable
// through errors.As with *ldap.Error.
//
// # What is never logged
//
// The bind password. Errors name the server, the bind DN and the search base.
//
// # Not supported
//
// Referrals are not followed (AD global catalog lookups across domains
// need the GC's URL), range retrieval of very large AD groups
// ("member;range=…") is not used (client-side nesting searches groups by
// member instead, which has no such limit), and SASL binds (Kerberos) are
// not offered. The size of one entry is the directory's to keep sane:
// go-ldap reads LDAP messages up to 2 GiB, a process-wide setting of
// asn1-ber this package leaves alone; MaxEntries and Timeout bound the
// rest.
package ldapdir

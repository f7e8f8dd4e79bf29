// Package federation is Exchange-style federation in two values: a [Client]
// that asks partner organizations when their people are free, and a
// [Handler] that answers them. Its subpackages hold the parts: the WS-Trust
// client (wstrust), delegation tokens (token), federation metadata
// (metadata), the organization's certificates (keyring) and an embeddable
// trust broker (broker).
//
// # Asking partners: NewClient
//
// [NewClient] takes the organization's identity (application URI,
// certificate and key), its trust broker ([TrustBroker]: a metadata URL, or
// explicit values) and its organization relationships (package sharing).
// [Client.Availability] then answers a [Query] in Exchange's order, for each
// attendee's domain:
//
//  1. the organization relationship for the domain (RelationshipFor), which
//     must be enabled with free/busy access;
//  2. the partner's EWS URL: the relationship's TargetSharingEpr if set; else
//     GetUserSettings (ExternalEwsUrl) at its TargetAutodiscoverEpr with a
//     token for the MSExchange.Autodiscover offer; else the same at the
//     endpoint that answered GetFederationInformation, found by Autodiscover
//     discovery. Federation information, when fetched, must list this
//     organization's broker among its token issuers (Exchange's
//     EnforceCommonTokenIssuer); EWS URLs are cached per mailbox;
//  3. a delegation token for the partner's application URI (the relationship's
//     TargetApplicationUri, or the federation information's), from the broker,
//     cached while the partner accepts it;
//  4. GetUserAvailability at the partner's EWS URL's /WSSecurity endpoint, in
//     batches of 100 mailboxes.
//
// Organizations are asked in parallel (Config.MaxParallel at a time, 64 by
// default; each bounded by Config.PartnerTimeout, 25 s by default). The
// [Result] has one [Attendee] per address asked about, in order; one that
// could not be asked about carries an [*AttendeeError] naming the [Step] and
// the cause, which errors.Is matches against sharing.ErrNoRelationship,
// [ErrNotFederated], [ErrUntrustedBroker], [ErrRefused] and
// [ErrBrokerUnavailable]; a partner whose servers speak only TLS 1.0 or 1.1
// gives a [*TLSVersionError]. [Client.FederationInformation] is Exchange's
// Get-FederationInformation; [Client.TokenSource] gives the token source on
// its own.
//
// # Availability address spaces
//
// Where there is no usable organization relationship for a domain (none,
// disabled, or Config.Disabled), an [AddressSpace] in Config.AddressSpaces
// asks that forest the way Exchange's Add-AvailabilityAddressSpace
// (OrgWideFB, OrgWideFBBasic) does: with a service account of the other
// forest instead of a delegation token, and without saying who asks. For
// each mailbox it asks POX Autodiscover (TargetAutodiscoverEpr, else
// discovery) with Basic credentials for the EXPR block's ASUrl, else the
// EXCH block's, then posts GetUserAvailability there with
// ews.CrossForestAuth. Failures are *AttendeeErrors at StepDiscovery or
// StepAvailability as for federated partners; a refused password matches
// ErrRefused. The password is never logged or put in an error.
//
// On the answering side, HandlerConfig.ServiceAccounts lists the accounts
// other forests ask with ([ServiceAccount]): Basic credentials, checked in
// constant time before HandlerConfig.Authenticate, the partner forest's
// domains and the level every mailbox shows them (AvailabilityOnly unless
// raised to LimitedDetails, Exchange's "Default" calendar permission; never
// the details of private items; HandlerConfig.Policy is not asked). As in
// Exchange, such an account's GetUserAvailability must carry
// t:RequestTypeHeader CrossForest, and any other internal caller sending
// that header is refused: both with the SOAP fault
// ErrorProxyRequestNotAllowed. Federated requests are not concerned.
//
// # Meeting suggestions
//
// A partner rates meeting times for its own people only: it knows nothing
// of the other organizations' attendees. So there are two ways to ask:
//
//   - [Result.Suggest] rates times for every attendee together, on the
//     requesting side, from the free/busy the partners returned. Use it for
//     meetings across organizations.
//   - Query.Suggestions asks each partner for its own suggestions along
//     with free/busy (GetUserAvailability's SuggestionsViewOptions), one
//     [PartnerSuggestions] per partner endpoint in Result.Suggestions. Use
//     it when the attendees are all in one partner organization, to get
//     that organization's own rating, or to compare each organization's
//     view of its people.
//
// # Proxies and TLS
//
// Every request, Autodiscover, trust broker and EWS alike, goes through one
// HTTP client: Config.HTTPClient, or one built by package transport from
// Config.Transport. The latter reads the proxy from the environment by
// default, or takes an HTTP(S) or SOCKS5 proxy URL (whose credentials go to
// the proxy only) with a WinHTTP-style bypass list
// ("<local>;*.example.org;192.168.*"). It requires TLS 1.2 or later,
// verified against Transport.RootCAs or the system's roots, and presents
// Transport.Certificates to partners that ask for a client certificate. A
// partner still on TLS 1.0 or 1.1 is refused, with a [*TLSVersionError]
// naming the host, until it is named in Config.LegacyTLSPartners (its
// domain and the hosts under it) or its hosts in Transport.LegacyTLSHosts;
// the first handshake with each such host logs a warning.
//
// # Answering partners: NewHandler
//
// [NewHandler] composes, on Exchange's usual paths, the Autodiscover handler
// of package autodiscover (/autodiscover/autodiscover.svc, its /WSSecurity
// variant, /autodiscover/autodiscover.xml) and the availability handler of
// package ews (/EWS/Exchange.asmx and its /WSSecurity variant), both checking
// delegation tokens with one token.Validator (the organization's keyring and
// the broker's certificates), deciding with an access policy (package
// sharing) and reading a calendar source (package calendar). It is an
// http.Handler; serve it with transport.NewServer.
//
// Partners (requests with a delegation token) address the mailboxes of the
// organization's domains only: HandlerConfig.Domains and AcceptedDomains.
// Exchange finds a partner's mailbox in the directory of the organization
// owning the address's accepted domain (Autodiscover's
// GetUserSettingsForExternalUser, the availability service's
// FreeBusyPermission), so every hosted mailbox is reachable and nothing
// else; a calendar source may hold other domains, which partners are
// refused as if the mailbox did not exist (ErrorNoFreeBusyAccess,
// Autodiscover InvalidUser/InvalidDomain) before the policy is asked.
// Internal users see every mailbox of the source the policy gives them.
//
// # Trust broker metadata
//
// Both sides keep the broker's federation metadata fresh in the background,
// never on the path of a request: one fetch at a time, on no caller's
// context, when the copy is older than TrustBroker.RefreshInterval less up to
// a tenth (jitter, so replicas spread out), started by [Handler.Run] or by
// any request that finds it due. Requests use the last good copy; only a
// caller with no copy at all waits for the first fetch (Autodiscover at most
// a few seconds), so a slow or hung broker delays no internal user. A failed
// fetch keeps the last good copy and is retried after one minute, then after
// twice as long each time, up to the refresh interval. A token signed by a
// certificate the copy lacks (the broker rolled its key over) makes the
// answering side fetch once, at most every 30 seconds, before refusing it.
// [Handler.BrokerStatus] and [Client.BrokerStatus] report the state.
//
// # Token cache
//
// Asking a trust broker costs two RSA signatures and a round trip, and a
// free/busy token is good for five minutes, an Autodiscover token for eight
// hours. [NewTokenCache] wraps any [fedavail.TokenSource] (typically a
// *wstrust.Client) and reuses tokens per [fedavail.TokenRequest] while the
// partner will still accept them, fetching a new one shortly before that ends.
// Callers that want the same token at the same time share one request to the
// broker; one caller giving up does not cancel it for the others. The
// [Client] uses one.
package federation

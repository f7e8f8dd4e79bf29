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
// Organizations are asked in parallel (Config.MaxParallel at a time). The
// [Result] has one [Attendee] per address asked about, in order; one that
// could not be asked about carries an [*AttendeeError] naming the [Step] and
// the cause, which errors.Is matches against sharing.ErrNoRelationship,
// [ErrNotFederated], [ErrUntrustedBroker], [ErrRefused] and
// [ErrBrokerUnavailable]. Each partner rates meeting times for its own people
// only; [Result.Suggest] rates them for all attendees together, on the
// requesting side. [Client.FederationInformation] is Exchange's
// Get-FederationInformation; [Client.TokenSource] gives the token source on
// its own.
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
// # Trust broker metadata
//
// Both sides fetch the broker's federation metadata on first use and again
// once it is older than TrustBroker.RefreshInterval, on the context of the
// call or request that needs it; a failed refresh keeps the last good copy
// and is retried a minute later at the earliest.
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

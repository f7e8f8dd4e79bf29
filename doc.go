// Package fedavail is the shared vocabulary of the fedavail SDK: federated
// availability (free/busy) between organizations, the way Microsoft Exchange
// federated sharing does it.
//
// # The requesting side: discover → token → ask
//
// An organization that wants to see the calendar of a partner's user goes
// through three steps, each owned by one package:
//
//  1. Discover the partner. Package autodiscover asks the partner's
//     Autodiscover service for its federation information (the partner's
//     application URI and the trust brokers it accepts) and for the external
//     EWS URL of a mailbox. Endpoints are tried in Exchange's documented order:
//     the domain root, the autodiscover host, the HTTP redirect method and the
//     _autodiscover._tcp SRV record.
//  2. Get a delegation token. Package federation/wstrust sends a WS-Trust request,
//     signed with the organization's certificate, to the trust broker (the
//     security token service named in federation metadata). The broker answers
//     with a SAML assertion signed by itself and encrypted to the partner's
//     certificate: a [Token]. federation.TokenCache reuses tokens per
//     [TokenRequest].
//  3. Ask for availability. Package ews posts GetUserAvailability to the
//     partner's EWS URL with the token in a WS-Security header and returns
//     typed free/busy views, working hours and meeting suggestions.
//
// federation.NewClient ties the three together behind one call, using the
// organization relationships of package sharing to decide which partner to ask
// and how.
//
// # The answering side: handler → validate token → policy → calendar
//
// An organization that answers partners mounts http.Handlers from package
// autodiscover (federation information, user settings) and package ews
// (availability); federation.NewHandler mounts both on Exchange's usual paths
// in one call. For every federated request the handler:
//
//  1. validates the delegation token (package federation/token): decrypts it with the
//     organization's certificate, verifies the broker's signature against the
//     trusted broker certificates only, and checks audience, lifetime and offer;
//     the result is a [Requester];
//  2. asks the sharing policy (package sharing) which [AccessLevel] the
//     requester has on the target mailbox: the organization relationship for the
//     requester's domain, capped by what the mailbox owner allows external users;
//  3. reads the mailbox's calendar from a pluggable calendar source and answers
//     with no more detail than the access level allows. A source or directory
//     that cannot answer now says so with an [UnavailableError], which the
//     handlers pass on as "retry later".
//
// # The trust broker
//
// Package federation/broker is an embeddable trust broker: an http.Handler
// that registers organizations, accepts their domains once package dnsproof has
// found the ownership proof in DNS, issues delegation tokens in the same format
// as the Microsoft Federation Gateway, and publishes WS-Federation metadata.
// With it, the whole flow runs on one machine, and organizations without
// Exchange can federate among themselves. It also serves ManageDelegation2,
// the gateway's registration protocol, so Exchange organizations can register
// with it unchanged; package federation/mfg is the client of that protocol,
// for either gateway.
//
// # Packages
//
//   - fedavail (this package): types shared by all packages — tokens, offers,
//     requesters, access levels, the XML safety [Limits], and the errors every
//     network call can return ([HTTPError], [Fault], [LimitError], [XMLError],
//     [NamespaceError]) or a source can ([UnavailableError]).
//   - autodiscover: SOAP and POX Autodiscover, client and server.
//   - federation: federation.NewClient (the requesting side in one value),
//     federation.NewHandler (the answering side) and the token cache; its
//     subpackages wstrust (the WS-Trust client), token (issuing and
//     validating delegation tokens), metadata (WS-Federation metadata),
//     keyring (certificates through a rollover), broker (the trust broker),
//     admin (the administrator's workflow) and diag (diagnostics).
//   - ews: GetUserAvailability client and availability server.
//   - calendar: calendar sources, merged free/busy, meeting suggestions;
//     calendar/calendartest checks a source against calendar.Source's rules,
//     as autodiscover/autodiscovertest checks an Autodiscover directory.
//   - sharing: organization relationships, sharing policies, the access-policy engine.
//   - dnsproof: federated domain proof TXT records.
//   - transport: the HTTP client (proxies, TLS policy) and hardened servers.
//   - fedtest: certificates and servers for tests of code that uses fedavail;
//     fedtest/loopback, a whole federation on 127.0.0.1 (broker, organizations,
//     DNS) to test an integration end to end.
//   - examples/...: runnable programs (quickstart, trustbroker, fedadmin,
//     fedcheck, partner, freebusy, loadgen).
//   - internal/...: the SOAP envelope, XML safety limits and certificate plumbing.
package fedavail

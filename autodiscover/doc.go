// Package autodiscover speaks Exchange Autodiscover, client and server: SOAP
// Autodiscover ([MS-OXWSADISC]: GetFederationInformation, GetUserSettings,
// GetDomainSettings) and the legacy POX protocol ([MS-OXDSCLI]).
//
// # Finding a partner
//
// A [Client] answers three questions about another organization:
//
//   - [Client.GetFederationInformation]: is the domain federated, under which
//     application URI (the audience of delegation tokens for it), with which
//     other domains, and which trust brokers does it accept? Anonymous.
//   - [Client.GetUserSettings]: what is a mailbox's external EWS URL (and any
//     other setting, string or collection-typed)? Per-user and per-setting
//     errors come back next to the answers, whole-request errors as the error.
//   - [Client.GetDomainSettings]: the same per domain.
//
// With a [fedavail.TokenSource] the settings calls are token-authenticated, as
// federation needs: they go to the endpoint's /WSSecurity variant with a
// delegation token for the MSExchange.Autodiscover offer. With [Credentials]
// they use HTTP Basic instead; [Client.GetPOXSettings] always does.
//
// # Discovery
//
// Unless Client.Endpoint names the endpoint (an organization relationship's
// TargetAutodiscoverEpr), the client tries, in order, until one answers:
//
//  1. https://DOMAIN/autodiscover/autodiscover.svc and
//     https://autodiscover.DOMAIN/autodiscover/autodiscover.svc — in this order
//     for settings, and the other way round for GetFederationInformation, as
//     [MS-OXWSADISC] 3.1.4.2.2.1 specifies for that operation;
//  2. the HTTP redirect method: GET http://autodiscover.DOMAIN/autodiscover/autodiscover.xml,
//     whose redirect to an https URL with the Autodiscover path names the host;
//  3. the _autodiscover._tcp.DOMAIN SRV records with port 443, in priority and
//     weight order, through Client.Resolver.
//
// An answer from an Autodiscover server (an [*Error] such as NotFederated)
// ends the search; anything else moves on. When nothing answers the error is a
// [*DiscoveryError] listing every attempt. Found endpoints are cached per
// domain, and answers per domain or user, for Client.CacheTTL; concurrent
// identical look-ups make one request.
//
// # Redirects
//
// HTTP redirects, RedirectUrl and RedirectAddress answers are followed, at
// most [MaxHops] in one look-up, and a redirect back to a URL or address
// already visited is a loop ([ErrRedirectLoop]). A redirect to another host
// (and the hosts the redirect method and SRV records name) must pass
// Client.RedirectPolicy, by default [DefaultRedirectPolicy] (https only); a
// redirect on the same host must stay on https. Credentials are only ever
// sent to the hosts the look-up started at, never to a host a redirect names.
//
// A delegation token is minted for one organization. RedirectUrl answers and
// HTTP redirects keep the mailbox, so its organization and token; a
// RedirectAddress to a mailbox of a domain outside that organization is
// refused with an [*OrganizationError] unless Client.AudienceFor names the
// other organization's audience, for which a new token is requested.
//
// # Publishing an organization
//
// [Handler] is an http.Handler serving one organization: its federation
// information (anonymous), user and domain settings from a [Directory]
// (token-authenticated on /WSSecurity through a [fedavail.TokenValidator], or
// by the caller's own Authenticate hook), the capability GET clients probe
// with, and POX. It takes the operation from wsa:Action, SOAPAction or the
// body element, answers unknown users with InvalidUser, malformed requests
// with a SOAP fault and oversized bodies with 413. A user or domain the
// Directory says another service answers for ([*MovedError]) gets
// RedirectUrl, and a request all of whose subjects moved there HTTP 302.
// A Directory that is temporarily unavailable ([fedavail.UnavailableError])
// gets ServerBusy for that user or domain. The rules a Directory keeps are in
// its documentation; package autodiscovertest checks them.
//
// # Answers shaped like Exchange's
//
// Each behaviour below is Exchange 2013's (decompiled build 15.00.1497,
// Microsoft.Exchange.Autodiscover), unless the last column says otherwise:
//
//	behaviour                          Exchange source                              fedavail
//	ServerVersionInfo header           WCF/ServerVersionInfo.cs: Major, Minor,      Handler.ServerVersion, by default
//	                                   MajorBuildNumber, MinorBuildNumber,          15.1.2507.6, the build package
//	                                   Version "Exchange2013_SP1"                   ews announces
//	wsa:RelatesTo                      WCF WS-Addressing 1.0: the request's         the same; a MessageID over 1 KiB
//	                                   wsa:MessageID                                is not echoed
//	CasVersion, ExternalEwsVersion     UserSettingsProvider.cs: the server's        the same, "15.01.2507.006", for
//	                                   build as "{0}.{1:d2}.{2:d4}.{3:d3}"          users whose Directory has none
//	EwsSupportedSchemas                UserSettingsProvider.cs: Exchange2007 …      the same list
//	                                   Exchange2013_SP1
//	POX User                           OutlookAutoDiscoverProvider.cs: DisplayName, the same elements; the address
//	                                   LegacyDN, AutoDiscoverSMTPAddress,           stands in for a missing display
//	                                   DeploymentId, written even when empty        name and SMTP address
//	POX EXCH and EXPR protocols        OutlookAutoDiscoverProvider.cs: one per      both always; one EWS URL serves
//	                                   client access type                           both; Server defaults to its host
//	GetFederationInformation for an    GetFederationInformationRequestMessage.cs:   Handler.AcceptedDomains answer
//	accepted domain                    the organization of the accepted domain,     with Federation.Domains
//	                                   its federated domains
//	partners' users                    GetUserSettingsForExternalUser.cs: any       package federation limits them to
//	                                   recipient of the organization                the federated and accepted domains
//
// No schema for Autodiscover's SOAP or POX messages is among the project's
// shared schemas, so these answers are pinned by golden files only.
//
// # Namespaces
//
// Microsoft's web documentation prints the Autodiscover namespaces with
// https://; real servers use http://. Namespaces are matched exactly, so such
// a document fails with a [*fedavail.NamespaceError] that says so. Inside the
// body, elements are matched by local name in any order, extra elements are
// ignored, and WCF's i:nil and i:type are understood, as real servers need.
package autodiscover

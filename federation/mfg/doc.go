// Package mfg is a client of ManageDelegation2, the registration service of
// the Microsoft Federation Gateway through which Exchange registers an
// organization's certificate and federated domains
// (Set-FederatedOrganizationIdentifier, Add-FederatedDomain,
// Remove-FederatedDomain, Set-FederationTrust -PublishFederationCertificate).
// The embedded trust broker (package broker) serves the same protocol, so one
// client registers with either gateway. The facts come from Exchange's own
// client and are collected, with their sources, in ../shared/protocol.md §8.
//
// # The flow of a call
//
// Each [Client] method is one operation. The request is SOAP 1.1, posted to
// [Client].URL with SOAPAction "<Namespace>/<Operation>"; its headers are, in
// this order:
//
//  1. md:DomainOwnershipProofHeader, only for CreateAppId, AddUri and
//     ReserveDomain: the domain the call is about, HashAlgorithm "SHA-512"
//     and the organization's RSA-SHA1 signature over the domain without the
//     FYDIBOHF25SPDLT prefix ([SigningDomain]). The gateway hashes the
//     signature with SHA-512 and looks for the result in the domain's TXT
//     records (package dnsproof computes the same record);
//  2. WS-Addressing Action, To and an anonymous ReplyTo;
//  3. o:Security with a wsu:Timestamp (now, five minutes, whole seconds) and
//     a detached XML signature over that Timestamp only, by the current
//     certificate of [Client].Keys, whose KeyInfo holds the whole
//     certificate. That signature is the caller's authentication: there is
//     no TLS client certificate.
//
// No header carries mustUnderstand. The answer's body is <Op>Response; a
// fault whose detail starts with an integer is a DomainError and is
// returned as an [*Error], matched by errors.Is against a sentinel per code
// ([ErrProofOfOwnershipNotValid], [ErrInvalidAppID], …). For
// ProofOfOwnershipNotValid the error names the TXT record to publish. Other
// faults are *fedavail.Fault, other HTTP answers *fedavail.HTTPError.
//
// # Redirects and retries
//
// As Exchange's client: a 302 to an absolute https URL is posted to again
// (at most three times, each with a fresh Timestamp), a 403 is retried after
// [Client].RetryWait for up to [Client].RetryFor from the first attempt, and
// every other failure is final.
//
// # Which gateway
//
// fedavail has no default endpoint. [MicrosoftURL] documents Microsoft's
// published production value; nothing in this module reaches it unless a
// caller puts it into Client.URL. Talking to Microsoft's live service has
// not been tried from this project: the request format follows Exchange's
// client byte for byte where its source says so (see §8 for what is
// inferred).
package mfg

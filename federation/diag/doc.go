// Package diag diagnoses Exchange-style federated free/busy the way an
// Exchange administrator would, with the same steps as Exchange's cmdlets,
// and says in plain words what is wrong and what to do.
//
// # Checks
//
// A [Checker] holds what one organization knows about itself: its application
// URI, domains, certificates ([keyring.Ring]), trust broker metadata URL and
// sharing configuration. Each check returns a [Report]: [Step] values in the
// order they ran, each with a [Status] and, for a warning or failure, its
// likely Cause and Fix.
//
//   - [Checker.TestFederationTrust] mirrors Test-FederationTrust: the broker's
//     metadata is reachable and readable (FederationMetadata), its current and
//     previous signing certificates are valid (StsCertificate,
//     StsPreviousCertificate) and match the stored copy (StoredStsCertificates);
//     the organization certificate has its key and does not expire within
//     [DefaultExpiryWarning] (OrganizationCertificate, …NextCertificate,
//     …PreviousCertificate, as Test-FederationTrustCertificate); a token for the
//     organization itself is issued (TokenRequest) and validates with its own
//     key against the published certificates (TokenValidation).
//   - [Checker.GetFederationInformation] mirrors Get-FederationInformation:
//     the partner's Autodiscover, found by Exchange's discovery order (every
//     attempt reported when none answers), and its application URI, domains
//     and token issuers.
//   - [Checker.TestOrganizationRelationship] mirrors Test-OrganizationRelationship
//     and then goes on as the Remote Connectivity Analyzer's free/busy test:
//     our relationship, the partner's federation information against it, a
//     token for the partner, the partner's EWS URL from its token-authenticated
//     Autodiscover, and a GetUserAvailability for one of its mailboxes.
//   - [Checker.TestDomainProof] checks the federated domain proof TXT record
//     (Get-FederatedDomainProof's value) and prints the zone line to publish.
//
// # What a diagnostic cannot see
//
// Free/busy needs an organization relationship on both sides, and only the
// partner can read its own. When the partner refuses a token our broker issued
// for its application URI (HTTP 401) or answers ErrorNoFreeBusyAccess, the
// PartnerRelationship step says the partner most likely has no relationship for
// our domain. Exchange Online users also need the partner's users as contacts
// to pick them in Outlook; fedavail asks for any address, so a passing report
// with users who still see nothing points there.
//
// # Output
//
// [WriteText] prints reports with ✓, !, ✗ and - marks; a Report marshals to
// JSON as is. Reports never contain keys or tokens.
package diag

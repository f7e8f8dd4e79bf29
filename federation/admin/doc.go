// Package admin is the administrator's side of federation: the steps an
// Exchange administrator takes to federate an organization, as a library
// over a state directory. Command examples/fedadmin runs each step from the
// shell.
//
// # The steps
//
// Each step is a method of [Org], named after what the administrator does;
// the Exchange cmdlet it stands for is in brackets.
//
//  1. Create the federation certificate [New-ExchangeCertificate -Services
//     Federation]: [Org.NewCertificate] makes a self-signed RSA certificate
//     with a Subject Key Identifier and the client-authentication usage,
//     valid for five years.
//  2. Prove the first domain [Get-FederatedDomainProof]: [Org.DomainProof]
//     prints the TXT record to publish in the domain's public zone.
//  3. Create the federation trust and the organization identifier
//     [New-FederationTrust; Set-FederatedOrganizationIdentifier
//     -AccountNamespace]: [Org.Trust] reads the trust broker's federation
//     metadata, checks that the first domain's proof is visible in DNS and
//     registers the organization. The account namespace, and the
//     application URI partners address tokens to, is
//     FYDIBOHF25SPDLT.<first domain>; the broker assigns the application
//     identifier (AppID). Registration goes through a [Registrar]: the
//     fedavail broker's signed API (package broker), or ManageDelegation2
//     (package mfg, [ProtocolManageDelegation2]), the Microsoft Federation
//     Gateway's protocol, which the fedavail broker serves too. Over
//     ManageDelegation2 the calls are Exchange's, in Exchange's order:
//     CreateAppId and ReserveDomain for the account namespace,
//     GetDomainInfo while PendingActivation, AddUri for the domain; more
//     domains are AddUri, removals RemoveUri, and de-federation ends with
//     ReleaseDomain. Microsoft's published endpoints are
//     [MicrosoftMetadataURL] and [MicrosoftRegistrationURL], used only
//     when given ([MicrosoftGatewayNote]).
//  4. Add the other domains [Add-FederatedDomain]: [Org.AddDomain], each
//     only once its own proof is in DNS; [Org.RemoveDomain] takes one away
//     [Remove-FederatedDomain].
//  5. Create organization relationships from the partner's federation
//     information [Get-FederationInformation | New-OrganizationRelationship]:
//     [Org.FederationInformation] asks the partner's Autodiscover service,
//     [NewRelationship] makes the relationship (all the partner's domains,
//     its application URI and Autodiscover endpoint, free/busy at
//     AvailabilityOnly unless told otherwise) and [Org.AddRelationship]
//     stores it; [Org.SetRelationship],
//     [Org.RemoveRelationship] and [Org.Relationships] do the rest. Both
//     partners must create one. The relationships live in the sharing
//     configuration file ([Org.SharingFile]) that package sharing loads.
//  6. Check [Get-FederationTrust | Format-List]: [Org.TrustShow].
//  7. Roll the certificate over [Set-FederationTrust -Thumbprint, then
//     -PublishFederationCertificate]: [Org.Rollover], one stage per call
//     (see [RolloverStage]); no request fails during the switch. Over
//     ManageDelegation2 the gateway hears of the new certificate only at the
//     switch (UpdateAppIdCertificate, signed with the certificate it held,
//     right after the local switch).
//  8. De-federate [Remove-OrganizationRelationship, Remove-FederatedDomain,
//     Remove-FederationTrust]: [Org.Defederate].
//
// # The state directory
//
// The directory (mode 0700) holds:
//
//	federation.json        certificate slots, trust configuration, federated domains
//	sharing.json           organization relationships (package sharing's JSON form)
//	certs/<thumbprint>.pem organization certificates
//	certs/<thumbprint>.key their private keys (mode 0600; never printed or logged)
//
// Every file is replaced atomically (temporary file, sync, rename, sync of
// the directory). A certificate file is written before federation.json
// names it, and moving certificates between the current, next and previous
// slots changes only federation.json, so a crash leaves the old state or
// the new one. Operations that change both the broker and the directory
// either change the broker first with a request that is safe to repeat
// (Trust, AddDomain, RemoveDomain), or record in federation.json that the
// broker's half is still to do (each Rollover stage, Defederate); either
// way, running the same operation again after a crash finishes it.
//
// # Using the state
//
// [Org.Keys] is the organization's keyring.Ring, to give a wstrust.Client
// (asking for tokens) and a token.Validator (checking partners' tokens);
// [Org.TrustConfig] has the broker's token endpoint and issuer. A server
// that runs in another process than the administrator's command calls
// [Org.Reload] to see a rollover and sharing.LivePolicy.ReloadFile to see new
// relationships.
//
// # Errors
//
// Every error is an [*Error] whose message is one line saying what happened
// and what to do, for example
//
//	admin: TXT record for contoso.com not found yet: publish contoso.com. 3600 IN TXT "…" and retry (DNS changes can take time)
//
// and which matches one of the Err… kinds with errors.Is.
package admin

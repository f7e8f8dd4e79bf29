// Package broker is an embeddable trust broker: a security token service that
// issues Exchange-style delegation tokens between the organizations registered
// with it, in the format of the Microsoft Federation Gateway, so that
// organizations can federate without Microsoft's gateway, or run a private
// federation of Exchange and non-Exchange organizations.
//
// # Registration
//
// An organization registers its application URI ("FYDIBOHF25SPDLT.<domain>"),
// its federated domains and its organization certificate (and, during a
// rollover, the next one). Each domain is accepted only when the
// [DomainVerifier] finds its ownership proof. [DNSVerifier] is the usual
// one: the organization presents its raw signature over each domain
// ([Registration].DomainSignatures, Exchange's DomainOwnershipProofHeader),
// the verifier checks it against the certificates being registered and looks
// for its hash, the federated domain proof, in the domain's TXT records
// (package dnsproof). The broker assigns an
// application identifier. Registrations are kept in a [Store], one
// organization at a time with a version each: a change reads the
// registration, edits it and writes it back only if its version is unchanged
// (compare and set), reading again when another writer came first, so brokers
// sharing a store lose nothing (package storetest states and checks the
// rules). [FileStore] keeps one file per organization in a folder it locks
// for one process; package pgstore keeps them in PostgreSQL for replicas,
// which call [Broker.Run] to see each other's changes. The operator uses [Broker.Register],
// [Broker.Update], [Broker.Remove] and [Broker.Organizations]; organizations
// use the signed HTTP API at [RegistrationPath] through a
// [RegistrationClient], where a request signed by one organization can never
// change another's registration.
//
// # Replay
//
// Every signed request — a token request and a registration request — is
// answered once: its signature value goes into a [ReplayCache] until its
// timestamp would be refused anyway. [MemoryReplayCache] serves one process;
// replicas share one (package pgstore), so a request answered by one replica
// is refused by the others.
//
// # ManageDelegation2
//
// At [ManageDelegation2Path] the broker also speaks the gateway's own
// registration protocol (package mfg, ../shared/protocol.md §8), so an
// Exchange organization whose DomainPartnerManageDelegation2 endpoint points
// here registers unchanged, and fedadmin can use either API. Both APIs change
// the same registry. Every request must carry a wsu:Timestamp at most five
// minutes long, current within two minutes, signed (the Timestamp only) by
// the certificate in its KeyInfo, and, unless it only reads
// (GetDomainInfo), never seen before: its signature value and what it asks
// are remembered. Exchange builds one Timestamp and signature per client
// object, so CreateAppId and ReserveDomain share them and the signature
// alone cannot tell two calls apart; its GetDomainInfo polls are the same
// request again. CreateAppId binds that certificate to a new application
// identifier named by its uri (the account namespace), or returns the one
// already bound; every other operation must be signed by the identifier's
// registered certificate. CreateAppId, ReserveDomain and AddUri must present
// a DomainOwnershipProofHeader for the domain they name, whose signature the
// [DomainVerifier] finds in DNS. ReserveDomain takes the account namespace
// through PendingActivation to Active, ReleaseDomain to PendingRelease and
// then ends the registration ([Config].DomainStateDelay; zero is at once).
// UpdateAppIdCertificate replaces the certificate. Refusals are SOAP 1.1
// faults whose detail starts with the DomainError code (package mfg's
// [mfg.Code]): MemberNotAuthenticated for a bad, stale or replayed
// signature, InvalidAppId for an unknown identifier,
// InvalidManagementCertificate for another organization's certificate,
// ProofOfOwnershipNotValid for a missing or foreign proof, NotPermittedForDomain
// for a URI or domain of another identifier, DomainUnavailable for a
// namespace reserved by another. The Microsoft gateway's own choice of codes
// for these cases is not documented; these follow the names Exchange's client
// gives them.
//
// # Issuing tokens
//
// At [TokenPath] the broker answers WS-Trust requests as the gateway does
// (package wstrust): the request must be signed by a registered organization's
// certificate, the user's e-mail domain must be one of that organization's
// verified domains, the user be named in UPN form or, as on-premises
// Exchange does, as an ImmutableID in the organization's namespace, and
// AppliesTo must name a registered organization. The token (package token) carries the user's address, the requesting domain and
// the offer; it is signed with the broker's current key and encrypted to the
// target organization's current certificate. Requests that can never succeed
// get a SOAP 1.2 Sender fault, failures of the broker a Receiver fault.
//
// # Metadata and rollover
//
// At [MetadataPath] the broker publishes 2006-12 federation metadata (package
// metadata) with its current signing certificate and a second one: the next
// key while it is staged (keyring.Ring.SetNext), so receivers learn it before
// it signs, then, after keyring.Ring.Promote, the previous key, so receivers
// keep accepting tokens signed before the rollover. Replicas roll over
// without a failed request by staging the next key on every replica first,
// then promoting it replica by replica. Organizations
// roll over by registering a next certificate (it may sign at once), then
// making it current.
package broker

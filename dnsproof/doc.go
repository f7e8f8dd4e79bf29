// Package dnsproof produces and verifies federated domain proofs: the DNS TXT
// records by which an organization shows a trust broker that it owns the SMTP
// domains it wants to federate.
//
// # Producing a proof
//
// Exchange's Get-FederatedDomainProof signs the lower-cased domain with the
// organization's federation key (RSA PKCS #1 v1.5, SHA-1) and publishes the
// base64 SHA-512 digest of that signature, 88 characters:
//
//	base64(SHA-512(RSA-PKCS1v1.5-SHA1-Sign(key, UTF8(lowercase(trim(domain))))))
//
// [Proof] computes it for one key, [Proofs] for every certificate of a
// [keyring.Ring] (current, next, previous, as Get-FederatedDomainProof lists
// them), and [ZoneLine] renders the record an administrator pastes into the
// zone. Older Exchange 2010 deployments published "AppID=<id>" instead, with
// the identifier the broker assigned ([AppIDRecord]).
//
// # Verifying a domain
//
// A [Verifier] looks up the domain's TXT records through a [Resolver] (the
// system resolver by default) and looks for one that carries an expected
// value ([Expect], [Match]). A party that holds only the organization's
// public certificate cannot recompute the proof, so a trust broker asks the
// registering organization for its raw signature ([Sign]); [Verifier.VerifyDomain]
// checks the signature against the organization's certificates
// ([OrgIdentity]), hashes it, and then looks for the result in DNS.
//
// A failed verification says why, as a [*VerifyError] matching exactly one
// of [ErrNoSuchDomain], [ErrNoTXTRecord], [ErrMismatch] (with the records
// found) and [ErrDNSFailure], so that an administrator knows whether to fix
// the domain name, publish the record, replace a stale record or wait.
//
// # Names
//
// [ValidateDomain] normalizes a domain the way the rest of fedavail compares
// them; [AccountNamespace] gives the organization's federated identifier
// "FYDIBOHF25SPDLT.<domain>", and [FederatedDomain] also refuses domains
// longer than the gateway's 32 characters.
package dnsproof

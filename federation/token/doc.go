// Package token is the delegation token of Exchange federated sharing: the
// SAML 1.1 assertion a trust broker signs and encrypts to the target
// organization, issued by [Issuer] and checked by [Validator].
//
// # Format
//
// A token is an xenc:EncryptedData element. Its ds:KeyInfo holds one
// xenc:EncryptedKey (RSA-OAEP or RSA 1.5) whose own KeyInfo names the target
// organization's certificate by Subject Key Identifier; the content
// (AES-256-CBC, or AES-GCM) is a saml:Assertion in the shape the Microsoft
// Federation Gateway writes: Conditions with the audience
// "http://"+application URI, an AuthenticationStatement whose holder-of-key
// confirmation carries the proof key, an AttributeStatement with the
// EmailAddress, RequestorDomain, action (the [fedavail.Offer]) and
// ThirdPartyRequested claims, and an enveloped, exclusive-canonicalized
// signature whose KeyInfo names the broker's certificate by Subject Key
// Identifier. See [Claims].
//
// # Validation
//
// [Validator.Validate] runs Exchange's checks in order: decrypt with the
// organization key (current, previous or next of a keyring.Ring) the
// EncryptedKey names; check the assertion's shape (one Assertion, one
// Signature referencing it, no duplicate IDs, no comments); verify the
// signature against the trusted broker certificates from a [BrokerTrust] only,
// never against a certificate carried in the token; read the claims only from
// the element the signature check returned; then check issuer, audience,
// e-mail address, offer, lifetime (with clock skew) and the offer's maximum
// age. A refused token yields a [*ValidationError] whose [Reason] uses
// Exchange's names and whose Error method says nothing more than "token
// validation failed".
//
// Results are cached by the SHA-256 of the token bytes, so a partner that
// reuses its token pays for the RSA work once; refused tokens are remembered
// briefly too.
package token

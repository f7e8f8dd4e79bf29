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
// age (without). A refused token yields a [*ValidationError] whose [Reason] uses
// Exchange's names and whose Error method says nothing more than "token
// validation failed".
//
// # Checks and their Exchange sources
//
// Exchange 2013's checks are in Microsoft.Exchange.Net/…/WSTrust/TokenValidator.cs
// and WCF's SamlSecurityTokenAuthenticator, which it configures:
//
//	check                    Exchange                                    fedavail
//	offer's maximum age      ValidFrom (NotBefore) + Offer.Duration      the same: no skew, so a free/busy
//	                         (Offer.cs: free/busy, MailTips 5 min;       token lives 5 minutes, not 10;
//	                         Autodiscover 8 h), with no skew             no NotBefore is too old
//	NotBefore, NotOnOrAfter  WCF, MaximumTokenSkew 5 minutes             ValidatorConfig.ClockSkew (5 min)
//	audience                 AudienceUriMode.Always: each                the same; at most 16 Audience
//	                         AudienceRestrictionCondition needs one      elements; user information must
//	                         Audience equal as a string or as a Uri      match too
//	                         (scheme and host case, "/" for an empty
//	                         path, default port, fragment ignored)
//	offer                    the action claim equals the expected one    the same; unknown offers refused
//	e-mail address           the EmailAddress claim is present           also a bare SMTP address
//	structure                WCF's SAML reader                           stricter: one Signature, no
//	                                                                     duplicate IDs or claims, no comments
//
// Every check stricter than Exchange's passes the real Microsoft Federation
// Gateway token in the project's samples (TestMFGSampleFullValidation).
//
// # Cost
//
// A cold validation costs little more than its two RSA operations (the
// paired benchmark ColdOverFloor): the envelope and the assertion are each
// read once, by internal/xmlscan (no encoding/xml pass over the large
// CipherValue), into the tree the claims are read from; exclusive
// canonicalization is written straight from that tree, without copying it.
// Both readers refuse what etree would read differently, and fuzz targets
// hold them and the canonicalizer to etree's parse and goxmldsig's bytes.
//
// Results are cached by the SHA-256 of the token bytes, so a partner that
// reuses its token pays for the RSA work once; refused tokens are remembered
// briefly too. The digests of recently accepted tokens are remembered with
// their bytes (at most 8 MiB of them), so that a token sent again is
// recognized by comparing its bytes, not digested again: a warm validation
// then costs a quarter of a microsecond instead of the digest's four.
package token

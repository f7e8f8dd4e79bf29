// Package wssec makes and checks the WS-Security XML signatures fedavail's
// protocols use: detached exclusive-C14N signatures over elements named by
// wsu:Id, identified either by the signer's Subject Key Identifier (the
// WS-Trust request Exchange sends to the trust broker) or by the whole
// certificate in ds:X509Data (ManageDelegation2, the gateway's registration
// service; see ../shared/protocol.md §8.3).
//
// Signing: [Signer.Sign] digests each [Reference] in its standalone form
// (exclusive canonicalization only looks at the prefixes an element visibly
// uses, so the standalone form canonicalizes like the element in place),
// assembles SignedInfo, signs its canonical form with RSA PKCS #1 v1.5 and
// returns a complete ds:Signature element. [Timestamp] renders the
// wsu:Timestamp that such signatures usually cover.
//
// Checking: [VerifySignedInfo] checks the SignatureValue over the canonical
// SignedInfo with a given certificate and returns the references read from
// the verified bytes; [CheckDigest] compares one of them with the element it
// names; [UniqueIDs] refuses documents where an ID appears twice, so a
// reference can never resolve to a decoy; [Child] refuses a second copy of
// an element, the other vehicle of signature wrapping. Failures are
// *[Error] values whose [Kind] a protocol package maps to its own reasons.
package wssec

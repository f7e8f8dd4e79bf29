// Package wstrust speaks WS-Trust (February 2005) over SOAP 1.2 the way
// Microsoft Exchange speaks it to the Microsoft Federation Gateway: a
// requesting organization asks a trust broker for a delegation token, and a
// trust broker checks who is asking.
//
// # Requesting a token
//
// A [Client] turns a [fedavail.TokenRequest] into a request security token
// message ([Request]):
//
//   - WS-Addressing headers: wsa:To (mustUnderstand, wsu:Id "_1"), the Issue
//     action, a fresh wsa:MessageID and an anonymous wsa:ReplyTo;
//   - a wsse:Security header with a wsu:Timestamp (wsu:Id "_0", five minutes)
//     and a detached signature over exactly those two elements, made with the
//     organization certificate's key and naming it by Subject Key Identifier
//     (RSA-SHA1 as Exchange, or RSA-SHA256 by [SignatureMethod]);
//   - a body asking for a SAML 1.1 token for the partner ([AppliesTo] adds
//     "http://" to a bare application URI), on behalf of the user: a SAML 1.1
//     sender-vouches assertion carrying the user's e-mail address and name
//     identifier ([Client].Identity: [UPN] by default, or [ImmutableIDs],
//     on-premises Exchange's "<immutable id>@FYDIBOHF25SPDLT.<namespace>"),
//     signed with the same key; the requestor, the offer as the action
//     claim, and the policy reference.
//
// The answer ([Response], [ParseResponse]) carries the token encrypted for
// the partner, which the client keeps byte for byte, the proof key and the
// lifetime. SOAP faults come back as *fedavail.Fault; Receiver faults are
// retried a bounded number of times with a back-off that ends when the
// context does.
//
// The Client does not cache: wrap it with federation.NewTokenCache.
//
// # Checking a request
//
// A trust broker uses a [Verifier]. It accepts a request only if the header
// signature is by a certificate the broker knows (looked up by Subject Key
// Identifier, never taken from the message), its references are exactly the
// wsa:To header and the wsu:Timestamp that the broker then reads (IDs must be
// unique in the message, so a reference cannot point at a decoy), the
// timestamp is current, and the on-behalf-of assertion is signed by the same
// certificate and valid now. Claims are read from the canonical bytes the
// signatures cover. Rejections are *[VerifyError] values with a [Reason].
//
// The rest of the request body is not signed in Exchange's protocol; it is
// protected by TLS only, which is why the requestor is taken from the signed
// assertion.
package wstrust

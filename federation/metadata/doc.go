// Package metadata reads and writes the trust broker's federation metadata:
// the pre-standard "2006-12" WS-Federation document (namespace
// http://schemas.xmlsoap.org/ws/2006/03/federation) that the Microsoft
// Federation Gateway publishes and Exchange reads.
//
// # What is read
//
// Like Exchange, [Parse] looks for descendants of each fed:Federation
// element rather than fixed paths: the issuer URI (IssuerName/@uri), the
// current ("stscer") and previous ("stsbcer") token-signing certificates
// (TokenSigningKeyInfo//X509Certificate), the token endpoint
// (TargetServiceEndpoint//Address) and the browser redirect endpoint
// (WebRequestorRedirectEndpoint//Address). Rollover rules: when the
// previous certificate outlives the current one they swap, expired
// certificates are dropped (with a warning), and at least one valid
// certificate must remain.
//
// # Refreshing
//
// A [Refresher] fetches the document with the caller's *http.Client, on an
// interval ([Refresher.Run]) and on demand ([Refresher.Refresh]), keeping the
// last good copy when a fetch fails. It implements token.BrokerTrust, so a
// token.Validator always checks signatures against the certificates the
// broker publishes now. The document's own signature is not verified (as in
// Exchange): fetch it over HTTPS.
//
// [Render] writes the same format, for an embedded trust broker.
package metadata

// Package attack is the attack corpus of the answering side: hostile
// requests against the ews and autodiscover handlers of a real organization
// (internal/testorg) over TLS on 127.0.0.1. Every case asserts the exact
// refusal — HTTP 401 with the handler's fixed body, the SOAP fault's EWS
// ResponseCode, or a per-mailbox ErrorNoFreeBusyAccess — and that nothing the
// caller may not see (subjects, locations and item IDs it has no right to,
// private items' details, token bytes) appears in the response or in any log
// line. The cost cases (cost_test.go) add issue 12's classes: namespace
// declarations multiplied by header blocks, body elements and nesting, a
// forged token in front of a huge body, a body over the server's
// http.MaxBytesReader — each refused or served as expected within an
// allocation budget proportional to the request (internal/allocbudget).
// The package has tests only.
package attack

// Package interop holds, in its subfolders, client libraries other than
// fedavail that the tests run against fedavail's servers, so that "works
// with Exchange clients" is checked with their code rather than asserted:
// ewsjs is ews-javascript-api, a port of Microsoft's EWS Managed API
// (npm, installed by .ci/run with npm ci; the tests skip outside CI when it
// is missing and fail in CI). The tests themselves live beside the servers
// they exercise (examples/partner).
package interop

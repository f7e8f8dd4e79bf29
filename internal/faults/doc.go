// Package faults tests the requesting side against partners that misbehave:
// they hang, reset connections, answer slowly, answer garbage, or their
// trust broker is down. ews.Client, autodiscover.Client and wstrust.Client
// must each return a typed error within the caller's context deadline, and
// a hanging partner must not hold up the answers of a healthy one. The
// package has tests only.
package faults

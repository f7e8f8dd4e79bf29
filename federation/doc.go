// Package federation holds the pieces of Exchange-style federation that sit
// between the WS-Trust client (package wstrust) and the protocols that use
// delegation tokens (packages autodiscover and ews).
//
// # Token cache
//
// Asking a trust broker costs two RSA signatures and a round trip, and a
// free/busy token is good for five minutes, an Autodiscover token for eight
// hours. [NewTokenCache] wraps any [fedavail.TokenSource] (typically a
// *wstrust.Client) and reuses tokens per [fedavail.TokenRequest] while the
// partner will still accept them, fetching a new one shortly before that ends.
// Callers that want the same token at the same time share one request to the
// broker; one caller giving up does not cancel it for the others.
package federation

// Package fedtest helps test code that uses fedavail without any outside
// service: a certificate authority for TLS on loopback, organization and trust
// broker certificates, TLS test servers for named hosts, a DNS server on
// loopback (UDP and TCP) that a real net.Resolver queries, HTTP CONNECT and
// SOCKS5 proxies with an [Origin] to put behind them, and a [LogBuffer] that
// captures what fedavail logs.
//
// Package fedtest/loopback puts these together into a whole federation: a
// trust broker and organizations served by federation.NewHandler, to test an
// integration end to end in a few lines.
//
// Everything here listens on 127.0.0.1 only.
package fedtest

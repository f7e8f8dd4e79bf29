// Package fedtest helps test code that uses fedavail without any outside
// service: a certificate authority for TLS on loopback, organization and trust
// broker certificates, TLS test servers for named hosts, a DNS server on
// loopback (UDP and TCP) that a real net.Resolver queries, HTTP CONNECT and
// SOCKS5 proxies with an [Origin] to put behind them, and a [LogBuffer] that
// captures what fedavail logs.
//
// Everything here listens on 127.0.0.1 only.
package fedtest

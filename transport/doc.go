// Package transport builds the *http.Client that fedavail uses for all of
// its network traffic: Autodiscover, the trust broker and EWS. Give the same
// client to every fedavail package, so that one proxy and one TLS policy
// cover every request.
//
//	client, err := transport.New(transport.Config{
//		ProxyURL:    "http://proxy1.example.org:3128",
//		ProxyBypass: "<local>;*.example.org;192.168.*",
//	})
//
// [New] returns a client; [NewTransport] returns its [Transport], an
// http.RoundTripper, for callers who wrap it or build their own client. The
// zero [Config] is ready to use. Neither uses or changes
// http.DefaultTransport.
//
// # Proxies
//
// By default the proxy comes from the environment (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY), read once when the client is built; tests pass
// Config.ProxyEnv instead of changing the process environment.
//
// Config.ProxyURL names one proxy instead: an HTTP proxy (reached over
// http:// or https://, using CONNECT for https:// servers) or a SOCKS5 proxy
// (socks5://, through golang.org/x/net/proxy). Credentials in the URL go to
// the proxy only. Config.ProxyBypass lists the hosts reached directly, in
// the syntax Exchange administrators already use for WinHTTP ("netsh winhttp
// set proxy"), for either kind of proxy; see [HostList] for the exact rules.
// Config.ProxyFunc decides per request when none of this fits, and
// Config.Direct turns proxies off.
//
// # TLS
//
// Servers must speak TLS 1.2 or later and present a certificate that
// Config.RootCAs (or the system) trusts. A partner still on TLS 1.0 or 1.1
// can be listed in Config.LegacyTLSHosts: only connections to those hosts
// accept the old versions, and the first handshake with each logs a warning.
// Client certificates (Config.Certificates or Config.GetClientCertificate)
// are presented to servers that ask for one.
//
// # Errors
//
// Configuration errors match [ErrInvalidConfig] and are [*ConfigError]s.
// Errors from requests are those of net/http, unchanged: a *url.Error
// wrapping, say, a *net.OpError, a *tls.CertificateVerificationError or a
// proxy's refusal, so errors.As finds them.
//
// # Serving
//
// The answering side needs the same care in the other direction: [NewServer]
// returns an *http.Server with header, body, write and idle timeouts and
// size limits, so that slow or greedy clients cannot hold it, and [Serve]
// runs one until its context ends, then lets the requests in flight finish.
// Given ServerConfig.TLS it serves TLS 1.2 or later; ServerConfig.AcceptLegacyTLS
// also accepts TLS 1.0 and 1.1, for partners whose Exchange servers still
// speak only those (NHSmail's guide says its servers use TLS 1.0). It is never
// the default: the server logs a warning when it starts so, and one for the
// first old-version handshake from each client address.
package transport

package fedtest

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// SOCKS5Proxy is a minimal SOCKS5 server on 127.0.0.1 (RFC 1928): CONNECT
// only, to IPv4 addresses and domain names, without authentication or with
// username/password authentication (RFC 1929). It records the targets it
// connected to, so tests can tell which traffic went through it.
type SOCKS5Proxy struct {
	opts ProxyOptions
	ln   net.Listener
	rec  recorder
	live tracker
	done chan struct{}
}

// SOCKS5 protocol constants, RFC 1928 and RFC 1929.
const (
	socksVersion     = 5
	socksNoAuth      = 0x00
	socksUserPass    = 0x02
	socksNoMethod    = 0xff
	socksConnect     = 0x01
	socksIPv4        = 0x01
	socksDomain      = 0x03
	socksSucceeded   = 0x00
	socksFailure     = 0x01
	socksRefused     = 0x05
	socksBadCommand  = 0x07
	socksBadAddrType = 0x08
	userPassVersion  = 0x01
)

// handshakeTimeout bounds a client's negotiation, so a silent client does
// not hold a goroutine until Close.
const handshakeTimeout = 10 * time.Second

// NewSOCKS5Proxy starts a SOCKS5 server on a free 127.0.0.1 port. Close it
// when done.
func NewSOCKS5Proxy(opts ProxyOptions) (*SOCKS5Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &SOCKS5Proxy{opts: opts, ln: ln, done: make(chan struct{})}
	go p.serve()
	return p, nil
}

// Addr returns "127.0.0.1:port".
func (p *SOCKS5Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns the proxy's URL, socks5://127.0.0.1:port, without credentials.
func (p *SOCKS5Proxy) URL() *url.URL { return &url.URL{Scheme: "socks5", Host: p.Addr()} }

// Targets returns the "host:port" targets connected to so far, in order.
func (p *SOCKS5Proxy) Targets() []string { return p.rec.list() }

// Close stops the server, ends its connections and waits for its goroutines.
func (p *SOCKS5Proxy) Close() error {
	err := p.ln.Close()
	<-p.done
	p.live.close()
	return err
}

func (p *SOCKS5Proxy) serve() {
	defer close(p.done)
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.live.start() {
			c.Close()
			return
		}
		go func() {
			defer p.live.finish()
			p.handle(c)
		}()
	}
}

func (p *SOCKS5Proxy) handle(c net.Conn) {
	if !p.live.track(c) {
		return
	}
	defer p.live.untrack(c)
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := p.negotiate(c); err != nil {
		return
	}
	target, err := readRequest(c)
	if err != nil {
		var re replyError
		if errors.As(err, &re) {
			_ = reply(c, byte(re))
		}
		return
	}
	upstream, err := p.opts.dial(context.Background(), target)
	if err != nil {
		_ = reply(c, socksRefused)
		return
	}
	if !p.live.track(upstream) {
		return
	}
	defer p.live.untrack(upstream)
	if err := reply(c, socksSucceeded); err != nil {
		return
	}
	p.rec.add(target)
	_ = c.SetDeadline(time.Time{})
	pipe(c, upstream)
}

// negotiate reads the client's method selection and, when the proxy has
// credentials, the RFC 1929 sub-negotiation.
func (p *SOCKS5Proxy) negotiate(c net.Conn) error {
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return err
	}
	if hdr[0] != socksVersion {
		return errors.New("not SOCKS5")
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return err
	}
	want := byte(socksNoAuth)
	if p.opts.User != "" {
		want = socksUserPass
	}
	if !slices.Contains(methods, want) {
		_, _ = c.Write([]byte{socksVersion, socksNoMethod})
		return errors.New("no acceptable method")
	}
	if _, err := c.Write([]byte{socksVersion, want}); err != nil {
		return err
	}
	if want == socksNoAuth {
		return nil
	}
	// RFC 1929: VER ULEN UNAME PLEN PASSWD.
	var ver [1]byte
	if _, err := io.ReadFull(c, ver[:]); err != nil {
		return err
	}
	if ver[0] != userPassVersion {
		return errors.New("bad username/password version")
	}
	user, err := readLenPrefixed(c)
	if err != nil {
		return err
	}
	pass, err := readLenPrefixed(c)
	if err != nil {
		return err
	}
	if !p.opts.credentialsOK(user, pass) {
		_, _ = c.Write([]byte{userPassVersion, socksFailure})
		return errors.New("bad credentials")
	}
	_, err = c.Write([]byte{userPassVersion, socksSucceeded})
	return err
}

// replyError is a request the server refuses with this reply code.
type replyError byte

func (e replyError) Error() string { return "socks5 reply " + strconv.Itoa(int(e)) }

// readRequest reads VER CMD RSV ATYP DST.ADDR DST.PORT and returns the
// target as "host:port".
func readRequest(c net.Conn) (string, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return "", err
	}
	if hdr[0] != socksVersion {
		return "", errors.New("not SOCKS5")
	}
	var host string
	switch hdr[3] {
	case socksIPv4:
		var ip [4]byte
		if _, err := io.ReadFull(c, ip[:]); err != nil {
			return "", err
		}
		host = net.IP(ip[:]).String()
	case socksDomain:
		name, err := readLenPrefixed(c)
		if err != nil {
			return "", err
		}
		host = name
	default:
		// IPv6 and unknown types: the address length is unknown, so the
		// connection cannot continue; tell the client why.
		return "", replyError(socksBadAddrType)
	}
	var port [2]byte
	if _, err := io.ReadFull(c, port[:]); err != nil {
		return "", err
	}
	if hdr[1] != socksConnect {
		return "", replyError(socksBadCommand)
	}
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:])))), nil
}

// reply sends VER REP RSV ATYP BND.ADDR BND.PORT with an all-zero IPv4
// bound address, which clients of CONNECT ignore.
func reply(c net.Conn, code byte) error {
	_, err := c.Write([]byte{socksVersion, code, 0, socksIPv4, 0, 0, 0, 0, 0, 0})
	return err
}

func readLenPrefixed(c net.Conn) (string, error) {
	var n [1]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return "", err
	}
	b := make([]byte, n[0])
	if _, err := io.ReadFull(c, b); err != nil {
		return "", err
	}
	return string(b), nil
}

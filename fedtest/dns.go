package fedtest

import (
	"context"
	"encoding/binary"

	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// SRV is one SRV record.
type SRV struct {
	Priority, Weight, Port uint16
	Target                 string
}

// DNSServer is an authoritative-style DNS server on 127.0.0.1 (UDP and TCP on
// the same port) for tests. It answers A, TXT, SRV and CNAME questions from
// its tables, follows CNAME chains the way a recursive resolver does, answers
// NXDOMAIN for names it does not know and SERVFAIL for names in Fail. Answers
// larger than MaxUDP bytes are truncated over UDP so the resolver retries over
// TCP. Methods are safe for concurrent use.
type DNSServer struct {
	// MaxUDP is the largest UDP answer; zero means 512.
	MaxUDP int

	mu    sync.RWMutex
	a     map[string][]net.IP
	txt   map[string][][]string
	srv   map[string][]SRV
	cname map[string]string
	fail  map[string]bool

	udp  net.PacketConn
	tcp  net.Listener
	wg   sync.WaitGroup
	once sync.Once
}

// NewDNSServer starts a server on a free 127.0.0.1 port.
func NewDNSServer() (*DNSServer, error) {
	s := &DNSServer{
		a: map[string][]net.IP{}, txt: map[string][][]string{}, srv: map[string][]SRV{},
		cname: map[string]string{}, fail: map[string]bool{},
	}
	// Take a TCP port and bind UDP to the same number; retry on collision.
	for i := 0; ; i++ {
		tcp, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		udp, err := net.ListenPacket("udp", tcp.Addr().String())
		if err != nil {
			tcp.Close()
			if i < 20 {
				continue
			}
			return nil, err
		}
		s.tcp, s.udp = tcp, udp
		break
	}
	s.wg.Add(2)
	go s.serveUDP()
	go s.serveTCP()
	return s, nil
}

// Addr returns "127.0.0.1:port".
func (s *DNSServer) Addr() string { return s.tcp.Addr().String() }

// Resolver returns a pure-Go net.Resolver that sends every query to s.
func (s *DNSServer) Resolver() *net.Resolver {
	addr := s.Addr()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			if strings.HasPrefix(network, "tcp") {
				return d.DialContext(ctx, "tcp", addr)
			}
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

func canon(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) + "." }

// AddA adds A records.
func (s *DNSServer) AddA(name string, ips ...net.IP) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.a[canon(name)] = append(s.a[canon(name)], ips...)
}

// AddTXT adds one TXT record made of the given strings (a long value may be
// split over several strings, as zone files do).
func (s *DNSServer) AddTXT(name string, strs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt[canon(name)] = append(s.txt[canon(name)], strs)
}

// SetTXT replaces the TXT records of name; no records removes them.
func (s *DNSServer) SetTXT(name string, records ...[]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(records) == 0 {
		delete(s.txt, canon(name))
		return
	}
	s.txt[canon(name)] = records
}

// AddSRV adds SRV records.
func (s *DNSServer) AddSRV(name string, recs ...SRV) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv[canon(name)] = append(s.srv[canon(name)], recs...)
}

// SetCNAME makes name an alias of target.
func (s *DNSServer) SetCNAME(name, target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cname[canon(name)] = canon(target)
}

// Fail makes questions about name answer SERVFAIL (on false, normally again).
func (s *DNSServer) Fail(name string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[canon(name)] = on
}

// Close stops the server and waits for its goroutines.
func (s *DNSServer) Close() error {
	s.once.Do(func() {
		s.udp.Close()
		s.tcp.Close()
	})
	s.wg.Wait()
	return nil
}

func (s *DNSServer) serveUDP() {
	defer s.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, from, err := s.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		resp := s.answer(buf[:n], true)
		if resp != nil {
			_, _ = s.udp.WriteTo(resp, from)
		}
	}
}

func (s *DNSServer) serveTCP() {
	defer s.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer c.Close()
			for {
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				var l [2]byte
				if _, err := io.ReadFull(c, l[:]); err != nil {
					return
				}
				q := make([]byte, binary.BigEndian.Uint16(l[:]))
				if _, err := io.ReadFull(c, q); err != nil {
					return
				}
				resp := s.answer(q, false)
				if resp == nil {
					return
				}
				out := make([]byte, 2+len(resp))
				binary.BigEndian.PutUint16(out, uint16(len(resp)))
				copy(out[2:], resp)
				if _, err := c.Write(out); err != nil {
					return
				}
			}
		}()
	}
}

func (s *DNSServer) answer(query []byte, udp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	resp := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true},
		Questions: []dnsmessage.Question{q},
	}
	s.mu.RLock()
	rcode, answers := s.lookup(q)
	s.mu.RUnlock()
	resp.RCode = rcode
	resp.Answers = answers
	out, err := resp.Pack()
	if err != nil {
		resp.Answers, resp.RCode = nil, dnsmessage.RCodeServerFailure
		out, _ = resp.Pack()
		return out
	}
	max := s.MaxUDP
	if max == 0 {
		max = 512
	}
	if udp && len(out) > max {
		resp.Answers, resp.Truncated = nil, true
		out, _ = resp.Pack()
	}
	return out
}

func (s *DNSServer) lookup(q dnsmessage.Question) (dnsmessage.RCode, []dnsmessage.Resource) {
	name := strings.ToLower(q.Name.String())
	var answers []dnsmessage.Resource
	for hops := 0; ; hops++ {
		if hops > 8 || s.fail[name] {
			return dnsmessage.RCodeServerFailure, nil
		}
		hdr := func(t dnsmessage.Type) dnsmessage.ResourceHeader {
			return dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: t, Class: dnsmessage.ClassINET, TTL: 60}
		}
		if target, ok := s.cname[name]; ok && q.Type != dnsmessage.TypeCNAME {
			answers = append(answers, dnsmessage.Resource{Header: hdr(dnsmessage.TypeCNAME), Body: &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)}})
			name = target
			continue
		}
		known := s.a[name] != nil || s.txt[name] != nil || s.srv[name] != nil || s.cname[name] != ""
		switch q.Type {
		case dnsmessage.TypeA:
			for _, ip := range s.a[name] {
				var a [4]byte
				copy(a[:], ip.To4())
				answers = append(answers, dnsmessage.Resource{Header: hdr(dnsmessage.TypeA), Body: &dnsmessage.AResource{A: a}})
			}
		case dnsmessage.TypeTXT:
			for _, t := range s.txt[name] {
				answers = append(answers, dnsmessage.Resource{Header: hdr(dnsmessage.TypeTXT), Body: &dnsmessage.TXTResource{TXT: t}})
			}
		case dnsmessage.TypeSRV:
			for _, r := range s.srv[name] {
				answers = append(answers, dnsmessage.Resource{Header: hdr(dnsmessage.TypeSRV), Body: &dnsmessage.SRVResource{
					Priority: r.Priority, Weight: r.Weight, Port: r.Port, Target: dnsmessage.MustNewName(canon(r.Target))}})
			}
		case dnsmessage.TypeCNAME:
			if t, ok := s.cname[name]; ok {
				answers = append(answers, dnsmessage.Resource{Header: hdr(dnsmessage.TypeCNAME), Body: &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(t)}})
			}
		}
		if !known && len(answers) == 0 {
			return dnsmessage.RCodeNameError, nil
		}
		return dnsmessage.RCodeSuccess, answers
	}
}

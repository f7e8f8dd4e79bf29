package fedtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDNSServer(t *testing.T) {
	s, err := NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddTXT("contoso.test", "v=spf1 -all")
	s.AddTXT("contoso.test", "part one ", "part two")
	s.AddSRV("_autodiscover._tcp.contoso.test", SRV{Priority: 10, Weight: 5, Port: 443, Target: "mail.contoso.test"})
	s.AddA("mail.contoso.test", net.IPv4(127, 0, 0, 1))
	s.SetCNAME("alias.contoso.test", "contoso.test")
	s.Fail("broken.test", true)
	// Enough TXT data to exceed 512 bytes: the answer must come over TCP.
	for i := 0; i < 20; i++ {
		s.AddTXT("big.test", fmt.Sprintf("record-%02d-%s", i, strings.Repeat("x", 40)))
	}
	r := s.Resolver()
	ctx := context.Background()

	txt, err := r.LookupTXT(ctx, "contoso.test")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(txt)
	if diff := cmp.Diff([]string{"part one part two", "v=spf1 -all"}, txt); diff != "" {
		t.Errorf("TXT (-want +got):\n%s", diff)
	}
	if txt, err := r.LookupTXT(ctx, "alias.contoso.test"); err != nil || len(txt) != 2 {
		t.Errorf("TXT through CNAME = %v, %v", txt, err)
	}
	if big, err := r.LookupTXT(ctx, "big.test"); err != nil || len(big) != 20 {
		t.Errorf("large TXT (TCP fallback) = %d records, %v", len(big), err)
	}
	_, srvs, err := r.LookupSRV(ctx, "autodiscover", "tcp", "contoso.test")
	if err != nil || len(srvs) != 1 || srvs[0].Port != 443 || srvs[0].Target != "mail.contoso.test." {
		t.Errorf("SRV = %+v, %v", srvs, err)
	}
	if ips, err := r.LookupIP(ctx, "ip4", "mail.contoso.test"); err != nil || len(ips) != 1 || !ips[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("A = %v, %v", ips, err)
	}
	var dnsErr *net.DNSError
	if _, err := r.LookupTXT(ctx, "nowhere.test"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("unknown name: %v, want not-found", err)
	}
	if _, err := r.LookupTXT(ctx, "broken.test"); !errors.As(err, &dnsErr) || dnsErr.IsNotFound {
		t.Errorf("SERVFAIL name: %v, want a failure that is not not-found", err)
	}
	s.SetTXT("contoso.test")
	if _, err := r.LookupTXT(ctx, "contoso.test"); err == nil {
		t.Error("TXT still answered after SetTXT with no records")
	}
}

func TestTLSServerTrustsOnlyCA(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.NewTLSServer(nil, "autodiscover.contoso.test")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	c := ca.HTTPClient(map[string]string{"autodiscover.contoso.test:" + port: addr})
	resp, err := c.Get("https://autodiscover.contoso.test:" + port + "/")
	if err != nil {
		t.Fatalf("name routed to loopback: %v", err)
	}
	resp.Body.Close()
	other, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.HTTPClient(nil).Get(srv.URL); err == nil {
		t.Error("a client trusting another CA accepted the server")
	}
}

package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fedavail/fedavail/fedtest"
)

// The test-ca and test-dns subcommands give a walkthrough on one machine
// what a real deployment gets from a public CA and a DNS provider, so that
// trying federation needs neither openssl nor a DNS server. Both say "test"
// in their names and output: nothing they make is for production.

func testCAFlags(fs *flag.FlagSet) {
	fs.String("out", "test-ca", "`DIR` to write ca.pem, tls.pem and tls-key.pem to (created)")
}

// testCA creates a CA and one TLS server certificate for every host given.
func testCA(_ context.Context, e *env, fs *flag.FlagSet, hosts []string) error {
	if len(hosts) == 0 {
		return usageError("name the TLS host names, e.g. sts.test autodiscover.contoso.test mail.contoso.test")
	}
	out := str(fs, "out")
	ca, err := fedtest.NewCA()
	if err != nil {
		return err
	}
	kp, err := ca.Issue(hosts...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	key, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		return err
	}
	files := []struct {
		name  string
		block *pem.Block
		mode  os.FileMode
	}{
		{"ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}, 0o644},
		{"tls.pem", &pem.Block{Type: "CERTIFICATE", Bytes: kp.Cert.Raw}, 0o644},
		{"tls-key.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: key}, 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, f.name), pem.EncodeToMemory(f.block), f.mode); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "test CA in %s: ca.pem (give it to -ca), tls.pem and tls-key.pem (for %s; give them to -tls-cert and -tls-key)\n",
		out, strings.Join(hosts, ", "))
	fmt.Fprintln(e.stdout, "for tests on this machine only: no one else trusts this CA")
	return nil
}

func testDNSFlags(fs *flag.FlagSet) {
	fs.String("zone", "zone.txt", "zone `FILE` to serve: lines NAME [TTL] [IN] A|TXT|SRV DATA, re-read when it changes")
}

// testDNS serves the zone file on a free 127.0.0.1 port (UDP and TCP), which
// it prints, until the process is stopped, re-reading the file
// when it changes, so that a walkthrough can publish domain proofs by
// appending fedadmin domain-proof's DnsRecord lines to it.
func testDNS(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usageError("no arguments expected")
	}
	zone := str(fs, "zone")
	srv, err := fedtest.NewDNSServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	var last time.Time
	load := func() error {
		st, err := os.Stat(zone)
		if err != nil {
			return err
		}
		if st.ModTime().Equal(last) {
			return nil
		}
		last = st.ModTime()
		return loadZone(srv, zone)
	}
	if err := load(); err != nil {
		return fmt.Errorf("-zone: %w", err)
	}
	// The address on a line of its own, for scripts to read.
	fmt.Fprintf(e.stdout, "test DNS answering on %s (for tests on this machine only)\n", srv.Addr())
	if f, ok := e.stdout.(interface{ Sync() error }); ok {
		f.Sync()
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := load(); err != nil {
				fmt.Fprintln(os.Stderr, "fedadmin test-dns:", err)
			}
		}
	}
}

// loadZone adds the zone file's records to srv: A and SRV records are
// added, TXT records replace the name's earlier ones.
func loadZone(srv *fedtest.DNSServer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	txt := map[string][][]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		name, typ, data, err := zoneFields(sc.Text())
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		switch typ {
		case "":
		case "A":
			ip := net.ParseIP(data)
			if ip == nil || ip.To4() == nil {
				return fmt.Errorf("%s:%d: A %q is not an IPv4 address", path, n, data)
			}
			srv.AddA(name, ip)
		case "TXT":
			strs, err := txtStrings(data)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", path, n, err)
			}
			txt[name] = append(txt[name], strs)
		case "SRV":
			var prio, weight, port uint64
			var target string
			if _, err := fmt.Sscan(data, &prio, &weight, &port, &target); err != nil {
				return fmt.Errorf("%s:%d: SRV wants PRIORITY WEIGHT PORT TARGET: %v", path, n, err)
			}
			srv.AddSRV(name, fedtest.SRV{Priority: uint16(prio), Weight: uint16(weight), Port: uint16(port), Target: target})
		default:
			return fmt.Errorf("%s:%d: record type %s: only A, TXT and SRV are served", path, n, typ)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for name, recs := range txt {
		srv.SetTXT(name, recs...)
	}
	return nil
}

// zoneFields splits a zone line into its name, type and data, skipping the
// optional TTL and class; blank lines and ; comments have no type.
func zoneFields(line string) (name, typ, data string, err error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "#") {
		return "", "", "", nil
	}
	f := strings.Fields(line)
	if len(f) < 3 {
		return "", "", "", errors.New("want NAME [TTL] [IN] TYPE DATA")
	}
	name, rest := f[0], f[1:]
	if _, err := strconv.Atoi(rest[0]); err == nil {
		rest = rest[1:]
	}
	if len(rest) > 0 && strings.EqualFold(rest[0], "IN") {
		rest = rest[1:]
	}
	if len(rest) < 2 {
		return "", "", "", errors.New("want NAME [TTL] [IN] TYPE DATA")
	}
	typ = strings.ToUpper(rest[0])
	// The data is the rest of the line as written, quotes and spaces kept.
	return strings.TrimSuffix(name, "."), typ, afterFields(line, len(f)-len(rest)+1), nil
}

// afterFields returns line after its first k white-space separated fields.
func afterFields(line string, k int) string {
	for ; k > 0; k-- {
		line = strings.TrimLeft(line, " \t")
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return ""
		}
		line = line[i:]
	}
	return strings.TrimSpace(line)
}

// txtStrings reads the quoted strings of a TXT record's data.
func txtStrings(data string) ([]string, error) {
	var out []string
	for data = strings.TrimSpace(data); data != ""; data = strings.TrimSpace(data) {
		if data[0] != '"' {
			return nil, fmt.Errorf("TXT data %q: want quoted strings", data)
		}
		var b strings.Builder
		i := 1
		for ; i < len(data) && data[i] != '"'; i++ {
			if data[i] == '\\' && i+1 < len(data) {
				i++
			}
			b.WriteByte(data[i])
		}
		if i >= len(data) {
			return nil, errors.New("TXT data: a quote is not closed")
		}
		out = append(out, b.String())
		data = data[i+1:]
	}
	return out, nil
}

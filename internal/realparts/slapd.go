package realparts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Slapd is a running OpenLDAP server.
type Slapd struct {
	// URL is ldap://127.0.0.1:PORT/ (StartTLS works on it when TLS was
	// given); LDAPSURL is ldaps://127.0.0.1:PORT2/ when TLS was given.
	URL, LDAPSURL string
	// Suffix is the database's suffix; RootDN and RootPW its manager.
	Suffix, RootDN, RootPW string
	// Dir holds the configuration and the data.
	Dir string
}

// SlapdOptions configure [StartSlapd].
type SlapdOptions struct {
	// Suffix is the naming context, e.g. "dc=example,dc=test". Required.
	Suffix string
	// Schema is extra global slapd.conf lines after the core, cosine and
	// inetorgperson schemas: attributetype, objectclass, sizelimit…
	Schema string
	// MemberOf loads the memberof overlay, which maintains memberOf on
	// the members of groupOfNames entries as Active Directory does.
	MemberOf bool
	// CertPEM and KeyPEM, when set, are the server's TLS certificate chain
	// and key: slapd then serves StartTLS and ldaps:// too.
	CertPEM, KeyPEM []byte
}

// StartSlapd starts the Debian package's slapd on a free port of 127.0.0.1
// with an mdb database in a temporary folder, waits until it accepts
// connections and stops it when the test ends.
func StartSlapd(tb testing.TB, opts SlapdOptions) *Slapd {
	tb.Helper()
	bin := Require(tb, "slapd", "slapd", "/usr/sbin")
	dir := tb.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		tb.Fatal(err)
	}
	s := &Slapd{Suffix: opts.Suffix, RootDN: "cn=admin," + opts.Suffix, RootPW: "secret", Dir: dir}
	var conf strings.Builder
	for _, sch := range []string{"core", "cosine", "inetorgperson"} {
		fmt.Fprintf(&conf, "include /etc/ldap/schema/%s.schema\n", sch)
	}
	conf.WriteString(opts.Schema + "\n")
	fmt.Fprintf(&conf, "modulepath /usr/lib/ldap\nmoduleload back_mdb\n")
	if opts.MemberOf {
		conf.WriteString("moduleload memberof\n")
	}
	if opts.CertPEM != nil {
		cert, key := filepath.Join(dir, "tls.pem"), filepath.Join(dir, "tls.key")
		if err := os.WriteFile(cert, opts.CertPEM, 0o600); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(key, opts.KeyPEM, 0o600); err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(&conf, "TLSCertificateFile %s\nTLSCertificateKeyFile %s\n", cert, key)
	}
	fmt.Fprintf(&conf, "pidfile %s\nargsfile %s\n", filepath.Join(dir, "slapd.pid"), filepath.Join(dir, "slapd.args"))
	fmt.Fprintf(&conf, "database mdb\nmaxsize 67108864\nsuffix %q\nrootdn %q\nrootpw %s\ndirectory %s\n",
		s.Suffix, s.RootDN, s.RootPW, filepath.Join(dir, "data"))
	conf.WriteString("index objectClass eq\n")
	if opts.MemberOf {
		conf.WriteString("overlay memberof\n")
	}
	confFile := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confFile, []byte(conf.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	port := FreePort(tb)
	s.URL = "ldap://" + Addr(port) + "/"
	listen := s.URL
	if opts.CertPEM != nil {
		s.LDAPSURL = "ldaps://" + Addr(FreePort(tb)) + "/"
		listen += " " + s.LDAPSURL
	}
	// -d 0 keeps slapd in the foreground, so the test owns the process.
	run(tb, "slapd", exec.Command(bin, "-f", confFile, "-h", listen, "-d", "0"), filepath.Join(dir, "slapd.log"), Addr(port))
	return s
}

// Add loads LDIF entries with ldapadd as the root DN.
func (s *Slapd) Add(tb testing.TB, ldif string) {
	tb.Helper()
	bin := Require(tb, "ldapadd", "ldap-utils")
	cmd := exec.Command(bin, "-x", "-H", s.URL, "-D", s.RootDN, "-w", s.RootPW)
	cmd.Stdin = strings.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("realparts: ldapadd: %v\n%s", err, out)
	}
}

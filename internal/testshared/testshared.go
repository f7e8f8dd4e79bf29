// Package testshared gives tests access to the project's shared material —
// the EWS schema files and the public sample messages in ../shared beside the
// repository — and validates XML against the EWS schema with xmllint.
//
// When the material or xmllint is missing, tests skip with a message saying
// what is missing; in CI (the CI environment variable is set) they fail
// instead, so CI can never pass by skipping.
package testshared

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Unavailable skips the test, or fails it in CI. Skips are counted for
// [Main]'s summary line.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s (CI must have it: see .ci/run)", msg)
	}
	skips.add(msg)
	tb.Skipf("%s; skipping outside CI", msg)
}

// skips counts the tests Unavailable skipped, with the distinct reasons.
var skips skipCount

type skipCount struct {
	mu      sync.Mutex
	n       int
	reasons []string
}

func (s *skipCount) add(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	for _, r := range s.reasons {
		if r == reason {
			return
		}
	}
	s.reasons = append(s.reasons, reason)
}

// Summary returns one line saying how many tests skipped because shared
// material or xmllint was missing, and why (the first reason, and how many
// others), or "" when none did.
func Summary() string {
	skips.mu.Lock()
	defer skips.mu.Unlock()
	if skips.n == 0 {
		return ""
	}
	line := fmt.Sprintf("testshared: %d test(s) skipped outside CI: %s", skips.n, skips.reasons[0])
	if more := len(skips.reasons) - 1; more > 0 {
		line += fmt.Sprintf(" (and %d other reason(s); go test -v lists them)", more)
	}
	return line
}

// Main runs the package's tests and then prints [Summary], so that a normal
// run says once that tests were skipped for missing material, where a skip
// is otherwise shown only with -v. Use it as the package's TestMain:
//
//	func TestMain(m *testing.M) { testshared.Main(m) }
//
// (go test in package-list mode, go test ./..., discards a passing
// package's output whatever it prints; the line shows with a plain go test
// in the package's directory, with -v, and with -json.)
func Main(m *testing.M) {
	code := m.Run()
	if line := Summary(); line != "" {
		fmt.Println(line)
	}
	os.Exit(code)
}

var (
	dirOnce sync.Once
	dir     string
)

// Dir returns the shared folder: $FEDAVAIL_SHARED, else ../shared beside
// the module root.
func Dir(tb testing.TB) string {
	tb.Helper()
	dirOnce.Do(func() {
		if d := os.Getenv("FEDAVAIL_SHARED"); d != "" {
			dir = d
			return
		}
		wd, err := os.Getwd()
		if err != nil {
			return
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared")
				return
			}
			if filepath.Dir(d) == d {
				return
			}
		}
	})
	if dir == "" {
		Unavailable(tb, "testshared: cannot locate the module root")
	}
	if _, err := os.Stat(dir); err != nil {
		Unavailable(tb, "testshared: shared folder %s not found (set FEDAVAIL_SHARED)", dir)
	}
	return dir
}

// Sample returns the bytes of ../shared/samples/NAME.
func Sample(tb testing.TB, name string) []byte {
	tb.Helper()
	p := filepath.Join(Dir(tb), "samples", name)
	b, err := os.ReadFile(p)
	if err != nil {
		Unavailable(tb, "testshared: sample %s: %v", name, err)
	}
	return b
}

var (
	schemaOnce sync.Once
	schemaPath string
	schemaErr  error
)

// wrapper imports both EWS schema files, so one validation covers elements
// of either namespace.
func schema(tb testing.TB) string {
	tb.Helper()
	xsd := filepath.Join(Dir(tb), "xsd")
	schemaOnce.Do(func() {
		if _, err := exec.LookPath("xmllint"); err != nil {
			schemaErr = fmt.Errorf("xmllint not installed (Debian package libxml2-utils)")
			return
		}
		tmp, err := os.MkdirTemp("", "fedavail-xsd-")
		if err != nil {
			schemaErr = err
			return
		}
		// The schema files are copied to a temporary folder (never into the
		// repository) with the fixes libxml2 needs; see fixSchema.
		for _, f := range []string{"messages.xsd", "types.xsd"} {
			b, err := os.ReadFile(filepath.Join(xsd, f))
			if err != nil {
				schemaErr = fmt.Errorf("schema file %s missing", filepath.Join(xsd, f))
				return
			}
			if schemaErr = os.WriteFile(filepath.Join(tmp, f), fixSchema(b), 0o644); schemaErr != nil {
				return
			}
		}
		xsd = tmp
		// types.xsd imports the xml: namespace without a location; supply the
		// few attributes it uses here rather than fetch W3C's file.
		xmlXSD := filepath.Join(tmp, "xml.xsd")
		if schemaErr = os.WriteFile(xmlXSD, []byte(xmlNamespaceSchema), 0o644); schemaErr != nil {
			return
		}
		schemaPath = filepath.Join(tmp, "ews.xsd")
		w := fmt.Sprintf(`<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:fedavail:wrapper" elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="%s"/>
  <xs:import namespace="http://schemas.microsoft.com/exchange/services/2006/messages" schemaLocation="%s"/>
  <xs:import namespace="http://schemas.microsoft.com/exchange/services/2006/types" schemaLocation="%s"/>
</xs:schema>`, filepath.ToSlash(xmlXSD), filepath.ToSlash(filepath.Join(xsd, "messages.xsd")), filepath.ToSlash(filepath.Join(xsd, "types.xsd")))
		schemaErr = os.WriteFile(schemaPath, []byte(w), 0o644)
	})
	if schemaErr != nil {
		Unavailable(tb, "testshared: cannot validate against the EWS schema: %v", schemaErr)
	}
	return schemaPath
}

// ValidateEWSElement validates one standalone XML element (an EWS body
// element such as GetUserAvailabilityRequest, or a header block such as
// RequestServerVersion) against the EWS schema and fails the test with
// xmllint's complaints if it is not valid.
func ValidateEWSElement(tb testing.TB, element []byte) {
	tb.Helper()
	if err := validate(tb, element); err != nil {
		tb.Errorf("EWS schema validation failed: %v\n--- document ---\n%s", err, element)
	}
}

// CheckEWSElement is like ValidateEWSElement but returns the complaint
// instead of failing, for tests that expect invalid input.
func CheckEWSElement(tb testing.TB, element []byte) error {
	tb.Helper()
	return validate(tb, element)
}

func validate(tb testing.TB, element []byte) error {
	tb.Helper()
	s := schema(tb)
	f, err := os.CreateTemp("", "fedavail-doc-*.xml")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(element); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	cmd := exec.Command("xmllint", "--noout", "--nonet", "--schema", s, f.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s", strings.TrimSpace(strings.ReplaceAll(out.String(), f.Name(), "doc")))
	}
	return nil
}

// ValidateEWSEnvelope validates every header block in the EWS namespaces and
// the body's first element of a SOAP envelope against the EWS schema.
// Blocks of other namespaces (WS-Addressing, WS-Security) are not EWS's and
// are left alone.
func ValidateEWSEnvelope(tb testing.TB, envelope []byte) {
	tb.Helper()
	parts, err := ewsParts(envelope)
	if err != nil {
		tb.Fatalf("ValidateEWSEnvelope: %v", err)
	}
	if len(parts) == 0 {
		tb.Fatalf("ValidateEWSEnvelope: no EWS element found in\n%s", envelope)
	}
	for _, p := range parts {
		ValidateEWSElement(tb, p)
	}
}

const xmlNamespaceSchema = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:language"/>
  <xs:attribute name="space"><xs:simpleType><xs:restriction base="xs:NCName"><xs:enumeration value="default"/><xs:enumeration value="preserve"/></xs:restriction></xs:simpleType></xs:attribute>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
</xs:schema>`

// fixSchema works around the places where Microsoft's EWS schema is stricter
// than libxml2 can compile: ArrayOfTransitionsType is a sequence of optional
// elements that share a substitution group, which libxml2 rejects as a
// non-deterministic content model. A repeated choice of the same elements
// accepts exactly the documents Exchange accepts.
func fixSchema(b []byte) []byte {
	old := `<xs:complexType name="ArrayOfTransitionsType">
        <xs:sequence>
            <xs:element ref="t:AbsoluteDateTransition" minOccurs="0" maxOccurs="unbounded" />
            <xs:element ref="t:RecurringDayTransition" minOccurs="0" maxOccurs="unbounded" />
            <xs:element ref="t:RecurringDateTransition" minOccurs="0" maxOccurs="unbounded" />
            <xs:element ref="t:Transition" minOccurs="0" maxOccurs="unbounded" />
        </xs:sequence>`
	repl := `<xs:complexType name="ArrayOfTransitionsType">
        <xs:choice minOccurs="0" maxOccurs="unbounded">
            <xs:element ref="t:Transition" />
        </xs:choice>`
	return bytes.Replace(b, []byte(old), []byte(repl), 1)
}

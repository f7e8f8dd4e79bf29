package wssec

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
)

// TestSignVerify signs a Timestamp with the certificate in KeyInfo (the
// ManageDelegation2 form), reads it back and checks the digest; then breaks
// each part and expects the matching Kind.
func TestSignVerify(t *testing.T) {
	cert, key, err := pki.New(pki.Options{CommonName: "a"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := pki.New(pki.Options{CommonName: "b"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := Timestamp("_0", now, now.Add(5*time.Minute), TimeFormatSec)
	sig, err := (&Signer{Key: key, Certificate: cert}).Sign([]Reference{{ID: "_0", Element: ts}})
	if err != nil {
		t.Fatal(err)
	}
	doc := func(ts, sig []byte) (*etree.Element, *etree.Element) {
		d := etree.NewDocument()
		src := `<o:Security xmlns:o="` + ns.WSSE + `">` + string(ts) + string(sig) + `</o:Security>`
		if err := d.ReadFromString(src); err != nil {
			t.Fatal(err)
		}
		tsEl, _ := Child(d.Root(), ns.WSU, "Timestamp")
		sigEl, _ := Child(d.Root(), ns.DSig, "Signature")
		return tsEl, sigEl
	}
	check := func(ts, sig []byte, signer bool) error {
		tsEl, sigEl := doc(ts, sig)
		ki, _ := Child(sigEl, ns.DSig, "KeyInfo")
		c, err := KeyInfoCertificate(ki)
		if err != nil {
			return err
		}
		if !signer {
			c = other
		}
		refs, err := VerifySignedInfo(sigEl, c)
		if err != nil {
			return err
		}
		if len(refs) != 1 || refs[0].ID != "_0" {
			t.Fatalf("references %+v", refs)
		}
		if err := CheckDigest(refs[0], tsEl); err != nil {
			return err
		}
		_, _, err = CheckTimestamp(tsEl, now.Add(time.Minute), time.Minute, time.Hour)
		return err
	}
	if err := check(ts, sig, true); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if !bytes.Contains(sig, []byte("<ds:X509Data><ds:X509Certificate>")) {
		t.Errorf("KeyInfo has no certificate: %s", sig)
	}
	later := Timestamp("_0", now.Add(time.Second), now.Add(5*time.Minute), TimeFormatSec)
	expired := Timestamp("_0", now.Add(-time.Hour), now.Add(-50*time.Minute), TimeFormatSec)
	expiredSig, err := (&Signer{Key: key, Certificate: cert}).Sign([]Reference{{ID: "_0", Element: expired}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ts, sig []byte
		signer  bool
		want    Kind
	}{
		{"changed timestamp", later, sig, true, BadSignature},
		{"other certificate", ts, sig, false, BadSignature},
		{"expired", expired, expiredSig, true, Expired},
		{"sha-512 digest", ts, bytes.Replace(sig, []byte(AlgSHA1), []byte("http://www.w3.org/2001/04/xmlenc#sha512"), 1), true, BadSignature},
		{"no certificate", ts, bytes.Replace(sig, []byte("X509Data>"), []byte("X509Dato>"), 2), true, Malformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.ts, tc.sig, tc.signer)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.want {
				t.Fatalf("err = %v, want kind %v", err, tc.want)
			}
		})
	}
}

func TestUniqueIDsAndChild(t *testing.T) {
	d := etree.NewDocument()
	if err := d.ReadFromString(`<r xmlns:u="` + ns.WSU + `"><a u:Id="x"/><a Id="x"/></r>`); err != nil {
		t.Fatal(err)
	}
	var e *Error
	if err := UniqueIDs(d.Root()); !errors.As(err, &e) || e.Kind != Wrapping {
		t.Errorf("UniqueIDs = %v", err)
	}
	if _, err := Child(d.Root(), "", "a"); !errors.As(err, &e) || e.Kind != Wrapping {
		t.Errorf("Child = %v", err)
	}
	if _, err := MustChild(d.Root(), "", "b"); !errors.As(err, &e) || e.Kind != Malformed {
		t.Errorf("MustChild = %v", err)
	}
}

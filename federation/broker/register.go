package broker

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// SignatureHeader carries a registration request's signature:
// "ski=<base64 Subject Key Identifier>, sig=<base64 RSA-SHA256 PKCS #1 v1.5
// signature of the body>".
const SignatureHeader = "Fedavail-Signature"

// maxRequestAge bounds how far a registration request's time may be from the
// broker's clock; it is also how long its signature is remembered against replay.
const maxRequestAge = 5 * time.Minute

// Registration operations.
const (
	OpRegister = "register"
	OpUpdate   = "update"
	OpRemove   = "remove"
)

// RegistrationRequest is the JSON body of a signed registration request.
type RegistrationRequest struct {
	Op             string   `json:"op"`
	ApplicationURI string   `json:"application_uri"`
	Domains        []string `json:"domains,omitempty"`
	Current        []byte   `json:"current_certificate,omitempty"`
	Next           []byte   `json:"next_certificate,omitempty"`
	// DomainSignatures are the raw domain signatures by domain, see
	// [Registration].DomainSignatures.
	DomainSignatures map[string][][]byte `json:"domain_signatures,omitempty"`
	Time             time.Time           `json:"time"`
	Nonce            string              `json:"nonce"`
}

type errorBody struct {
	Error string `json:"error"`
}

// serveRegistration handles a signed registration request. Registering is
// allowed to the holder of the key of the certificate being registered;
// updating and removing only to the holder of the key of the registration's
// current or next certificate, so an organization can change only its own.
func (b *Broker) serveRegistration(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{"broker: POST a signed registration request"})
		return
	}
	body, err := xmlguard.ReadAll(r.Body, xmlguard.Limits{MaxBytes: 1 << 20})
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{err.Error()})
		return
	}
	var req RegistrationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{"broker: registration request is not JSON: " + err.Error()})
		return
	}
	ski, sig, err := parseSignatureHeader(r.Header.Get(SignatureHeader))
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, errorBody{err.Error()})
		return
	}
	reg, err := req.registration()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	// Whose key may sign this request?
	var allowed []*x509.Certificate
	if req.Op == OpRegister {
		allowed = []*x509.Certificate{reg.Current, reg.Next}
	} else if old, err := b.cfg.Store.Get(r.Context(), req.ApplicationURI); err == nil {
		// From the store, not this broker's view: another replica may have
		// registered it a moment ago.
		cur, next, _ := old.Certificates()
		allowed = []*x509.Certificate{cur, next}
	} else {
		writeJSON(w, statusOf(err), errorBody{err.Error()})
		return
	}
	cert := pki.FindBySKI(allowed, ski)
	if cert == nil {
		writeJSON(w, http.StatusForbidden, errorBody{"broker: request not signed with a certificate of this registration"})
		return
	}
	if err := checkBodySignature(cert, body, sig); err != nil {
		writeJSON(w, http.StatusUnauthorized, errorBody{err.Error()})
		return
	}
	now := b.now()
	if d := now.Sub(req.Time); d > maxRequestAge || d < -maxRequestAge {
		writeJSON(w, http.StatusUnauthorized, errorBody{"broker: request time is not within 5 minutes of the broker's clock"})
		return
	}
	// Remembered until the request's time is too old to be accepted anyway.
	if fresh, err := b.cfg.Replay.Add(r.Context(), sig, req.Time.Add(maxRequestAge+time.Second)); err != nil {
		b.log.WarnContext(r.Context(), "broker: replay cache failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"broker: cannot check for replay now; retry later"})
		return
	} else if !fresh {
		writeJSON(w, http.StatusUnauthorized, errorBody{"broker: request replayed"})
		return
	}
	var org *Organization
	switch req.Op {
	case OpRegister:
		org, err = b.Register(r.Context(), *reg)
	case OpUpdate:
		org, err = b.Update(r.Context(), *reg)
	case OpRemove:
		err = b.Remove(r.Context(), req.ApplicationURI)
	}
	if err != nil {
		writeJSON(w, statusOf(err), errorBody{err.Error()})
		return
	}
	if org == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, org)
}

// registration checks the request's shape and parses its certificates.
func (req *RegistrationRequest) registration() (*Registration, error) {
	reg := &Registration{ApplicationURI: req.ApplicationURI, Domains: req.Domains, DomainSignatures: req.DomainSignatures}
	switch req.Op {
	case OpRemove:
		return reg, nil
	case OpRegister, OpUpdate:
	default:
		return nil, fmt.Errorf("%w: operation %q (want register, update or remove)", ErrInvalid, req.Op)
	}
	var err error
	if reg.Current, err = x509.ParseCertificate(req.Current); err != nil {
		return nil, fmt.Errorf("%w: current certificate: %v", ErrInvalid, err)
	}
	if len(req.Next) > 0 {
		if reg.Next, err = x509.ParseCertificate(req.Next); err != nil {
			return nil, fmt.Errorf("%w: next certificate: %v", ErrInvalid, err)
		}
	}
	return reg, nil
}

func parseSignatureHeader(h string) (ski, sig []byte, err error) {
	for part := range strings.SplitSeq(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "ski":
			ski, err = base64.StdEncoding.DecodeString(v)
		case "sig":
			sig, err = base64.StdEncoding.DecodeString(v)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("broker: %s header: %v", SignatureHeader, err)
		}
	}
	if len(ski) == 0 || len(sig) == 0 {
		return nil, nil, fmt.Errorf("broker: request is not signed (%s header with ski and sig)", SignatureHeader)
	}
	return ski, sig, nil
}

func checkBodySignature(cert *x509.Certificate, body, sig []byte) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("broker: certificate key is not RSA")
	}
	sum := sha256.Sum256(body)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("broker: request signature does not verify")
	}
	return nil
}

func statusOf(err error) int {
	var de *DomainError
	switch {
	case errors.As(err, &de):
		return http.StatusUnprocessableEntity // matched by RegistrationError.Is
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrExists), errors.Is(err, ErrDomainTaken), errors.Is(err, ErrStale):
		return http.StatusConflict
	case errors.Is(err, ErrNotPermitted):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

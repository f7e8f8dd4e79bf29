package broker

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// RegistrationClient calls a broker's registration API, signing each request
// with the organization's current key. A refusal is a *fedavail.HTTPError
// (errors.As: the status and the broker's answer) that matches ErrExists,
// ErrNotFound, ErrDomainTaken, ErrInvalid, ErrNotPermitted or
// ErrDomainNotProven with errors.Is.
type RegistrationClient struct {
	// HTTPClient sends the requests. Required.
	HTTPClient *http.Client
	// BaseURL is the broker's URL (the registration endpoint is
	// BaseURL+RegistrationPath).
	BaseURL string
	// Keys holds the organization certificate; the current pair signs.
	Keys *keyring.Ring
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the nonce source; nil means crypto/rand.
	Rand io.Reader
}

// refusal is the broker's refusal of a registration request. It unwraps to
// the HTTP answer, a *fedavail.HTTPError, and matches the broker's sentinels
// (ErrExists, ErrNotFound, ErrDomainTaken, ErrInvalid, ErrNotPermitted,
// ErrDomainNotProven) with errors.Is by its status.
type refusal struct {
	answer  *fedavail.HTTPError
	message string // the broker's explanation
}

func (e *refusal) Error() string {
	return fmt.Sprintf("broker: registration refused (HTTP %d): %s", e.answer.StatusCode, e.message)
}

func (e *refusal) Unwrap() error { return e.answer }

// Is maps the status to the broker's sentinel errors.
func (e *refusal) Is(target error) bool {
	switch e.answer.StatusCode {
	case http.StatusConflict:
		return target == ErrExists || target == ErrDomainTaken
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusBadRequest:
		return target == ErrInvalid
	case http.StatusForbidden, http.StatusUnauthorized:
		return target == ErrNotPermitted
	case http.StatusUnprocessableEntity:
		return target == ErrDomainNotProven
	}
	return false
}

// Register registers the organization. The current certificate of reg must
// be the client's current certificate (proof of possession).
func (c *RegistrationClient) Register(ctx context.Context, reg Registration) (*Organization, error) {
	return c.do(ctx, OpRegister, reg)
}

// Update changes the organization's domains or certificates.
func (c *RegistrationClient) Update(ctx context.Context, reg Registration) (*Organization, error) {
	return c.do(ctx, OpUpdate, reg)
}

// Remove deletes the organization's registration.
func (c *RegistrationClient) Remove(ctx context.Context, applicationURI string) error {
	_, err := c.do(ctx, OpRemove, Registration{ApplicationURI: applicationURI})
	return err
}

func (c *RegistrationClient) do(ctx context.Context, op string, reg Registration) (*Organization, error) {
	if c.HTTPClient == nil {
		return nil, soap.ErrNoHTTPClient
	}
	if c.Keys == nil {
		return nil, errors.New("broker: RegistrationClient without Keys")
	}
	r := c.Rand
	if r == nil {
		r = rand.Reader
	}
	var nonce [16]byte
	if _, err := io.ReadFull(r, nonce[:]); err != nil {
		return nil, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	req := RegistrationRequest{Op: op, ApplicationURI: reg.ApplicationURI, Domains: reg.Domains, DomainSignatures: reg.DomainSignatures, Time: now().UTC(), Nonce: hex.EncodeToString(nonce[:])}
	if reg.Current != nil {
		req.Current = reg.Current.Raw
	}
	if reg.Next != nil {
		req.Next = reg.Next.Raw
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	pair := c.Keys.Current()
	sum := sha256.Sum256(body)
	if pair.Key == nil {
		return nil, errors.New("broker: no organization key to sign the registration request with")
	}
	// An RSA key signs PKCS #1 v1.5 when given a crypto.Hash; the key may
	// be a crypto.Signer in an HSM or KMS.
	sig, err := pair.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("broker: sign registration request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+RegistrationPath, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set(SignatureHeader, "ski="+base64.StdEncoding.EncodeToString(pair.SKI())+", sig="+base64.StdEncoding.EncodeToString(sig))
	resp, err := soap.NoRedirects(c.HTTPClient).Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := xmlguard.ReadAll(resp.Body, xmlguard.Limits{MaxBytes: 1 << 20})
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
			eb.Error = http.StatusText(resp.StatusCode)
		}
		body := data[:min(len(data), fedavail.MaxErrorBody)]
		return nil, &refusal{message: eb.Error, answer: &fedavail.HTTPError{
			Method: hreq.Method, URL: hreq.URL.String(), StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Body: body,
		}}
	}
	var org Organization
	if err := json.Unmarshal(data, &org); err != nil {
		return nil, fmt.Errorf("broker: registration answer: %w", err)
	}
	return &org, nil
}

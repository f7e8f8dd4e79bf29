package soap

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// ReadRequest reads and decodes an incoming SOAP request's envelope (the body
// is kept raw in Message.Body). On failure it returns the HTTP status to
// answer with: 413 for a body over the limit, 400 otherwise.
func ReadRequest(r *http.Request, l xmlguard.Limits) (*Message, int, error) {
	data, status, err := ReadBody(r, l)
	if err != nil {
		return nil, status, err
	}
	return DecodeRequest(data, l)
}

// ReadBody reads an incoming request's body within the size limit, for a
// handler that looks at part of it (with [HeaderToken]) before decoding it
// with [DecodeRequest]. On failure it returns the HTTP status to answer
// with: 413 for a body over the limit, 400 otherwise.
func ReadBody(r *http.Request, l xmlguard.Limits) ([]byte, int, error) {
	if r.Body == nil {
		return nil, http.StatusBadRequest, &fedavail.XMLError{Context: "SOAP envelope", Err: errors.New("empty request")}
	}
	data, err := xmlguard.ReadBody(r, l)
	if err != nil {
		return nil, status(err), err
	}
	return data, http.StatusOK, nil
}

// DecodeRequest decodes a request's envelope as ReadRequest does, with the
// status to answer a failure with.
func DecodeRequest(data []byte, l xmlguard.Limits) (*Message, int, error) {
	msg, err := Decode(data, DecodeOptions{Limits: l})
	if err != nil {
		return nil, status(err), err
	}
	return msg, http.StatusOK, nil
}

func status(err error) int {
	var le *fedavail.LimitError
	if errors.As(err, &le) && le.What == "body size" {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// Action returns the operation a request asks for: the wsa:Action header, else
// the SOAPAction HTTP header, else the action parameter of a SOAP 1.2
// Content-Type, else "" (callers then go by the body element's name).
func Action(r *http.Request, m *Message) string {
	if a := m.HeaderText(ns.WSA, "Action"); a != "" {
		return a
	}
	if a := strings.Trim(strings.TrimSpace(r.Header.Get("SOAPAction")), `"`); a != "" {
		return a
	}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
		return params["action"]
	}
	return ""
}

// ActionName returns the last path segment of an action URI
// ("…/Autodiscover/GetUserSettings" → "GetUserSettings").
func ActionName(action string) string {
	if i := strings.LastIndexByte(action, '/'); i >= 0 {
		return action[i+1:]
	}
	return action
}

package ews

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// requestBody receives the body of any operation the handler serves, in the
// same pass that reads the envelope: the element's name picks the type, so
// the body is parsed once however the operation was named.
type requestBody struct {
	availability *GetUserAvailabilityRequest
	timeZones    *GetServerTimeZones
	// err is a body of a known operation that did not decode.
	err error
}

// UnmarshalXML implements xml.Unmarshaler.
func (b *requestBody) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name.Space == MessagesNS {
		switch start.Name.Local {
		case "GetUserAvailabilityRequest":
			b.availability = new(GetUserAvailabilityRequest)
			b.err = d.DecodeElement(b.availability, &start)
			return nil
		case "GetServerTimeZones":
			b.timeZones = new(GetServerTimeZones)
			b.err = d.DecodeElement(b.timeZones, &start)
			return nil
		}
	}
	return d.Skip()
}

// readRequest reads and decodes the envelope and the body. On failure it
// returns the HTTP status to answer with: 413 over the size limit, else 400.
func readRequest(r *http.Request, l xmlguard.Limits) (*soap.Message, *requestBody, int, error) {
	data, err := xmlguard.ReadAll(r.Body, l)
	if err != nil {
		return nil, nil, statusFor(err), err
	}
	body := &requestBody{}
	msg, err := soap.Decode(data, soap.DecodeOptions{Limits: l, Body: body})
	if err != nil {
		return nil, nil, statusFor(err), err
	}
	return msg, body, http.StatusOK, nil
}

func statusFor(err error) int {
	var le *fedavail.LimitError
	if errors.As(err, &le) && le.What == "body size" {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

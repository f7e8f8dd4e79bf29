package ews

import (
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

// crossForestFault applies Exchange's rule for availability requests of
// another forest's service account (GetUserAvailabilityMessageHeaderProcessor):
// a caller that authenticated as a service account must send
// t:RequestTypeHeader CrossForest on GetUserAvailability, and a
// RequestTypeHeader from any other internal caller asks for a proxy right it
// does not have. Both are refused with ErrorProxyRequestNotAllowed.
// Federated requests are not concerned: their token says who asks.
func crossForestFault(who *fedavail.Requester, msg *soap.Message, op string) *fedavail.Fault {
	if who == nil || who.Federated {
		return nil
	}
	var hdr *soap.Element
	for i := range msg.Headers {
		// Exchange matches the header by local name only.
		if msg.Headers[i].Name.Local == "RequestTypeHeader" {
			hdr = &msg.Headers[i]
			break
		}
	}
	switch {
	case who.ServiceAccount == "" && hdr == nil:
		return nil // an ordinary internal user
	case who.ServiceAccount == "":
		return clientFault(ErrorProxyRequestNotAllowed, "The caller does not have enough privileges to make a proxy request.")
	case op != "GetUserAvailability":
		if op == "GetServerTimeZones" {
			return nil
		}
		return clientFault(ErrorProxyRequestNotAllowed, "A service account of another forest may only ask for availability.")
	case hdr == nil:
		return clientFault(ErrorProxyRequestNotAllowed, "The request has no request type.")
	}
	var rt struct {
		RequestType string `xml:"RequestType"`
	}
	if err := hdr.Decode(&rt); err != nil || strings.TrimSpace(rt.RequestType) != RequestTypeCrossForest {
		return clientFault(ErrorProxyRequestNotAllowed, "The request type is not valid.")
	}
	return nil
}

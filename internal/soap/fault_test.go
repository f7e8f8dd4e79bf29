package soap

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
)

// An ErrorServerBusy fault as Exchange sends it (shape as in exchangelib's
// test_error_server_busy fixture; values ours).
const ewsBusyFault = `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <s:Fault>
      <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>
      <faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>
      <detail>
        <e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>
        <e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>
        <t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
          <t:Value Name="BackOffMilliseconds">297749</t:Value>
        </t:MessageXml>
      </detail>
    </s:Fault>
  </s:Body>
</s:Envelope>`

const wstrustFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:psf="http://schemas.microsoft.com/Passport/SoapServices/SOAPFault">
<s:Body><s:Fault>
  <s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value xmlns:wst="http://schemas.xmlsoap.org/ws/2005/02/trust">wst:RequestFailed</s:Value></s:Subcode></s:Code>
  <s:Reason><s:Text xml:lang="en-US">Authentication Failure</s:Text></s:Reason>
  <s:Detail><psf:error><psf:value>0x80048821</psf:value></psf:error></s:Detail>
</s:Fault></s:Body></s:Envelope>`

func TestDecodeFaults(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *fedavail.Fault
		backoff time.Duration
	}{
		{"ews server busy (1.1)", ewsBusyFault, &fedavail.Fault{
			SOAPVersion: "1.1", Code: "ErrorServerBusy", CodeNamespace: ns.EWSTypes,
			Reason:       "The server cannot service this request right now. Try again later.",
			ResponseCode: "ErrorServerBusy", Message: "The server cannot service this request right now. Try again later.",
			Values: map[string]string{"BackOffMilliseconds": "297749"},
		}, 297749 * time.Millisecond},
		{"ws-trust receiver (1.2)", wstrustFault, &fedavail.Fault{
			SOAPVersion: "1.2", Code: "Receiver", CodeNamespace: ns.SOAP12, Subcodes: []string{"RequestFailed"},
			Reason: "Authentication Failure",
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in), DecodeOptions{})
			var f *fedavail.Fault
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want *fedavail.Fault", err)
			}
			if diff := cmp.Diff(tc.want, f, cmpopts.IgnoreFields(fedavail.Fault{}, "Detail")); diff != "" {
				t.Errorf("fault (-want +got):\n%s", diff)
			}
			if len(f.Detail) == 0 {
				t.Error("Detail is empty")
			}
			if f.BackOff() != tc.backoff {
				t.Errorf("BackOff = %v, want %v", f.BackOff(), tc.backoff)
			}
		})
	}
}

func TestFaultBytesRoundTrip(t *testing.T) {
	for _, v := range []Version{V11, V12} {
		in := &fedavail.Fault{
			Code: "Sender", Subcodes: []string{"InvalidSecurity"}, Reason: "bad <thing> & more",
			ResponseCode: "ErrorServerBusy", Message: "busy", Values: map[string]string{"BackOffMilliseconds": "1500"},
		}
		if v == V11 {
			in.Code, in.Subcodes = "Client", nil
		}
		_, err := Decode(FaultBytes(v, in), DecodeOptions{})
		var f *fedavail.Fault
		if !errors.As(err, &f) {
			t.Fatalf("%v: err = %v", v, err)
		}
		if f.Code != in.Code || f.Reason != in.Reason || f.ResponseCode != "ErrorServerBusy" || f.BackOff() != 1500*time.Millisecond ||
			!cmp.Equal(f.Subcodes, in.Subcodes, cmpopts.EquateEmpty()) || f.CodeNamespace != v.Namespace() {
			t.Errorf("%v: round trip = %+v", v, f)
		}
		if v == V12 && !f.IsReceiver() == (in.Code == "Receiver") {
			t.Errorf("IsReceiver mismatch")
		}
	}
}

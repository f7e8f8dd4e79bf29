package ews

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/soap"
)

// fakeEWS is an EWS endpoint for client tests: it decodes each request,
// records it and lets the test answer.
type fakeEWS struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(w http.ResponseWriter, r *http.Request, req *GetUserAvailabilityRequest) // nil: answerOK

	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	path   string
	header http.Header
	body   []byte
	msg    *soap.Message
	req    *GetUserAvailabilityRequest
}

func newFake(t *testing.T) (*fakeEWS, *Client) {
	t.Helper()
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEWS{t: t}
	f.srv, err = ca.NewTLSServer(http.HandlerFunc(f.serve))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.srv.Close)
	return f, &Client{URL: f.srv.URL + "/EWS/Exchange.asmx", HTTPClient: ca.HTTPClient(nil)}
}

func (f *fakeEWS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := new(GetUserAvailabilityRequest)
	msg, err := soap.Decode(body, soap.DecodeOptions{Body: req})
	if err != nil {
		f.t.Errorf("server could not decode the request: %v", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{path: r.URL.Path, header: r.Header.Clone(), body: body, msg: msg, req: req})
	f.mu.Unlock()
	if f.answer != nil {
		f.answer(w, r, req)
		return
	}
	answerOK(w, req)
}

func (f *fakeEWS) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// writeResponse sends body in a SOAP envelope with a ServerVersionInfo header.
func writeResponse(w http.ResponseWriter, body any) {
	env := soap.Envelope{Version: soap.V11, Headers: []any{&serverVersionInfo{MajorVersion: 15, MinorVersion: 1, Version: "V2017_07_11"}}, Body: body}
	b, err := env.Marshal()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(b)
}

// answerOK answers every mailbox with one busy hour (subject = address) and
// a merged string, except addresses starting with "missing", which get
// ErrorMailRecipientNotFound.
func answerOK(w http.ResponseWriter, req *GetUserAvailabilityRequest) {
	resp := &GetUserAvailabilityResponse{}
	for _, m := range req.MailboxData {
		if len(m.Email.Address) >= 7 && m.Email.Address[:7] == "missing" {
			resp.FreeBusyResponses = append(resp.FreeBusyResponses, FreeBusyResponse{ResponseMessage: &ResponseMessage{
				ResponseClass: Error, ResponseCode: ErrorMailRecipientNotFound, MessageText: "not found",
			}})
			continue
		}
		start := req.FreeBusyViewOptions.TimeWindow.StartTime
		end := start
		end.Time = end.Time.Add(3600e9)
		resp.FreeBusyResponses = append(resp.FreeBusyResponses, FreeBusyResponse{
			ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError},
			FreeBusyView: &FreeBusyView{
				FreeBusyViewType: ViewDetailedMerged,
				MergedFreeBusy:   "22004", // 4 is no data in an Exchange2010_SP1 answer
				CalendarEvents: &CalendarEvents{Events: []CalendarEvent{{
					StartTime: start, EndTime: end, BusyType: Busy,
					Details: &CalendarEventDetails{Subject: m.Email.Address},
				}}},
			},
		})
	}
	writeResponse(w, resp)
}

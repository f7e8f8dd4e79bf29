package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation"
)

func TestParseServiceAccount(t *testing.T) {
	tests := []struct {
		in   string
		want federation.ServiceAccount
		err  bool
	}{
		{in: `CONTOSO\fb:pw@contoso.example`, want: federation.ServiceAccount{Username: `CONTOSO\fb`, Password: "pw", Domains: []string{"contoso.example"}}},
		{in: `fb@contoso.example:p:w@d@Contoso.Example:LimitedDetails`, want: federation.ServiceAccount{Username: "fb@contoso.example", Password: "p:w@d", Domains: []string{"contoso.example"}, Level: fedavail.AccessLimitedDetails}},
		{in: `CONTOSO\fb:pw@contoso.example:availabilityonly`, want: federation.ServiceAccount{Username: `CONTOSO\fb`, Password: "pw", Domains: []string{"contoso.example"}, Level: fedavail.AccessAvailabilityOnly}},
		{in: `CONTOSO\fb:pw@contoso.example:None`, err: true},
		{in: `CONTOSO\fb:pw@contoso.example:Reviewer`, err: true},
		{in: `CONTOSO\fb@contoso.example`, err: true},
		{in: `CONTOSO\fb:@contoso.example`, err: true},
		{in: `CONTOSO\fb:secret-pw`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseServiceAccount(tt.in)
			if tt.err {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("the error repeats the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

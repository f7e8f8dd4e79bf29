package diag_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/internal/golden"
)

// sample is a report with every status, as TestOrganizationRelationship
// writes one for a partner without a relationship for us.
var sample = &diag.Report{Test: "Test-OrganizationRelationship", Subject: "Fabrikam", Steps: []diag.Step{
	{ID: diag.StepRelationship, Name: "Our organization relationship", Status: diag.Pass, Detail: `"Fabrikam": domains fabrikam.com, free/busy AvailabilityOnly`},
	{ID: diag.StepUserSettings, Name: "Partner's EWS URL for the mailbox", Status: diag.Skip, Detail: "TargetSharingEpr https://mail.fabrikam.com/EWS/Exchange.asmx is used; Autodiscover is not asked"},
	{ID: diag.StepOrgCertificate, Name: "Organization certificate", Status: diag.Warn, Detail: "CN=contoso", Cause: "certificate expires in 5 days", Fix: "run fedadmin rollover"},
	{ID: diag.StepPartnerRelationship, Name: "Partner's relationship for our domain", Status: diag.Fail, Detail: "inferred from ErrorNoFreeBusyAccess",
		Cause: "the partner has no organization relationship for your domain contoso.com", Fix: "ask the partner's administrator to create one"},
}}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := diag.WriteText(&b, sample, &diag.Report{Test: "Test-FederatedDomainProof", Subject: "contoso.com"}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "report.txt", b.Bytes())
}

func TestReportJSON(t *testing.T) {
	data, err := json.MarshalIndent(sample, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "report.json", append(data, '\n'))
	var back diag.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(sample, &back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
	if got := back.Status(); got != diag.Fail {
		t.Errorf("Status() = %v, want fail", got)
	}
}

package pslist

import "testing"

func TestFormat(t *testing.T) {
	got := Format([]string{"Name", "DomainNames", "Empty"}, map[string]string{"Name": "Fabrikam", "DomainNames": "{fabrikam.com}"})
	want := "Name        : Fabrikam\nDomainNames : {fabrikam.com}\nEmpty       :\n"
	if got != want {
		t.Errorf("Format =\n%q\nwant\n%q", got, want)
	}
}

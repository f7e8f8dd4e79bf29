package federation

import (
	"testing"
	"time"

	"github.com/fedavail/fedavail/autodiscover/autodiscovertest"
	"github.com/fedavail/fedavail/calendar"
)

// TestDomainDirectoryConforms runs the Directory suite on the default
// directory, over a calendar source that keeps calendar.Source's rules.
func TestDomainDirectoryConforms(t *testing.T) {
	var cals calendar.Memory
	cals.SetWorkingHours("alice@fabrikam.com", calendar.DefaultWorkingHours(time.UTC))
	cals.Add("bob@sub.fabrikam.com", calendar.Event{Start: time.Now(), End: time.Now().Add(time.Hour)})
	dir := &domainDirectory{domains: []string{"fabrikam.com", "Sub.Fabrikam.com"}, ewsURL: "https://mail.fabrikam.com/EWS/Exchange.asmx", calendars: &cals}
	err := autodiscovertest.TestDirectory(t.Context(), dir, autodiscovertest.Config{
		Users:        []string{"alice@fabrikam.com", "bob@sub.fabrikam.com"},
		Domains:      []string{"fabrikam.com", "sub.fabrikam.com"},
		UnknownUsers: []string{"nobody@fabrikam.com", "alice@contoso.com", "alice"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

package autodiscovertest_test

import (
	"context"
	"fmt"

	"github.com/fedavail/fedavail/autodiscover/autodiscovertest"
)

func ExampleTestDirectory() {
	dir := newMap("") // any autodiscover.Directory, e.g. an LDAP one
	err := autodiscovertest.TestDirectory(context.Background(), dir, autodiscovertest.Config{
		Users:   []string{"alice@contoso.com"},
		Domains: []string{"contoso.com"},
	})
	fmt.Println("conforms:", err == nil)
	// Output: conforms: true
}

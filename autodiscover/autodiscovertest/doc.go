// Package autodiscovertest checks that an [autodiscover.Directory] keeps the
// rules written in its interface documentation, the way testing/fstest
// checks an fs.FS. The default directory of federation.Handler passes it,
// and every new one (LDAP, a database) should:
//
//	err := autodiscovertest.TestDirectory(t.Context(), dir, autodiscovertest.Config{
//		Users:   []string{"alice@contoso.com"},
//		Domains: []string{"contoso.com"},
//	})
//	if err != nil {
//		t.Fatal(err)
//	}
//
// It checks that known users and domains are found (also written in upper
// case), that unknown ones are [autodiscover.ErrUnknownUser] and
// [autodiscover.ErrUnknownDomain], that moved ones are
// [*autodiscover.MovedError] with the right URL, that LookupUser never
// answers (nil, nil), that a cancelled context never turns a known user
// into an unknown one, and that concurrent lookups agree (run it under
// -race to catch data races too).
package autodiscovertest

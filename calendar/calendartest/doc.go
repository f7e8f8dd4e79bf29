// Package calendartest checks that a [calendar.Source] keeps the rules
// written in its interface documentation, the way testing/fstest checks an
// fs.FS. Every source in fedavail passes it, and every new one (CalDAV,
// Google, a database) should:
//
//	src := &calendar.Memory{MaxEvents: 3}
//	src.Add("alice@example.com", events...) // four or more items
//	err := calendartest.TestSource(t.Context(), src, calendartest.Config{
//		MaxEvents: 3,
//		Mailboxes: []calendartest.Mailbox{{Address: "alice@example.com", Events: events}},
//	})
//	if err != nil {
//		t.Fatal(err)
//	}
//
// The suite asks for many windows around the items it is told about
// (exactly around each item, just before and after, partly over it, the
// whole span, far away) and checks that the answer holds exactly the items
// overlapping [start, end), whole and sorted by start then end, or a
// [*calendar.TooManyEventsError] when the window holds more than the limit.
// It checks that unknown mailboxes are [calendar.ErrMailboxNotFound] from
// both methods, that addresses are compared without regard to case, that a
// cancelled context is an error wrapping context.Canceled, that the caller
// owns the returned slice, and that concurrent calls agree (run it under
// -race to catch data races too).
package calendartest

package ldapdir

import (
	"context"
	"time"

	"github.com/fedavail/fedavail/calendar"
)

// Calendars returns src answering only for mailboxes the directory has:
// others are calendar.ErrMailboxNotFound (the EWS server answers
// ErrorMailRecipientNotFound) before src is asked, and a directory that
// cannot be read fails the mailbox with its error. Use it when the
// calendar store would answer for addresses the directory does not know
// (a CalDAV home template, say).
func (d *Directory) Calendars(src calendar.Source) calendar.Source {
	return &knownOnly{d: d, src: src}
}

type knownOnly struct {
	d   *Directory
	src calendar.Source
}

func (k *knownOnly) check(ctx context.Context, mailbox string) error {
	ok, err := k.d.Exists(ctx, mailbox)
	if err != nil {
		return err
	}
	if !ok {
		return calendar.ErrMailboxNotFound
	}
	return nil
}

func (k *knownOnly) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	if err := k.check(ctx, mailbox); err != nil {
		return nil, err
	}
	return k.src.Events(ctx, mailbox, start, end)
}

func (k *knownOnly) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	if err := k.check(ctx, mailbox); err != nil {
		return nil, err
	}
	return k.src.WorkingHours(ctx, mailbox)
}

package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/fedavail/fedavail/federation/keyring"
)

// RolloverStage is where a certificate rollover stands after a call to
// [Org.Rollover].
type RolloverStage int

// Rollover stages, in order. Each call to Rollover takes one step.
const (
	// RolloverNextInstalled: a next certificate was created and registered
	// at the broker (it may sign at once); the broker still encrypts to the
	// current one. Publish the next certificate's domain proofs, make the
	// organization's servers load it ([Org.Reload]), then call Rollover
	// again.
	RolloverNextInstalled RolloverStage = iota + 1
	// RolloverSwitched: the next certificate is current, locally and at the
	// broker; the previous one still decrypts tokens issued before the
	// switch and the broker still accepts its signatures. Call Rollover
	// again once tokens issued before the switch have expired (8 hours at
	// most) to finish.
	RolloverSwitched
	// RolloverFinished: the previous certificate is forgotten, locally and
	// at the broker. The next call starts a new rollover.
	RolloverFinished
)

func (s RolloverStage) String() string {
	switch s {
	case RolloverNextInstalled:
		return "next certificate installed"
	case RolloverSwitched:
		return "switched to the new certificate"
	case RolloverFinished:
		return "rollover finished"
	}
	return fmt.Sprintf("RolloverStage(%d)", int(s))
}

// Rollover takes the next step of a certificate rollover, as
// Set-FederationTrust -Thumbprint (install the next certificate) and then
// -PublishFederationCertificate (make it current) do in Exchange; see
// [RolloverStage]. No request fails during the switch: the local ring
// switches first, so new requests are signed with a key the broker already
// accepts and the previous key stays to decrypt tokens already issued; then
// the broker switches, still accepting the previous key's signatures.
// Every step is persisted before the next; a crashed step is finished by
// calling Rollover again. With no trust yet, the certificates switch locally
// in one call.
func (o *Org) Rollover(ctx context.Context, opts CertificateOptions) (RolloverStage, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.ready(false)
	if err != nil {
		return 0, err
	}
	switch {
	case s.Installing:
		return o.rolloverInstall(ctx, s)
	case s.Switching:
		return o.rolloverPublish(ctx, s)
	case s.Finishing:
		return o.rolloverForget(ctx, s)
	case s.Next != "":
		return o.rolloverSwitch(ctx, s)
	case s.Previous != "":
		return o.rolloverFinish(ctx, s)
	}
	return o.rolloverStart(ctx, s, opts)
}

func (o *Org) rolloverStart(ctx context.Context, s *state, opts CertificateOptions) (RolloverStage, error) {
	if opts.CommonName == "" {
		opts.CommonName = o.ring.Current().Cert.Subject.CommonName
	}
	p, err := o.newPair(opts)
	if err != nil {
		return 0, err
	}
	thumb, err := o.savePair(p)
	if err != nil {
		return 0, err
	}
	s.Next, s.Installing = thumb, s.Trust != nil
	if err := o.saveState(s); err != nil {
		return 0, err
	}
	if err := o.ring.SetNext(p); err != nil {
		return 0, err
	}
	o.log.InfoContext(ctx, "admin: next certificate installed", "thumbprint", thumb)
	if s.Trust == nil {
		return o.rolloverSwitch(ctx, s)
	}
	return o.rolloverInstall(ctx, s)
}

func (o *Org) rolloverSwitch(ctx context.Context, s *state) (RolloverStage, error) {
	set := o.ring.Snapshot()
	if s.Trust != nil {
		// The broker must know the next certificate (the first step may
		// have crashed before telling it), and every domain must stay
		// proven once it is current.
		if err := o.updateBroker(ctx, s); err != nil {
			return 0, err
		}
		for _, d := range s.Trust.Domains {
			if err := o.checkProof(ctx, d, []keyring.Pair{*set.Next}, ""); err != nil {
				return 0, err
			}
		}
	}
	s.Previous, s.Current, s.Next = s.Current, s.Next, ""
	s.Switching, s.SwitchedAt = s.Trust != nil, o.now()
	if err := o.saveState(s); err != nil {
		return 0, err
	}
	if err := o.ring.Promote(); err != nil {
		return 0, err
	}
	o.log.InfoContext(ctx, "admin: certificate switched locally", "current", s.Current)
	if s.Trust == nil {
		return RolloverSwitched, nil
	}
	return o.rolloverPublish(ctx, s)
}

func (o *Org) rolloverFinish(ctx context.Context, s *state) (RolloverStage, error) {
	prev := s.Previous
	s.Previous, s.Finishing = "", s.Trust != nil
	if err := o.saveState(s); err != nil {
		return 0, err
	}
	o.ring.DropPrevious()
	o.log.InfoContext(ctx, "admin: previous certificate dropped", "thumbprint", prev)
	if s.Trust == nil {
		return RolloverFinished, nil
	}
	return o.rolloverForget(ctx, s)
}

// updateBroker registers the ring's current certificates and the domains.
func (o *Org) updateBroker(ctx context.Context, s *state) error {
	reg := registration(o.ring.Snapshot(), s.Trust.ApplicationURI, s.Trust.Domains)
	if _, err := o.regClient(s.Trust).Update(ctx, reg); err != nil {
		return o.brokerErr(err, s.Trust)
	}
	return nil
}

// rolloverInstall registers the next certificate at the broker.
func (o *Org) rolloverInstall(ctx context.Context, s *state) (RolloverStage, error) {
	return o.brokerHalf(ctx, s, &s.Installing, RolloverNextInstalled, "admin: next certificate registered at the broker")
}

// rolloverPublish makes the broker encrypt to the new current certificate,
// keeping the previous one registered for signatures in flight.
func (o *Org) rolloverPublish(ctx context.Context, s *state) (RolloverStage, error) {
	return o.brokerHalf(ctx, s, &s.Switching, RolloverSwitched, "admin: certificate switched at the broker")
}

// rolloverForget makes the broker forget the previous certificate. It was
// dropped locally first: until the broker has heard, it accepts a key
// nobody signs with any more, never refuses one in use.
func (o *Org) rolloverForget(ctx context.Context, s *state) (RolloverStage, error) {
	return o.brokerHalf(ctx, s, &s.Finishing, RolloverFinished, "admin: previous certificate removed at the broker")
}

// brokerHalf does the broker's half of a rollover step whose local half is
// persisted with *pending set: it updates the registration, then clears
// *pending. A crash before the end leaves *pending set, and the next call
// to Rollover comes back here.
func (o *Org) brokerHalf(ctx context.Context, s *state, pending *bool, done RolloverStage, msg string) (RolloverStage, error) {
	if err := o.updateBroker(ctx, s); err != nil {
		return 0, err
	}
	*pending = false
	if err := o.saveState(s); err != nil {
		return 0, err
	}
	o.log.InfoContext(ctx, msg, "current", s.Current)
	return done, nil
}

// RolloverWait is how long after a rollover's switch the previous
// certificate must stay: the longest a delegation token encrypted to it
// lives (tokens are issued for at most eight hours).
const RolloverWait = 8 * time.Hour

// FinishAfter returns when the pending rollover may finish: RolloverWait
// after its switch. ok is false when the next call to Rollover would not
// finish one (no rollover, or one not yet switched).
func (o *Org) FinishAfter() (t time.Time, ok bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.loadState()
	if err != nil {
		return time.Time{}, false, err
	}
	if s.Previous == "" || s.Next != "" || s.Installing || s.Switching || s.Finishing {
		return time.Time{}, false, nil
	}
	return s.SwitchedAt.Add(RolloverWait), true, nil
}

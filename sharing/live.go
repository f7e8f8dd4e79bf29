package sharing

import (
	"context"
	"sync/atomic"

	"github.com/fedavail/fedavail"
)

// LivePolicy holds the policy in force and replaces it atomically. Each question
// is answered from one [Policy], so a request in flight during a reload
// sees the old configuration or the new one, never a mix; a configuration
// that does not validate leaves the old one in force. LivePolicy implements
// [fedavail.AccessPolicy] and is safe for concurrent use.
type LivePolicy struct {
	opts Options
	cur  atomic.Pointer[Policy]
}

var _ fedavail.AccessPolicy = (*LivePolicy)(nil)

// NewLivePolicy returns a LivePolicy holding the policy cfg describes.
func NewLivePolicy(cfg Config, opts *Options) (*LivePolicy, error) {
	s := &LivePolicy{}
	if opts != nil {
		s.opts = *opts
	}
	if err := s.Replace(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Policy returns the policy in force. Use one Policy for all the questions
// of one request.
func (s *LivePolicy) Policy() *Policy { return s.cur.Load() }

// Replace validates cfg and puts it in force. On error the old policy stays.
func (s *LivePolicy) Replace(cfg Config) error {
	p, err := New(cfg, &s.opts)
	if err != nil {
		return err
	}
	s.cur.Store(p)
	p.log.Info("sharing: configuration in force",
		"relationships", len(cfg.OrganizationRelationships),
		"sharing_policies", len(cfg.SharingPolicies),
		"mailboxes", len(cfg.Mailboxes))
	return nil
}

// ReloadFile reads a JSON configuration file and puts it in force. On error
// (unreadable file, bad JSON, invalid configuration) the old policy stays.
func (s *LivePolicy) ReloadFile(path string) error {
	cfg, err := LoadFile(path)
	if err != nil {
		return err
	}
	return s.Replace(cfg)
}

// Access implements [fedavail.AccessPolicy] with the policy in force.
func (s *LivePolicy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	return s.Policy().Access(ctx, req, mailbox)
}

// Explain is [Policy.Explain] with the policy in force.
func (s *LivePolicy) Explain(ctx context.Context, req fedavail.Requester, mailbox string) Decision {
	return s.Policy().Explain(ctx, req, mailbox)
}

// RelationshipFor is [Policy.RelationshipFor] with the policy in force.
func (s *LivePolicy) RelationshipFor(domain string) (OrganizationRelationship, error) {
	return s.Policy().RelationshipFor(domain)
}

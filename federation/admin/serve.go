package admin

import (
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/sharing"
)

// ClientConfig returns the configuration of a [federation.NewClient] that
// asks partners as this organization: its application URI, its key ring
// (live: a rollover reaches the client without a restart), its federated
// domains, the trust broker's metadata URL, and the Options' HTTP client,
// resolver, logger and clock. Relationships is a *sharing.LivePolicy loaded from
// [Org.SharingFile]; give your own ([Org.LivePolicy]) instead to
// reload it when relationships change. Over a ManageDelegation2 trust users
// are named as on-premises Exchange names them to the gateway
// (wstrust.ImmutableIDs with the derived default; set Identity to use a
// directory's immutable ids). It needs the trust.
func (o *Org) ClientConfig() (federation.Config, error) {
	s, store, err := o.serveState()
	if err != nil {
		return federation.Config{}, err
	}
	var identity wstrust.IdentityFunc
	if isGateway(s.Trust.Protocol) {
		identity = wstrust.ImmutableIDs(s.Trust.ApplicationURI, nil)
	}
	return federation.Config{
		ApplicationURI: s.Trust.ApplicationURI,
		Identity:       identity,
		Keys:           o.Keys(),
		Domains:        append([]string(nil), s.Trust.Domains...),
		Broker:         federation.TrustBroker{MetadataURL: s.Trust.TokenIssuerMetadataEpr},
		Relationships:  store,
		HTTPClient:     o.opts.HTTPClient,
		Resolver:       o.srvResolver(),
		Logger:         o.opts.Logger,
		Now:            o.opts.Now,
	}, nil
}

// HandlerConfig returns the configuration of a [federation.NewHandler] that
// answers partners for this organization, like ClientConfig's. Policy is a
// *sharing.LivePolicy loaded from [Org.SharingFile] (replace it as for
// ClientConfig); the caller adds Calendars and EWSURL, which the state
// directory does not know. Domains are the federated domains when it is
// called: after AddDomain or RemoveDomain, make a new handler.
func (o *Org) HandlerConfig() (federation.HandlerConfig, error) {
	s, store, err := o.serveState()
	if err != nil {
		return federation.HandlerConfig{}, err
	}
	return federation.HandlerConfig{
		ApplicationURI: s.Trust.ApplicationURI,
		Keys:           o.Keys(),
		Domains:        append([]string(nil), s.Trust.Domains...),
		Broker:         federation.TrustBroker{MetadataURL: s.Trust.TokenIssuerMetadataEpr},
		Policy:         store,
		HTTPClient:     o.opts.HTTPClient,
		Logger:         o.opts.Logger,
		Now:            o.opts.Now,
	}, nil
}

// LivePolicy returns a sharing.LivePolicy holding the relationships of
// [Org.SharingFile]. A server reloads it with
// live.ReloadFile(org.SharingFile()) after relationships change.
func (o *Org) LivePolicy() (*sharing.LivePolicy, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.livePolicy()
}

// serveState returns the state and a live sharing policy for the configurations,
// once a trust exists.
func (o *Org) serveState() (*state, *sharing.LivePolicy, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.ready(true)
	if err != nil {
		return nil, nil, err
	}
	store, err := o.livePolicy()
	return s, store, err
}

func (o *Org) livePolicy() (*sharing.LivePolicy, error) {
	cfg, err := o.loadSharing()
	if err != nil {
		return nil, err
	}
	store, err := sharing.NewLivePolicy(cfg, &sharing.Options{Logger: o.opts.Logger})
	if err != nil {
		return nil, fail(ErrInvalid, err, o.SharingFile()+" is not valid", "correct the file by hand or restore it")
	}
	return store, nil
}

// srvResolver is Options.Resolver for Autodiscover's SRV look-ups, if it
// can make them (a *net.Resolver can); nil means the system resolver.
func (o *Org) srvResolver() autodiscover.Resolver {
	r, _ := o.opts.Resolver.(autodiscover.Resolver)
	return r
}

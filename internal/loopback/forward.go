// Package loopback moved to fedtest/loopback, where users can test their own
// integrations with it. This forwarder keeps imports written on other
// branches building while they are merged; import fedtest/loopback instead.
//
// Deprecated: use github.com/fedavail/fedavail/fedtest/loopback.
package loopback

import "github.com/fedavail/fedavail/fedtest/loopback"

// BrokerURI is loopback.BrokerURI.
const BrokerURI = loopback.BrokerURI

type (
	// World is loopback.World.
	World = loopback.World
	// Org is loopback.Org.
	Org = loopback.Org
	// OrgOptions is loopback.OrgOptions.
	OrgOptions = loopback.OrgOptions
)

// Forwarded functions.
var (
	New          = loopback.New
	Start        = loopback.Start
	Relationship = loopback.Relationship
)

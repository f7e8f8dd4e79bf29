package admin

// SetEnabled turns federation off or on through the organization
// identifier, as Set-FederatedOrganizationIdentifier -Enabled does, without
// de-federating: the trust, the registration, the domains and the
// relationships stay, so turning it on again needs no DNS change or partner
// action.
//
// What "off" means is Exchange's: the organization's own users get no
// delegation token, so it asks partners nothing (Exchange refuses with
// FederatedOrganizationIdNotEnabled when it looks the identifier up for a
// user, ADUser.LookupFederatedOrganizationId). Partners' requests are still
// answered, as Exchange answers them; to stop those, disable the
// relationships (relationship set NAME -enabled false).
func (o *Org) SetEnabled(enabled bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.ready(true)
	if err != nil {
		return err
	}
	s.Trust.Disabled = !enabled
	return o.saveState(s)
}

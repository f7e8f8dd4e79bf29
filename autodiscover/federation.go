package autodiscover

import (
	"context"
	"strings"
)

// FederationInformation is what an organization publishes about its
// federation trust: what Exchange's Get-FederationInformation shows.
type FederationInformation struct {
	// ApplicationURI identifies the organization to the trust broker: the
	// audience of delegation tokens for it (TokenRequest.Audience) and an
	// organization relationship's TargetApplicationUri. Often not an absolute
	// URI ("FYDIBOHF25SPDLT.fabrikam.com", "outlook.com").
	ApplicationURI string
	// Domains are the organization's federated domains.
	Domains []string
	// TokenIssuers are the trust brokers the organization accepts tokens from.
	TokenIssuers []TokenIssuer
	// Endpoint is the Autodiscover endpoint that answered.
	Endpoint string
}

// TokenIssuer is a trust broker (security token service).
type TokenIssuer struct {
	// URI is the broker's identity, e.g. "urn:federation:MicrosoftOnline".
	URI string
	// Endpoint is its WS-Trust endpoint, e.g. "https://login.microsoftonline.com/extSTS.srf".
	Endpoint string
}

// GetFederationInformation asks domain's Autodiscover service, anonymously,
// for the organization's federation information. Endpoints are tried in
// [MS-OXWSADISC]'s order for this operation (autodiscover.DOMAIN before
// DOMAIN), then the HTTP redirect method and SRV. Answers are cached per
// domain. A domain that is not federated gives an *Error with code
// NotFederated or InvalidDomain.
func (c *Client) GetFederationInformation(ctx context.Context, domain string) (*FederationInformation, error) {
	c.init()
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil, err
	}
	return c.fedinfo.do(ctx, d, true, func() (*FederationInformation, error) {
		var out *FederationInformation
		err := c.withEndpoint(ctx, d, soapPath, autodiscoverFirst, c.newHops(), func(ep string, h *hops) (string, error) {
			var resp getFederationInformationResponse
			got, err := c.post(ctx, h, anonymous, ep, opGetFederationInformation, &getFederationInformationRequest{Domain: d}, &resp)
			if err != nil {
				return got, err
			}
			r := &resp.Response
			if err := codeError(r.ErrorCode, r.ErrorMessage, d); err != nil {
				return got, err
			}
			out = federationInformation(r)
			out.Endpoint = got
			return got, nil
		})
		return out, err
	})
}

func federationInformation(r *federationInformationXML) *FederationInformation {
	fi := &FederationInformation{ApplicationURI: strings.TrimSpace(r.ApplicationURI)}
	for _, d := range r.Domains {
		if d = strings.TrimSpace(d); d != "" {
			fi.Domains = append(fi.Domains, d)
		}
	}
	for _, t := range r.TokenIssuers {
		fi.TokenIssuers = append(fi.TokenIssuers, TokenIssuer{URI: strings.TrimSpace(t.URI), Endpoint: strings.TrimSpace(t.Endpoint)})
	}
	return fi
}

package autodiscover

// SettingType is the WCF type of a setting (its i:type).
type SettingType string

// Setting types.
const (
	StringSetting                            SettingType = "StringSetting"
	WebClientURLCollectionSetting            SettingType = "WebClientUrlCollectionSetting"
	AlternateMailboxCollectionSetting        SettingType = "AlternateMailboxCollectionSetting"
	ProtocolConnectionCollectionSetting      SettingType = "ProtocolConnectionCollectionSetting"
	DocumentSharingLocationCollectionSetting SettingType = "DocumentSharingLocationCollectionSetting"
	DomainStringSetting                      SettingType = "DomainStringSetting"
)

// Setting names fedavail itself asks for. Any name the server knows may be
// requested; [KnownUserSettings] lists them.
const (
	ExternalEwsURL      = "ExternalEwsUrl"
	ExternalEwsVersion  = "ExternalEwsVersion"
	InternalEwsURL      = "InternalEwsUrl"
	UserDisplayName     = "UserDisplayName"
	UserDeploymentID    = "UserDeploymentId"
	CasVersion          = "CasVersion"
	EwsSupportedSchemas = "EwsSupportedSchemas"
)

// Setting is one user or domain setting. A string setting has Value; a
// collection setting has the slice its Type names. Decoding keeps whichever
// parts the server sent, so an unexpected combination loses nothing.
type Setting struct {
	// Name is the setting's name, e.g. "ExternalEwsUrl".
	Name string
	// Type is the server's i:type; empty when the server sent none. On the
	// server side an empty Type is inferred from which field is set.
	Type SettingType
	// Value is a string setting's value.
	Value string
	// WebClientURLs is a WebClientUrlCollectionSetting's value.
	WebClientURLs []WebClientURL
	// AlternateMailboxes is an AlternateMailboxCollectionSetting's value.
	AlternateMailboxes []AlternateMailbox
	// ProtocolConnections is a ProtocolConnectionCollectionSetting's value.
	ProtocolConnections []ProtocolConnection
	// DocumentSharingLocations is a DocumentSharingLocationCollectionSetting's value.
	DocumentSharingLocations []DocumentSharingLocation
}

// kind is Type, or the type the set field implies.
func (s *Setting) kind(domain bool) SettingType {
	switch {
	case s.Type != "":
		return s.Type
	case s.WebClientURLs != nil:
		return WebClientURLCollectionSetting
	case s.AlternateMailboxes != nil:
		return AlternateMailboxCollectionSetting
	case s.ProtocolConnections != nil:
		return ProtocolConnectionCollectionSetting
	case s.DocumentSharingLocations != nil:
		return DocumentSharingLocationCollectionSetting
	case domain:
		return DomainStringSetting
	}
	return StringSetting
}

// WebClientURL is an Outlook Web App URL and how it authenticates.
type WebClientURL struct {
	AuthenticationMethods string `xml:"AuthenticationMethods"`
	URL                   string `xml:"Url"`
}

// AlternateMailbox is an archive or delegate mailbox of the user.
type AlternateMailbox struct {
	Type             string `xml:"Type"`
	DisplayName      string `xml:"DisplayName"`
	LegacyDN         string `xml:"LegacyDN"`
	Server           string `xml:"Server"`
	SMTPAddress      string `xml:"SmtpAddress"`
	OwnerSMTPAddress string `xml:"OwnerSmtpAddress"`
}

// ProtocolConnection is a POP, IMAP or SMTP connection setting.
type ProtocolConnection struct {
	EncryptionMethod string `xml:"EncryptionMethod"`
	Hostname         string `xml:"Hostname"`
	Port             int    `xml:"Port"`
}

// DocumentSharingLocation is a SharePoint location where the user shares documents.
type DocumentSharingLocation struct {
	ServiceURL              string   `xml:"ServiceUrl"`
	LocationURL             string   `xml:"LocationUrl"`
	DisplayName             string   `xml:"DisplayName"`
	SupportedFileExtensions []string `xml:"SupportedFileExtensions>FileExtension"`
	ExternalAccessAllowed   bool     `xml:"ExternalAccessAllowed"`
	AnonymousAccessAllowed  bool     `xml:"AnonymousAccessAllowed"`
	CanModifyPermissions    bool     `xml:"CanModifyPermissions"`
	IsDefault               bool     `xml:"IsDefault"`
}

// Settings are the settings of one answer, in the server's order.
type Settings []Setting

// Lookup returns the setting with the given name.
func (ss Settings) Lookup(name string) (*Setting, bool) {
	for i := range ss {
		if ss[i].Name == name {
			return &ss[i], true
		}
	}
	return nil, false
}

// Value returns the value of a string setting, or "".
func (ss Settings) Value(name string) string {
	if s, ok := ss.Lookup(name); ok {
		return s.Value
	}
	return ""
}

// UserResponse is the answer for one mailbox of a GetUserSettings request.
type UserResponse struct {
	// Mailbox is the address that was asked for.
	Mailbox string
	// Err is the per-user error (an *Error, e.g. InvalidUser), or nil. Redirects
	// are followed, so RedirectAddress and RedirectUrl only appear here when
	// following them failed, wrapped in a *RedirectError.
	Err error
	// RedirectedTo is the last address the answer was redirected to, if any.
	RedirectedTo string
	// Settings are the settings returned.
	Settings Settings
	// SettingErrors are the settings the server could not return.
	SettingErrors []*SettingError
	// Endpoint is the Autodiscover endpoint that answered.
	Endpoint string
}

// DomainResponse is the answer for one domain of a GetDomainSettings request.
type DomainResponse struct {
	// Domain is the domain that was asked for.
	Domain string
	// Err is the per-domain error (an *Error), or nil. RedirectUrl answers
	// are followed, so they only appear here when following them failed,
	// wrapped in a *RedirectError.
	Err error
	// RedirectedTo is the last endpoint a RedirectUrl answer sent the domain
	// to, if any (also when following it failed).
	RedirectedTo string
	// Settings are the settings returned.
	Settings Settings
	// SettingErrors are the settings the server could not return.
	SettingErrors []*SettingError
	// Endpoint is the Autodiscover endpoint that answered.
	Endpoint string
}

// IsKnownUserSetting reports whether name is a user setting name Exchange
// defines ([MS-OXWSADISC] UserSettingName, matched exactly). [Handler] answers
// InvalidSetting for other names and SettingIsNotAvailable for known names the
// user has no value for.
func IsKnownUserSetting(name string) bool { return knownUserSettings[name] }

// IsKnownDomainSetting is [IsKnownUserSetting] for domain settings
// ([MS-OXWSADISC] DomainSettingName).
func IsKnownDomainSetting(name string) bool {
	return name == ExternalEwsURL || name == ExternalEwsVersion
}

var knownUserSettings = setOf(
	"UserDisplayName", "UserDN", "UserDeploymentId", "InternalMailboxServer", "InternalRpcClientServer",
	"InternalMailboxServerDN", "InternalWebClientUrls", "InternalEwsUrl", "InternalEmwsUrl", "InternalOABUrl",
	"InternalUMUrl", "InternalServerExclusiveConnect", "ExternalMailboxServer", "ExternalMailboxServerRequiresSSL",
	"ExternalMailboxServerAuthenticationMethods", "EcpVoicemailUrlFragment", "EcpEmailSubscriptionsUrlFragment",
	"EcpTextMessagingUrlFragment", "EcpDeliveryReportUrlFragment", "EcpRetentionPolicyTagsUrlFragment",
	"EcpPublishingUrlFragment", "EcpPhotoUrlFragment", "EcpConnectUrlFragment", "EcpTeamMailboxUrlFragment",
	"EcpTeamMailboxCreatingUrlFragment", "EcpTeamMailboxEditingUrlFragment", "EcpTeamMailboxHidingUrlFragment",
	"EcpExtensionInstallationUrlFragment", "ExternalEwsUrl", "ExternalEmwsUrl", "ExternalOABUrl", "ExternalUMUrl",
	"ExternalWebClientUrls", "CrossOrganizationSharingEnabled", "AlternateMailboxes", "CasVersion",
	"EwsSupportedSchemas", "InternalPop3Connections", "ExternalPop3Connections", "InternalImap4Connections",
	"ExternalImap4Connections", "InternalSmtpConnections", "ExternalSmtpConnections", "InternalServerExclusiveConnect",
	"ExternalEwsVersion", "MobileMailboxPolicy", "DocumentSharingLocations", "UserMSOnline", "InternalMailboxServerAuthenticationMethods",
	"MailboxVersion", "SPMySiteHostURL", "SiteMailboxCreationURL", "InternalRpcHttpServer", "InternalRpcHttpConnectivityRequiresSsl",
	"InternalRpcHttpAuthenticationMethod", "ExternalServerExclusiveConnect", "ExchangeRpcUrl", "ShowGalAsDefaultView",
	"AutoDiscoverSMTPAddress", "InteropExternalEwsUrl", "InteropExternalEwsVersion", "PublicFolderInformation",
	"RedirectUrl", "EwsPartnerUrl", "CertPrincipalName", "GroupingInformation", "MapiHttpEnabled", "MapiHttpVersion",
	"ActiveDirectoryServer", "MailboxDN", "ExternalMailboxServerDN", "PublicFolderServer",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

package ews

// ResponseCode is an EWS response code (m:ResponseCodeType). It is a string
// type so that codes this package does not list still decode.
type ResponseCode string

// Response codes of GetUserAvailability, from the EWS schema's
// ResponseCodeType and Exchange's documentation of the availability service.
const (
	NoError ResponseCode = "NoError"

	// Per mailbox: access and existence.
	ErrorNoFreeBusyAccess                       ResponseCode = "ErrorNoFreeBusyAccess"
	ErrorMailRecipientNotFound                  ResponseCode = "ErrorMailRecipientNotFound"
	ErrorRecipientNotFound                      ResponseCode = "ErrorRecipientNotFound"
	ErrorNonExistentMailbox                     ResponseCode = "ErrorNonExistentMailbox"
	ErrorInvalidMailbox                         ResponseCode = "ErrorInvalidMailbox"
	ErrorInvalidAccessLevel                     ResponseCode = "ErrorInvalidAccessLevel"
	ErrorIndividualMailboxLimit                 ResponseCode = "ErrorIndividualMailboxLimitReached"
	ErrorMailboxLogonFailed                     ResponseCode = "ErrorMailboxLogonFailed"
	ErrorMailboxStoreUnavailable                ResponseCode = "ErrorMailboxStoreUnavailable"
	ErrorMailboxFailover                        ResponseCode = "ErrorMailboxFailover"
	ErrorMailboxMoveInProgress                  ResponseCode = "ErrorMailboxMoveInProgress"
	ErrorMailboxConfiguration                   ResponseCode = "ErrorMailboxConfiguration"
	ErrorNameResolutionNoMailbox                ResponseCode = "ErrorNameResolutionNoMailbox"
	ErrorMultiLegacyMailboxAccess               ResponseCode = "ErrorMultiLegacyMailboxAccess"
	ErrorLegacyMailboxFreeBusyViewTypeNotMerged ResponseCode = "ErrorLegacyMailboxFreeBusyViewTypeNotMerged"

	// Per mailbox or request: generation.
	ErrorFreeBusyGenerationFailed          ResponseCode = "ErrorFreeBusyGenerationFailed"
	ErrorMeetingSuggestionGenerationFailed ResponseCode = "ErrorMeetingSuggestionGenerationFailed"
	ErrorFreeBusyDLLimitReached            ResponseCode = "ErrorFreeBusyDLLimitReached"
	ErrorTimeoutExpired                    ResponseCode = "ErrorTimeoutExpired"
	// ErrorResultSetTooBig is Exchange's per-mailbox answer for a window
	// holding more items than it returns (ResultSetTooBigException, 5006),
	// and fedavail's for a mailbox or suggestions past the answer size cap.
	ErrorResultSetTooBig ResponseCode = "ErrorResultSetTooBig"

	// Request validation.
	ErrorMailboxDataArrayEmpty          ResponseCode = "ErrorMailboxDataArrayEmpty"
	ErrorMailboxDataArrayTooBig         ResponseCode = "ErrorMailboxDataArrayTooBig"
	ErrorInvalidMergedFreeBusyInterval  ResponseCode = "ErrorInvalidMergedFreeBusyInterval"
	ErrorInvalidFreeBusyViewType        ResponseCode = "ErrorInvalidFreeBusyViewType"
	ErrorInvalidTimeInterval            ResponseCode = "ErrorInvalidTimeInterval"
	ErrorTimeIntervalTooBig             ResponseCode = "ErrorTimeIntervalTooBig"
	ErrorTimeZone                       ResponseCode = "ErrorTimeZone"
	ErrorInvalidRequest                 ResponseCode = "ErrorInvalidRequest"
	ErrorSchemaValidation               ResponseCode = "ErrorSchemaValidation"
	ErrorInvalidSchemaVersionForMailbox ResponseCode = "ErrorInvalidSchemaVersionForMailboxVersion"

	// Federation and cross-organization.
	ErrorInvalidOrganizationRelationshipForFreeBusy ResponseCode = "ErrorInvalidOrganizationRelationshipForFreeBusy"
	ErrorOrganizationNotFederated                   ResponseCode = "ErrorOrganizationNotFederated"
	ErrorUserWithoutFederatedProxyAddress           ResponseCode = "ErrorUserWithoutFederatedProxyAddress"
	ErrorInvalidFederatedOrganizationID             ResponseCode = "ErrorInvalidFederatedOrganizationId"
	ErrorOrganizationAccessBlocked                  ResponseCode = "ErrorOrganizationAccessBlocked"
	ErrorSharingNoExternalEwsAvailable              ResponseCode = "ErrorSharingNoExternalEwsAvailable"

	// Proxying and topology.
	ErrorProxyRequestNotAllowed                    ResponseCode = "ErrorProxyRequestNotAllowed"
	ErrorProxyRequestProcessingFailed              ResponseCode = "ErrorProxyRequestProcessingFailed"
	ErrorProxyCallFailed                           ResponseCode = "ErrorProxyCallFailed"
	ErrorProxyServiceDiscoveryFailed               ResponseCode = "ErrorProxyServiceDiscoveryFailed"
	ErrorProxyTokenExpired                         ResponseCode = "ErrorProxyTokenExpired"
	ErrorProxyGroupSidLimitExceeded                ResponseCode = "ErrorProxyGroupSidLimitExceeded"
	ErrorInvalidProxySecurityContext               ResponseCode = "ErrorInvalidProxySecurityContext"
	ErrorAvailabilityConfigNotFound                ResponseCode = "ErrorAvailabilityConfigNotFound"
	ErrorServiceDiscoveryFailed                    ResponseCode = "ErrorServiceDiscoveryFailed"
	ErrorNoRespondingCASInDestinationSite          ResponseCode = "ErrorNoRespondingCASInDestinationSite"
	ErrorNoApplicableProxyCASServersAvailable      ResponseCode = "ErrorNoApplicableProxyCASServersAvailable"
	ErrorNoDestinationCASDueToVersionMismatch      ResponseCode = "ErrorNoDestinationCASDueToVersionMismatch"
	ErrorNoDestinationCASDueToSSLRequirements      ResponseCode = "ErrorNoDestinationCASDueToSSLRequirements"
	ErrorNoDestinationCASDueToKerberosRequirements ResponseCode = "ErrorNoDestinationCASDueToKerberosRequirements"
	ErrorInvalidInternetWebProxyOnLocalServer      ResponseCode = "ErrorInvalidInternetWebProxyOnLocalServer"
	ErrorADUnavailable                             ResponseCode = "ErrorADUnavailable"
	ErrorConnectionFailed                          ResponseCode = "ErrorConnectionFailed"

	// Throttling: ErrorServerBusy carries BackOffMilliseconds in MessageXml.
	ErrorServerBusy              ResponseCode = "ErrorServerBusy"
	ErrorExceededConnectionCount ResponseCode = "ErrorExceededConnectionCount"

	// Authorization inside a well-formed request.
	ErrorAccessDenied ResponseCode = "ErrorAccessDenied"
)

// Asks an EWS server for free/busy with ews-javascript-api, a port of
// Microsoft's EWS Managed API, the way an Exchange client library does,
// and prints what the library understood as JSON. Run by the Go interop
// tests; settings come from the environment:
//   EWS_URL, EWS_USER, EWS_PASSWORD, EWS_ATTENDEES (comma-separated),
//   EWS_START, EWS_END (ISO 8601), EWS_VIEW (FreeBusy, Detailed, …),
//   EWS_VERSION (Exchange2010_SP1, Exchange2013, …; default Exchange2013).
// NODE_EXTRA_CA_CERTS names the test CA.
'use strict';
const ews = require('ews-javascript-api');

async function main() {
  const env = process.env;
  const version = ews.ExchangeVersion[env.EWS_VERSION || 'Exchange2013'];
  const service = new ews.ExchangeService(version, ews.TimeZoneInfo.Utc);
  service.Credentials = new ews.WebCredentials(env.EWS_USER, env.EWS_PASSWORD);
  service.Url = new ews.Uri(env.EWS_URL);
  const attendees = env.EWS_ATTENDEES.split(',').map((a) => new ews.AttendeeInfo(a));
  const window = new ews.TimeWindow(ews.DateTime.Parse(env.EWS_START), ews.DateTime.Parse(env.EWS_END));
  const options = new ews.AvailabilityOptions();
  options.RequestedFreeBusyView = ews.FreeBusyViewType[env.EWS_VIEW || 'DetailedMerged'];
  options.MergedFreeBusyInterval = 60;
  const res = await service.GetUserAvailability(attendees, window, ews.AvailabilityData.FreeBusy, options);
  const out = [];
  res.AttendeesAvailability.Responses.forEach((a, i) => {
    out.push({
      attendee: attendees[i].SmtpAddress,
      error: ews.ServiceError[a.ErrorCode],
      view: ews.FreeBusyViewType[a.ViewType],
      merged: (a.MergedFreeBusyStatus || []).map((s) => ews.LegacyFreeBusyStatus[s]),
      events: (a.CalendarEvents || []).map((e) => ({
        start: e.StartTime.ToISOString(),
        end: e.EndTime.ToISOString(),
        status: ews.LegacyFreeBusyStatus[e.FreeBusyStatus],
        subject: e.Details ? e.Details.Subject : null,
        private: e.Details ? e.Details.IsPrivate : null,
      })),
    });
  });
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write('ews-javascript-api: ' + (err && (err.stack || err.message || JSON.stringify(err))) + '\n');
  process.exit(1);
});

/** Sample reports shaped like real MTAs' output, shared by the unit tests and the webhook integration tests. */
export function sampleDsn(options: {
  recipient: string;
  status: string;
  diagnostic: string;
  token?: string;
  action?: string;
}): string {
  const headerLine = options.token ? `X-Cairn-Tracking: ${options.token}\r\n` : '';
  return [
    'From: MAILER-DAEMON@mx.example.net',
    'To: bounces@cairn.example',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="B0UND"',
    '',
    '--B0UND',
    'Content-Type: text/plain',
    '',
    'I could not deliver your message.',
    '',
    '--B0UND',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Mon, 23 Nov 2026 06:00:00 +0000',
    '',
    `Final-Recipient: rfc822; ${options.recipient}`,
    `Action: ${options.action ?? 'failed'}`,
    `Status: ${options.status}`,
    `Diagnostic-Code: smtp; ${options.diagnostic}`,
    '',
    '--B0UND',
    'Content-Type: text/rfc822-headers',
    '',
    `From: news@cairn.example\r\nTo: ${options.recipient}\r\n${headerLine}Subject: Hello`,
    '',
    '--B0UND--',
    '',
  ].join('\r\n');
}

export function sampleArf(options: { recipient: string; token?: string; feedbackType?: string }): string {
  const headerLine = options.token ? `X-Cairn-Tracking: ${options.token}\n` : '';
  return [
    'From: fbl@isp.example',
    'Subject: FW: Hello',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="part1_13d.2e68ed54"',
    '',
    '--part1_13d.2e68ed54',
    'Content-Type: text/plain; charset="US-ASCII"',
    '',
    'This is an email abuse report.',
    '',
    '--part1_13d.2e68ed54',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${options.feedbackType ?? 'abuse'}`,
    'User-Agent: SomeGenerator/1.0',
    'Version: 1',
    `Original-Rcpt-To: <${options.recipient}>`,
    'Reporting-MTA: dns; mail.isp.example',
    '',
    '--part1_13d.2e68ed54',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    `From: news@cairn.example\nTo: ${options.recipient}\n${headerLine}Subject: Hello\n\nbody`,
    '--part1_13d.2e68ed54--',
    '',
  ].join('\n');
}

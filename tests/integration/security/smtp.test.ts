/**
 * Fault matrix, SMTP: a server that offers no STARTTLS (or a stripper that removed it) never receives
 * the credentials or the report; plaintext only by the explicit opt-out, which is announced.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { loadReportsConfig } from '../../../reports/config';
import { smtpSender } from '../../../reports/mailer';
import type { RenderedReport } from '../../../reports/render';

let server: SMTPServer;
let port: number;
const delivered: string[] = [];
let authAttempts = 0;

beforeAll(async () => {
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(_auth, _session, cb) {
      authAttempts++;
      cb(null, { user: 'reports' });
    },
    onData(stream, _session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString()));
      stream.on('end', () => {
        delivered.push(raw);
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const report = { email: { subject: 'Monthly report', text: 'GMV 1,234,567', html: '<p>GMV</p>' }, files: [] } as unknown as RenderedReport;

test('no STARTTLS offered: the send fails, no credentials and no report cross the wire', async () => {
  const send = smtpSender(
    {
      host: '127.0.0.1',
      port,
      secure: false,
      insecure_allow_plaintext: false,
      user: 'reports',
      password: { env: 'SMTP_PW' },
      from: 'reports@example.com',
    },
    { SMTP_PW: 'smtp-password-123' },
  );
  await expect(send(report, ['ceo@example.com'])).rejects.toThrow(/STARTTLS/i);
  expect(authAttempts).toBe(0);
  expect(delivered).toEqual([]);
});

test('the explicit opt-out sends in plaintext and says so once', async () => {
  const warnings: string[] = [];
  const send = smtpSender(
    {
      host: '127.0.0.1',
      port,
      secure: false,
      insecure_allow_plaintext: true,
      user: 'reports',
      password: { env: 'SMTP_PW' },
      from: 'reports@example.com',
    },
    { SMTP_PW: 'smtp-password-123' },
    (m) => warnings.push(m),
  );
  expect(warnings).toEqual([`smtp.insecure_allow_plaintext is on: mail to 127.0.0.1:${port} may be sent unencrypted (local testing only)`]);
  await send(report, ['ceo@example.com']);
  expect(authAttempts).toBe(1);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toContain('Subject: Monthly report');
});

test('a non-boolean insecure_allow_plaintext is a config error naming the field', () => {
  expect(() => loadReportsConfig(path.join(__dirname, '../../fixtures/config-bad/reports-smtp-plaintext-not-boolean.yaml'))).toThrow(
    /smtp\.insecure_allow_plaintext/,
  );
});

/** SMTP delivery of a rendered report with nodemailer; the password comes from env or a file. */
import nodemailer from 'nodemailer';
import { readSecret } from '../shared/config-primitives';
import type { ReportsConfig } from './config';
import type { RenderedReport } from './render';

export type Sender = (report: RenderedReport, to: readonly string[]) => Promise<void>;

export function smtpSender(
  smtp: NonNullable<ReportsConfig['smtp']>,
  env: NodeJS.ProcessEnv = process.env,
  warn: (msg: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
): Sender {
  const pass = smtp.password ? readSecret(smtp.password, env) : undefined;
  // STARTTLS is required, not opportunistic: a stripped STARTTLS would otherwise hand the password and
  // the reports to whoever sits on the path. TLS 1.2 at least, certificates verified.
  if (smtp.insecure_allow_plaintext)
    warn(`smtp.insecure_allow_plaintext is on: mail to ${smtp.host}:${smtp.port} may be sent unencrypted (local testing only)`);
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && !smtp.insecure_allow_plaintext,
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true },
    auth: smtp.user ? { user: smtp.user, pass: pass ?? '' } : undefined,
    connectionTimeout: 30_000,
  });
  return async (report, to) => {
    await transport.sendMail({
      from: smtp.from,
      to: [...to],
      subject: report.email.subject,
      text: report.email.text,
      html: report.email.html,
      attachments: report.files
        .filter((f) => !f.filename.endsWith('.html') && !f.filename.endsWith('.txt'))
        .map((f) => ({ filename: f.filename, path: f.path, contentType: f.contentType })),
    });
  };
}

/**
 * Optional delivery of each seller's PDF scorecard to that seller, when the data contract offers the
 * optional `sellers.email` column. Each message goes to one seller's own address and carries only
 * that seller's scorecard; the configured report recipients never receive seller scorecards.
 */
import nodemailer from 'nodemailer';
import type pg from 'pg';
import { readSecret } from '../../shared/config-primitives';
import type { ReportsConfig } from '../config';
import { readSellers } from './data';
import { SELLER_EMAIL_COLUMN_SQL, SELLER_EMAILS_SQL } from './queries';

/** Seller id → address, or null when the contract has no sellers.email column. */
export async function sellerEmails(pool: pg.Pool, timeoutSeconds: number): Promise<Map<number, string> | null> {
  return readSellers(pool, timeoutSeconds, async (db) => {
    const [col] = await db.query(SELLER_EMAIL_COLUMN_SQL);
    if (!col?.present) return null;
    const out = new Map<number, string>();
    for (const r of await db.query(SELLER_EMAILS_SQL)) {
      const email = String(r.email).trim();
      if (/^[^@\s]+@[^@\s]+$/.test(email)) out.set(Number(r.id), email);
    }
    return out;
  });
}

export async function deliverScorecards(
  smtp: NonNullable<ReportsConfig['smtp']>,
  pdfs: ReadonlyMap<number, string>,
  emails: ReadonlyMap<number, string>,
  periodLabel: string,
): Promise<{ sent: number; withoutAddress: number }> {
  const pass = smtp.password ? readSecret(smtp.password) : undefined;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: pass ?? '' } : undefined,
    connectionTimeout: 30_000,
  });
  let sent = 0;
  let withoutAddress = 0;
  for (const [id, file] of pdfs) {
    const to = emails.get(id);
    if (!to) {
      withoutAddress++;
      continue;
    }
    await transport.sendMail({
      from: smtp.from,
      to,
      subject: `Your seller scorecard — ${periodLabel}`,
      text: `Hello,\n\nyour scorecard for ${periodLabel} (seller ${id}) is attached: your orders, refunds, returns, rating and payment figures against last month and the marketplace, with recommendations.\n`,
      attachments: [{ filename: `scorecard-${id}.pdf`, path: file, contentType: 'application/pdf' }],
    });
    sent++;
  }
  transport.close();
  return { sent, withoutAddress };
}

/**
 * Scorecard delivery: with the optional sellers.email column, each seller with an address receives
 * exactly one message, to that address only, with its own scorecard; without the column nothing is sent.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SMTPServer } from 'smtp-server';
import { type CapturedMail, captureSmtp } from '../../support/smtp-capture';
import { runCli } from '../../../reports/cli';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { buildFixture, loadFixture, readOnlyRole } from './fixture';

let db: TestDatabase;
let ro: Awaited<ReturnType<typeof readOnlyRole>>;
let out: string;
let smtp: SMTPServer;
let port: number;
const mails: CapturedMail[] = [];

beforeAll(async () => {
  db = await createTestDatabase('pulse_seller_mail');
  await loadFixture(db.pool, buildFixture(3));
  out = await mkdtemp(path.join(os.tmpdir(), 'pulse-seller-mail-'));
  smtp = captureSmtp(mails);
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await ro?.drop();
  await db?.drop();
  if (out) await rm(out, { recursive: true, force: true });
});

async function config(url: string): Promise<string> {
  const file = path.join(out, 'reports.yml');
  await writeFile(
    file,
    `prometheus: { url: "http://127.0.0.1:9" }\ngrafana: { url: "http://127.0.0.1:9" }\nsmtp: { host: 127.0.0.1, port: ${port}, from: "pulse@example.com" }\nrecipients: { monthly: [board@example.com], weekly: [], daily: [] }\ndatabase: { url: "${url}" }\n`,
  );
  return file;
}

test('without the optional column nothing is sent and the error says why', async () => {
  ro = await readOnlyRole(db.pool, db.name, db.url);
  const file = await config(ro.url);
  await expect(
    runCli(['--type', 'sellers', '--period', '2026-10', '--out', path.join(out, 'a'), '--config', file, '--send']),
  ).rejects.toThrow(/no email column/);
  expect(mails).toEqual([]);
  await ro.drop();
});

test('each seller with an address gets its own scorecard, and nobody else gets any', async () => {
  await db.pool.query('ALTER TABLE sellers ADD COLUMN email text');
  await db.pool.query(
    `UPDATE sellers SET email = CASE id WHEN 1 THEN 'one@seller.example' WHEN 3 THEN 'three@seller.example' WHEN 9 THEN 'not-an-address' END`,
  );
  ro = await readOnlyRole(db.pool, db.name, db.url);
  const file = await config(ro.url);
  await runCli(['--type', 'sellers', '--period', '2026-10', '--out', path.join(out, 'b'), '--config', file, '--send']);
  expect(mails.map((m) => m.to)).toEqual([['one@seller.example'], ['three@seller.example']]);
  expect(mails[0]!.raw).toContain('filename=scorecard-1.pdf');
  expect(mails[0]!.raw).not.toContain('scorecard-3.pdf');
  expect(mails[1]!.raw).toContain('filename=scorecard-3.pdf');
  expect(mails.some((m) => m.raw.includes('board@example.com'))).toBe(false);
});

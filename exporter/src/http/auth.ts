/**
 * Request authentication. Secrets are compared through SHA-256 digests with timingSafeEqual, so the
 * comparison takes the same time whatever the length or content of the guess. bcrypt users
 * (web config file) are checked with bcryptjs; a successful check is cached by digest so a scrape
 * every 15 s does not pay ~100 ms of bcrypt, while every failed guess still pays the full cost.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** Shortest accepted password or bearer token: shorter ones refuse to start. */
export const MIN_SECRET_LENGTH = 12;

export interface AuthSettings {
  /** user → bcrypt hash (exporter-toolkit `basic_auth_users`). */
  bcryptUsers?: Record<string, string>;
  /** Legacy `web.basic_auth` with a plain password from a file or env. */
  basic?: { username: string; password: string };
  /** Legacy `web.bearer_token`. */
  bearer?: string;
}

export interface Authenticator {
  /** Resolves true when the Authorization header carries valid credentials. */
  check(authorization: string | undefined): Promise<boolean>;
  /** WWW-Authenticate value for a 401. */
  readonly challenge: string;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/** Constant time in the inputs' length and content: equal-size digests are compared. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Throws a one-line error when a configured secret is empty or too short (auth must never silently turn off). */
export function assertSecret(field: string, value: string): void {
  if (value.trim() === '') throw new Error(`config error: ${field}: the secret is empty (authentication would be off); refusing to start`);
  if (value.length < MIN_SECRET_LENGTH)
    throw new Error(`config error: ${field}: the secret is ${value.length} characters, expected at least ${MIN_SECRET_LENGTH}`);
}

function parseBasic(header: string): { user: string; pass: string } | null {
  if (!/^Basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

const CACHE_MAX = 256;

export function createAuthenticator(s: AuthSettings): Authenticator | null {
  const users = s.bcryptUsers && Object.keys(s.bcryptUsers).length ? s.bcryptUsers : undefined;
  if (!users && !s.basic && !s.bearer) return null;
  // Unknown users are checked against a hash of the same cost, so timing does not reveal user names.
  const costs = users ? Object.values(users).map((h) => bcrypt.getRounds(h)) : [];
  const dummy = users ? bcrypt.hashSync(randomBytes(16).toString('hex'), Math.max(...costs)) : '';
  const verified = new Set<string>();

  async function checkBcrypt(user: string, pass: string): Promise<boolean> {
    const known = Object.hasOwn(users!, user);
    const hash = known ? users![user]! : dummy;
    const key = digest(`${user}\0${pass}\0${hash}`).toString('hex');
    if (known && verified.has(key)) return true;
    const ok = (await bcrypt.compare(pass, hash)) && known;
    if (ok) {
      if (verified.size >= CACHE_MAX) verified.clear();
      verified.add(key);
    }
    return ok;
  }

  return {
    challenge: users || s.basic ? 'Basic realm="marketplace-pulse", charset="UTF-8"' : 'Bearer',
    async check(header) {
      if (!header) return false;
      if (s.bearer && /^Bearer /i.test(header)) return safeEqual(header.slice(7).trim(), s.bearer);
      const b = parseBasic(header);
      if (!b) return false;
      if (users) return checkBcrypt(b.user, b.pass);
      if (s.basic) {
        // Both halves are always compared, so a wrong user name costs the same as a wrong password.
        const u = safeEqual(b.user, s.basic.username);
        const p = safeEqual(b.pass, s.basic.password);
        return u && p;
      }
      return false;
    },
  };
}

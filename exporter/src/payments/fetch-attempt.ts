/**
 * One HTTP attempt to a provider, shared by the Stripe transport and the PayPal client: the request
 * carries the attempt's own signal (so aborting it closes the socket, not only our wait), and the
 * body is read up to the cap.
 */
import type { AttemptResult } from './guarded-requester';
import { BodyTooLargeError, MAX_BODY_BYTES, readCapped } from './capped-body';

export async function fetchAttempt(url: string, init: RequestInit, signal: AbortSignal): Promise<AttemptResult> {
  const r = await fetch(url, { ...init, signal });
  const tooLarge: AttemptResult = { status: r.status, retryAfter: null, body: undefined, tooLarge: true, headers: {} };
  if (Number(r.headers.get('content-length')) > MAX_BODY_BYTES) {
    await r.body?.cancel().catch(() => undefined); // declared too large: not one byte of it is read
    return tooLarge;
  }
  let text: string;
  try {
    text = await readCapped(r.body as AsyncIterable<Uint8Array> | null);
  } catch (e) {
    // Stop reading: the rest of the body is never downloaded, and the connection is not reused.
    if (e instanceof BodyTooLargeError) return tooLarge;
    throw e; // body cut off: a network failure, retried
  }
  let body: unknown;
  let malformed = false;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    malformed = true;
  }
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body, malformed, headers: Object.fromEntries(r.headers) };
}

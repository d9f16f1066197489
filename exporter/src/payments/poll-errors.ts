/** Turns a failed poll into one clear, secret-free log line. */
import { redactSecrets } from './provider';

export interface PollFailure {
  kind: string;
  status?: number;
  message: string;
}

export function describePollError(e: unknown, secrets: readonly string[]): PollFailure {
  // The Stripe SDK wraps transport failures (ours, after retries) in StripeConnectionError.detail.
  const err = ((e as { detail?: unknown })?.detail ?? e) as {
    name?: string;
    type?: string;
    kind?: string;
    status?: number;
    statusCode?: number;
    message?: string;
  };
  const status = err.status ?? err.statusCode;
  let kind = err.kind ?? 'error';
  if (
    status === 401 ||
    status === 403 ||
    err.type === 'StripeAuthenticationError' ||
    err.type === 'StripePermissionError' ||
    (err as { auth?: boolean }).auth
  )
    kind = 'auth';
  let message = String(err.message ?? e);
  if (kind === 'auth')
    message = `authentication failed (HTTP ${status ?? 401}): check the configured credentials. Provider said: ${message}`;
  return { kind, status, message: redactSecrets(message, secrets).slice(0, 500) };
}

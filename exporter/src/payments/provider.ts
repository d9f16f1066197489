export type Provider = 'stripe' | 'paypal';

/** Removes every occurrence of the given secrets from a message before it is logged or stored. */
export function redactSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * PayPal REST over fetch: OAuth2 client-credentials token, cached, refreshed shortly before it
 * expires and once more whenever an API call answers 401 (token revoked or expired early).
 */
import type { Config } from '../config/load';
import { readSecret } from '../config/load';
import { providerSettings, type ProviderRuntime } from './provider-runtime';
import { fetchAttempt } from './fetch-attempt';

export class ProviderApiError extends Error {
  override name = 'ProviderApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly auth = false,
  ) {
    super(message);
  }
}

/** Refresh when less than this share of the token's lifetime (capped at 5 minutes) is left. */
const REFRESH_SHARE = 0.1;

function errorText(body: unknown): string {
  const b = body as { name?: string; error?: string; message?: string; error_description?: string } | undefined;
  return [b?.name ?? b?.error, b?.message ?? b?.error_description].filter(Boolean).join(': ') || 'no details';
}

export class PayPalClient {
  private token: { value: string; refreshAt: number } | null = null;
  private readonly base: string;
  private readonly clientId: string;
  private readonly secret: string;

  constructor(
    config: Config,
    private readonly rt: ProviderRuntime,
  ) {
    const s = providerSettings(config, 'paypal');
    if (!s.client_id || !s.client_secret) throw new Error('payment_providers.paypal.client_id and client_secret must be set');
    this.base = s.base_url.replace(/\/+$/, '');
    this.clientId = readSecret(s.client_id, rt.env);
    this.secret = readSecret(s.client_secret, rt.env);
  }

  static for(config: Config, rt: ProviderRuntime): PayPalClient {
    let c = rt.clients.get('paypal') as PayPalClient | undefined;
    if (!c) {
      c = new PayPalClient(config, rt);
      rt.clients.set('paypal', c);
    }
    return c;
  }

  /** GET a JSON resource; `endpoint` is the fixed metric label. */
  async get<T>(endpoint: string, path: string, query: Record<string, string | number>): Promise<T> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const url = `${this.base}${path}${qs ? `?${qs}` : ''}`;
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.accessToken(refreshed);
      const res = await this.rt.requester.run(endpoint, (signal) =>
        fetchAttempt(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, signal),
      );
      if (res.status === 401 && !refreshed) {
        this.token = null; // expired or revoked early: one fresh token, one more try
        continue;
      }
      if (res.status >= 400)
        throw new ProviderApiError(
          `${endpoint}: HTTP ${res.status} ${errorText(res.body)}`,
          res.status,
          res.status === 401 || res.status === 403,
        );
      return res.body as T;
    }
  }

  private async accessToken(force: boolean): Promise<string> {
    const now = this.rt.clock.now();
    if (!force && this.token && now < this.token.refreshAt) return this.token.value;
    const basic = Buffer.from(`${this.clientId}:${this.secret}`).toString('base64');
    const res = await this.rt.requester.run('oauth2_token', (signal) =>
      fetchAttempt(
        `${this.base}/v1/oauth2/token`,
        {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: 'grant_type=client_credentials',
        },
        signal,
      ),
    );
    if (res.status === 401 || res.status === 403) {
      throw new ProviderApiError(
        `PayPal rejected the client credentials (HTTP ${res.status} ${errorText(res.body)}): check payment_providers.paypal.client_id / client_secret`,
        res.status,
        true,
      );
    }
    if (res.status >= 400) throw new ProviderApiError(`oauth2_token: HTTP ${res.status} ${errorText(res.body)}`, res.status);
    const body = res.body as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new ProviderApiError('oauth2_token: answer without access_token', res.status);
    const lifetimeMs = Math.max(1, Number(body.expires_in ?? 0)) * 1000;
    this.token = { value: body.access_token, refreshAt: now + lifetimeMs - Math.min(300_000, lifetimeMs * REFRESH_SHARE) };
    return this.token.value;
  }
}

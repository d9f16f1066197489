/**
 * The official Stripe SDK, with its HTTP transport replaced so that every request (including each
 * page of auto-pagination) goes through the guarded requester, as a fetch carrying the attempt's
 * own signal. The SDK's own retries are off: ours honour Retry-After and the budget, the SDK's do not.
 */
import type Stripe from 'stripe';
import { readSecret } from '../config/load';
import { providerSettings, type ProviderRuntime } from './provider-runtime';
import type { Config } from '../config/load';
import { fetchAttempt } from './fetch-attempt';

const DEFAULT_BASE_URL = 'https://api.stripe.com';

/** Fixed endpoint label from a request path: /v1/events?… → events. */
export function stripeEndpoint(path: string): string {
  const m = /^\/v1\/([a-z_]+)/.exec(path);
  return m ? m[1]! : 'other';
}

function bufferedResponse(status: number, headers: Record<string, unknown>, body: unknown): Stripe.HttpClientResponse {
  return {
    getStatusCode: () => status,
    getHeaders: () => headers as never,
    getRawResponse: () => ({ headers }),
    toStream: () => {
      throw new Error('streaming is not used by the poller');
    },
    toJSON: () => Promise.resolve(body),
  };
}

export function stripeClient(config: Config, rt: ProviderRuntime): Stripe {
  const cached = rt.clients.get('stripe');
  if (cached) return cached as Stripe;
  const settings = providerSettings(config, 'stripe');
  if (!settings.api_key) throw new Error('payment_providers.stripe.api_key is not set');
  const url = new URL(settings.base_url ?? DEFAULT_BASE_URL);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const httpClient: Stripe.HttpClient = {
    getClientName: () => 'marketplace-pulse-guarded',
    async makeRequest(host, port, path, method, headers, requestData, proto) {
      const res = await rt.requester.run(stripeEndpoint(path), (signal) =>
        fetchAttempt(
          `${proto}://${host}:${port}${path}`,
          {
            method,
            // fetch sets Content-Length itself (a preset one it refuses).
            headers: Object.fromEntries(
              Object.entries(headers)
                .filter(([k]) => k.toLowerCase() !== 'content-length')
                .map(([k, v]) => [k, String(v)]),
            ),
            body: method === 'GET' || method === 'DELETE' ? undefined : requestData,
          },
          signal,
        ),
      );
      return bufferedResponse(res.status, res.headers ?? {}, res.body);
    },
  };
  // Loaded on first use: most exporters run without Stripe, and the SDK is ~15 % of start-up's module
  // loading (restart to /readyz).
  const StripeSdk = require('stripe') as typeof Stripe;
  const client = new StripeSdk(readSecret(settings.api_key, rt.env), {
    host: url.hostname,
    port: url.port || (protocol === 'http' ? 80 : 443),
    protocol,
    httpClient,
    maxNetworkRetries: 0,
    timeout: settings.timeout * 1000,
    telemetry: false,
  });
  rt.clients.set('stripe', client);
  return client;
}

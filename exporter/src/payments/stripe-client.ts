/**
 * The official Stripe SDK, with its HTTP transport wrapped so that every request (including each
 * page of auto-pagination) goes through the guarded requester. The SDK's own retries are off: ours
 * honour Retry-After and the budget, the SDK's do not.
 */
import Stripe from 'stripe';
import { readSecret } from '../config/load';
import type { AttemptResult } from './guarded-requester';
import { providerSettings, type ProviderRuntime } from './provider-runtime';
import type { Config } from '../config/load';
import { BodyTooLargeError, readCapped } from './capped-body';

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

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function stripeClient(config: Config, rt: ProviderRuntime): Stripe {
  const cached = rt.clients.get('stripe');
  if (cached) return cached as Stripe;
  const settings = providerSettings(config, 'stripe');
  if (!settings.api_key) throw new Error('payment_providers.stripe.api_key is not set');
  const url = new URL(settings.base_url ?? DEFAULT_BASE_URL);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const inner = Stripe.createNodeHttpClient();
  const httpClient: Stripe.HttpClient = {
    getClientName: () => 'marketplace-pulse-guarded',
    async makeRequest(host, port, path, method, headers, requestData, proto, _timeout) {
      let last: { headers: Record<string, unknown> } = { headers: {} };
      const res = await rt.requester.run(
        stripeEndpoint(path),
        async (signal, timeoutMs): Promise<AttemptResult> => {
          const r = await untilAborted(inner.makeRequest(host, port, path, method, headers, requestData, proto, timeoutMs), signal);
          last = { headers: r.getHeaders() as Record<string, unknown> };
          let body: unknown;
          let malformed = false;
          try {
            const raw = r.getRawResponse() as AsyncIterable<Uint8Array>;
            body = JSON.parse(await untilAborted(readCapped(raw), signal));
          } catch (e) {
            if (e instanceof SyntaxError || e instanceof BodyTooLargeError) malformed = true;
            else throw e; // body cut off: a network failure, retried
          }
          const ra = r.getHeaders()['retry-after'];
          return { status: r.getStatusCode(), retryAfter: Array.isArray(ra) ? ra[0] : (ra as string | undefined), body, malformed };
        },
        rt.signal,
      );
      return bufferedResponse(res.status, last.headers, res.body);
    },
  };
  const client = new Stripe(readSecret(settings.api_key, rt.env), {
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

/**
 * The HTTP surface, built apart from where it listens (tests use supertest on the app directly).
 * /metrics renders the in-memory snapshot only: no database or API access on the scrape path.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { Registry } from 'prom-client';
import type { Exposition } from '../metrics/registry';
import type { CollectorStatus } from '../runtime/scheduler';
import type { Authenticator } from './auth';
import { landingPage } from './landing';

/** The HTTP paths, exported so deployment manifests (probes, scrape path) use the same strings. */
export const HTTP_PATHS = { metrics: '/metrics', health: '/healthz', ready: '/readyz', reload: '/-/reload' } as const;

export interface AppState {
  exposition: Exposition;
  isReady(): boolean;
  status(): CollectorStatus[];
  /** Drops stale series before a render; cheap (walks the collector list). */
  sweepStale(): void;
}

export interface AppDeps {
  state(): AppState;
  /** Current authenticator (null → open); looked up per request so a reload can change it. */
  auth?: () => Authenticator | null;
  /** Extra response headers from the web config file (`http_server_config.headers`). */
  headers?: () => Record<string, string>;
  /** `--web.enable-lifecycle`: without it POST /-/reload answers 403. */
  lifecycle?: boolean;
  /** Reloads configuration; resolves with an error message when the new config was rejected. */
  reload?(): Promise<string | null>;
  version: string;
}

/** Only /healthz and /readyz are open when auth is configured (orchestrator probes carry no credentials). */
function authMiddleware(current: AppDeps['auth']) {
  return (req: Request, res: Response, next: NextFunction) => {
    const auth = current?.();
    if (!auth) return next();
    auth.check(req.headers.authorization).then(
      (ok) => {
        if (ok) return next();
        res.set('WWW-Authenticate', auth.challenge).status(401).type('text/plain').send('unauthorized\n');
      },
      (e) => next(e),
    );
  };
}

/**
 * A browser on another site can POST to the exporter without a preflight (no body, no custom header);
 * such requests carry Sec-Fetch-Site or Origin, which curl and Prometheus tooling do not send.
 */
function crossSite(req: Request): string | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return 'malformed Origin';
    }
    if (host !== req.headers.host) return 'Origin is another site';
  }
  return null;
}

/** What the public pages show of a collector: its state and error kind (+ SQLSTATE), never the raw message. */
export function publicStatus(s: CollectorStatus): CollectorStatus {
  return { ...s, lastError: s.lastError === null ? null : (/^[a-z_]+(?: \(SQLSTATE [0-9A-Z]{5}\))?/.exec(s.lastError)?.[0] ?? 'other') };
}

/** OpenMetrics when the scraper asks for it (Prometheus does by default), else the classic text format. */
function wantsOpenMetrics(req: Request): boolean {
  return /application\/openmetrics-text/.test(req.headers.accept ?? '');
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // An ETag would hash the whole exposition on every scrape; scrapers never send If-None-Match.
  app.set('etag', false);
  app.use((_req, res, next) => {
    for (const [k, v] of Object.entries(deps.headers?.() ?? {})) res.set(k, v);
    next();
  });

  app.get(HTTP_PATHS.health, (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get(HTTP_PATHS.ready, (_req, res) => {
    const state = deps.state();
    if (state.isReady()) return res.type('text/plain').send('ready\n');
    const waiting = state
      .status()
      .filter((s) => !s.attempted)
      .map((s) => s.name);
    res
      .status(503)
      .type('text/plain')
      .send(`not ready: waiting for first collection of ${waiting.join(', ')}\n`);
  });

  // Everything below requires credentials when auth is configured, unknown paths included.
  app.use(authMiddleware(deps.auth));

  app.get(HTTP_PATHS.metrics, async (req, res, next) => {
    try {
      const state = deps.state();
      state.sweepStale();
      const om = wantsOpenMetrics(req);
      const { body, gzip } = await state.exposition.renderBytes(om, /\bgzip\b/.test(req.headers['accept-encoding'] ?? ''));
      res.set('Content-Type', om ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
      res.set('Vary', 'Accept, Accept-Encoding');
      if (gzip) res.set('Content-Encoding', 'gzip');
      res.set('Content-Length', String(body.length));
      res.end(body);
    } catch (e) {
      next(e);
    }
  });

  app.all(HTTP_PATHS.reload, async (req, res) => {
    if (!deps.lifecycle)
      return res.status(403).type('text/plain').send('lifecycle API is not enabled (start with --web.enable-lifecycle)\n');
    if (req.method !== 'POST') return res.status(405).set('Allow', 'POST').type('text/plain').send('only POST reloads\n');
    const cross = crossSite(req);
    if (cross) return res.status(403).type('text/plain').send(`cross-site request refused (${cross})\n`);
    if (!deps.reload) return res.status(404).type('text/plain').send('reload not supported\n');
    const err = await deps.reload();
    if (err) return res.status(400).type('text/plain').send(`${err}\n`);
    res.type('text/plain').send('reloaded\n');
  });

  app.get('/api/collectors', (_req, res) => {
    res.json(deps.state().status().map(publicStatus));
  });

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage(deps.state().status().map(publicStatus), deps.version));
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    // The message may carry internals; the log has it, the client gets the kind only.
    res.status(500).type('text/plain').send(`internal error (${err.name})\n`);
  });
  return app;
}

/**
 * The HTTP surface, built apart from where it listens (tests use supertest on the app directly).
 * /metrics renders the in-memory snapshot only: no database or API access on the scrape path.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Registry } from 'prom-client';
import type { Exposition } from '../metrics/registry';
import type { CollectorStatus } from '../runtime/scheduler';
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

export interface Auth {
  basic?: { username: string; password: string };
  bearer?: string;
}

export interface AppDeps {
  state(): AppState;
  /** Current credentials for /metrics and /-/reload (none configured → open). */
  auth?: () => Auth;
  /** Reloads configuration; resolves with an error message when the new config was rejected. */
  reload?(): Promise<string | null>;
  version: string;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authMiddleware(current: AppDeps['auth']) {
  return (req: Request, res: Response, next: NextFunction) => {
    const auth = current?.();
    if (!auth?.basic && !auth?.bearer) return next();
    const header = req.headers.authorization ?? '';
    if (auth.bearer && header.startsWith('Bearer ') && safeEqual(header.slice(7), auth.bearer)) return next();
    if (auth.basic && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0 && safeEqual(decoded.slice(0, i), auth.basic.username) && safeEqual(decoded.slice(i + 1), auth.basic.password)) return next();
    }
    res.set('WWW-Authenticate', auth.basic ? 'Basic realm="marketplace-pulse"' : 'Bearer').status(401).type('text/plain').send('unauthorized\n');
  };
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
  const guard = authMiddleware(deps.auth);

  app.get(HTTP_PATHS.metrics, guard, async (req, res, next) => {
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

  app.get(HTTP_PATHS.health, (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get(HTTP_PATHS.ready, (_req, res) => {
    const state = deps.state();
    if (state.isReady()) return res.type('text/plain').send('ready\n');
    const waiting = state.status().filter((s) => !s.attempted).map((s) => s.name);
    res.status(503).type('text/plain').send(`not ready: waiting for first collection of ${waiting.join(', ')}\n`);
  });

  app.post(HTTP_PATHS.reload, guard, async (_req, res) => {
    if (!deps.reload) return res.status(404).send('reload not supported\n');
    const err = await deps.reload();
    if (err) return res.status(400).type('text/plain').send(`${err}\n`);
    res.type('text/plain').send('reloaded\n');
  });

  app.get('/api/collectors', (_req, res) => {
    res.json(deps.state().status());
  });

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage(deps.state().status(), deps.version));
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).type('text/plain').send(`error: ${err.message}\n`);
  });
  return app;
}

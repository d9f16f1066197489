/**
 * A small client for the Prometheus HTTP API (instant and range queries). Every failure becomes a
 * PrometheusError naming the query and what went wrong, so a report that cannot be built says why.
 */
export class PrometheusError extends Error {
  override name = 'PrometheusError';
  constructor(
    message: string,
    /** unreachable: network error or timeout; http: non-2xx; query: Prometheus rejected the query. */
    readonly kind: 'unreachable' | 'http' | 'query',
  ) {
    super(message);
  }
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Series {
  labels: Record<string, string>;
  /** [unix seconds, value] pairs. */
  points: [number, number][];
}

export interface PrometheusClientOptions {
  url: string;
  /** Seconds per request. */
  timeoutSeconds?: number;
}

interface ApiResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

export class PrometheusClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(opts: PrometheusClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.timeoutMs = (opts.timeoutSeconds ?? 30) * 1000;
  }

  /** Instant query at `time`; scalars come back as one sample without labels. */
  async query(expr: string, time: Date): Promise<Sample[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(time) });
    if (data.resultType === 'scalar') {
      const [, v] = data.result as [number, string];
      return [{ labels: {}, value: Number(v) }];
    }
    if (data.resultType !== 'vector') throw new PrometheusError(`unexpected result type ${data.resultType} for: ${expr}`, 'query');
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      labels: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** Raw samples of a range selector (`metric{...}[5m]`) evaluated at `time`. */
  async rangeSelector(expr: string, time: Date): Promise<Series[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(time) });
    return matrix(data, expr);
  }

  async queryRange(expr: string, start: Date, end: Date, stepSeconds: number): Promise<Series[]> {
    const data = await this.call('/api/v1/query_range', {
      query: expr,
      start: seconds(start),
      end: seconds(end),
      step: String(stepSeconds),
    });
    return matrix(data, expr);
  }

  private async call(path: string, params: Record<string, string>): Promise<{ resultType: string; result: unknown }> {
    const body = new URLSearchParams(params);
    let res: Response;
    try {
      // POST keeps long PromQL out of URL length limits.
      res = await fetch(this.base + path, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? `timed out after ${this.timeoutMs / 1000}s` : (err.cause?.code ?? err.message);
      throw new PrometheusError(`Prometheus at ${this.base} unreachable (${why}) for: ${params.query}`, 'unreachable');
    }
    let json: ApiResponse | undefined;
    try {
      json = (await res.json()) as ApiResponse;
    } catch {
      json = undefined;
    }
    if (json?.status === 'error')
      throw new PrometheusError(`Prometheus rejected the query (${json.errorType}: ${json.error}): ${params.query}`, 'query');
    if (!res.ok || !json?.data)
      throw new PrometheusError(`Prometheus at ${this.base} answered HTTP ${res.status} for: ${params.query}`, 'http');
    return json.data;
  }
}

function seconds(d: Date): string {
  return (d.getTime() / 1000).toFixed(3);
}

/** A range-vector answer as series of [seconds, value] points; any other result type is an error. */
function matrix(data: { resultType: string; result: unknown }, expr: string): Series[] {
  if (data.resultType !== 'matrix') throw new PrometheusError(`unexpected result type ${data.resultType} for: ${expr}`, 'query');
  return (data.result as { metric: Record<string, string>; values: [number, string][] }[]).map((r) => ({
    labels: r.metric,
    points: r.values.map(([t, v]) => [t, Number(v)] as [number, number]),
  }));
}

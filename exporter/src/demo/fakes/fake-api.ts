/** What both payment API fakes share: a clock, fault injection and an HTTP server on loopback. */
import type { Express } from 'express';
import { FaultInjector } from './faults';
import { listen, type Listening } from './listen';

export abstract class FakeApi {
  readonly now: () => number;
  readonly faults: FaultInjector;
  private server?: Listening;

  constructor(now: (() => number) | undefined) {
    this.now = now ?? Date.now;
    this.faults = new FaultInjector(this.now);
  }

  get url(): string {
    return this.server!.url;
  }

  protected nowS(): number {
    return Math.floor(this.now() / 1000);
  }

  abstract app(): Express;

  async start(port = 0): Promise<this> {
    this.server = await listen(this.app(), port);
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}

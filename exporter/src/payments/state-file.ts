/**
 * Persists a poller's watermark and totals as JSON, written atomically (temp file + rename) after
 * every committed poll, so a crash never leaves a half-written state and a restart continues the
 * counters where they were.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class StateFile<T> {
  constructor(private readonly file: string | undefined) {}

  load(): T | null {
    if (!this.file) return null;
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read poller state ${this.file}: ${(e as Error).message}`);
    }
  }

  save(state: T): void {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.file);
  }
}

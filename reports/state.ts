/**
 * Which periods have been delivered, on disk, so each period is produced and sent exactly once
 * across restarts. Written atomically (temp file + rename): a crash never leaves half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReportType } from './periods';

export interface ReportState {
  /** Delivered period keys per report kind. */
  delivered: Record<ReportType, string[]>;
  /** Periods whose cron tick has come and that still wait for a successful run. */
  pending: Record<ReportType, string[]>;
}

const EMPTY = (): ReportState => ({ delivered: { monthly: [], weekly: [], daily: [] }, pending: { monthly: [], weekly: [], daily: [] } });
/** Delivered keys kept per kind (older ones cannot be scheduled again anyway). */
const KEEP = 400;

export class StateFile {
  readonly file: string;
  private state: ReportState;

  constructor(dir: string) {
    this.file = path.join(dir, 'reports-state.json');
    mkdirSync(dir, { recursive: true });
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<ReportState>;
      this.state = { delivered: { ...EMPTY().delivered, ...raw.delivered }, pending: { ...EMPTY().pending, ...raw.pending } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read report state ${this.file}: ${(e as Error).message}`);
      this.state = EMPTY();
    }
  }

  isDelivered(type: ReportType, key: string): boolean {
    return this.state.delivered[type].includes(key);
  }

  pending(type: ReportType): string[] {
    return [...this.state.pending[type]];
  }

  addPending(type: ReportType, key: string): void {
    if (this.isDelivered(type, key) || this.state.pending[type].includes(key)) return;
    this.state.pending[type].push(key);
    this.save();
  }

  markDelivered(type: ReportType, key: string): void {
    this.state.pending[type] = this.state.pending[type].filter((k) => k !== key);
    this.state.delivered[type] = [...this.state.delivered[type].filter((k) => k !== key), key].slice(-KEEP);
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, this.file);
  }
}

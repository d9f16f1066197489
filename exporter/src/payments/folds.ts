/** How provider values fold into the configured allow-lists (currency and failure reason labels). */
import type { Config } from '../config/load';
import { allowList, fold } from '../metrics/labels';

export interface Folds {
  currency(c: string | null | undefined): string;
  reason(r: string | null | undefined): string;
}

export function paymentFolds(config: Config): Folds {
  const currencies = allowList(config, 'currencies');
  const reasons = allowList(config, 'failure_codes');
  return { currency: (c) => fold(c, currencies), reason: (r) => fold(r, reasons) };
}

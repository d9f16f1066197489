/** Provider amounts arrive in minor units (Stripe) or decimal strings (PayPal); metrics use major units. */

// ISO 4217 currencies without minor units, as Stripe documents them.
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

/** Whether amounts in this currency have no minor unit (1 JPY is 1 minor unit). */
export function isZeroDecimal(currency: string): boolean {
  return ZERO_DECIMAL.has(currency.toUpperCase());
}

export function minorToMajor(amount: number, currency: string): number {
  return isZeroDecimal(currency) ? amount : amount / 100;
}

export function majorToMinor(amount: number, currency: string): number {
  return isZeroDecimal(currency) ? Math.round(amount) : Math.round(amount * 100);
}

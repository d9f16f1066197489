/** What a reload compares: a setting one collector reads rebuilds that collector only. */
import { collectorKey } from '../../exporter/src/app';
import { parseConfig } from '../../exporter/src/config/load';

const config = (seller_changes: string) => parseConfig({ collection: { seller_changes } }, { env: {} });

test('collection.seller_changes changes the key of the seller collectors and of no other', () => {
  const [a, b] = [config('row_versions'), config('updated_at')];
  for (const name of ['seller_credits', 'sellers']) expect(collectorKey(a, name, true)).not.toBe(collectorKey(b, name, true));
  for (const name of ['visitors', 'seller_onboarding', 'support']) expect(collectorKey(a, name, true)).toBe(collectorKey(b, name, true));
});

test('collection.cart_changes changes the key of the carts collector and of no other', () => {
  const at = (cart_changes: string) => parseConfig({ collection: { cart_changes } }, { env: {} });
  const [a, b] = [at('open_tail'), at('updated_at')];
  expect(collectorKey(a, 'carts', true)).not.toBe(collectorKey(b, 'carts', true));
  for (const name of ['seller_credits', 'sellers', 'funnel', 'orders'])
    expect(collectorKey(a, name, true)).toBe(collectorKey(b, name, true));
});

test('switching active_users or revenue on or off changes the key of both (they share signed-in sessions when both run), and of no other; their intervals change neither', () => {
  const at = (collectors: Record<string, unknown>) => parseConfig({ collectors }, { env: {} });
  const both = at({});
  const pair = ['active_users', 'revenue'];
  for (const off of pair) {
    const without = at({ [off]: { enabled: false } });
    for (const name of pair) expect(collectorKey(both, name, true)).not.toBe(collectorKey(without, name, true));
    for (const name of ['visitors', 'orders', 'sessions']) expect(collectorKey(both, name, true)).toBe(collectorKey(without, name, true));
  }
  const slower = at({ active_users: { interval: '5m', timeout: 20 }, revenue: { interval: '10m' } });
  for (const name of pair) expect(collectorKey(both, name, true)).toBe(collectorKey(slower, name, true));
});

test('collection.ticket_changes changes the key of the support collector and of no other', () => {
  const at = (ticket_changes: string) => parseConfig({ collection: { ticket_changes } }, { env: {} });
  const [a, b] = [at('tail_check'), at('updated_at')];
  expect(collectorKey(a, 'support', true)).not.toBe(collectorKey(b, 'support', true));
  for (const name of ['carts', 'seller_credits', 'sellers', 'funnel', 'orders'])
    expect(collectorKey(a, name, true)).toBe(collectorKey(b, name, true));
});

/** What a reload compares: a setting one collector reads rebuilds that collector only. */
import { collectorKey } from '../../exporter/src/app';
import { parseConfig } from '../../exporter/src/config/load';

const config = (seller_changes: string) => parseConfig({ collection: { seller_changes } }, { env: {} });

test('collection.seller_changes changes the key of seller credits and of no other collector', () => {
  const [a, b] = [config('row_versions'), config('updated_at')];
  expect(collectorKey(a, 'seller_credits', true)).not.toBe(collectorKey(b, 'seller_credits', true));
  for (const name of ['visitors', 'sellers', 'support']) expect(collectorKey(a, name, true)).toBe(collectorKey(b, name, true));
});

/** Report periods across time zones and DST, formatting of missing data, and the reports config. */
import path from 'node:path';
import { loadReportsConfig, parseReportsConfig } from '../../reports/config';
import { coverageNote, formatValue } from '../../reports/format';
import { dailyPeriod, lastCompletePeriod, monthlyPeriod, weeklyPeriod } from '../../reports/periods';

test('a month in Europe/Berlin starts at local midnight on either side of DST', () => {
  const oct = monthlyPeriod('2026-10', 'Europe/Berlin');
  expect(oct.start.toISOString()).toBe('2026-09-30T22:00:00.000Z'); // CEST
  expect(oct.end.toISOString()).toBe('2026-10-31T23:00:00.000Z'); // CET after 25 Oct
  expect(oct.days).toBe(31);
  expect(oct.previous.start.toISOString()).toBe('2026-08-31T22:00:00.000Z');
  expect(oct.label).toBe('October 2026');
});

test('ISO weeks, days against the same weekday last week, and the last complete period', () => {
  const w = weeklyPeriod('2026-W01', 'UTC');
  expect(w.start.toISOString()).toBe('2025-12-29T00:00:00.000Z');
  expect(w.days).toBe(7);
  const d = dailyPeriod('2026-10-05', 'UTC');
  expect(d.previous.start.toISOString()).toBe('2026-09-28T00:00:00.000Z');
  const at = new Date('2026-11-01T11:00:00Z'); // 07:00 EST, the day DST ends in New York
  expect(lastCompletePeriod('monthly', at, 'America/New_York').key).toBe('2026-10');
  expect(lastCompletePeriod('daily', at, 'America/New_York').key).toBe('2026-10-31');
  expect(lastCompletePeriod('daily', new Date('2026-11-01T03:00:00Z'), 'America/New_York').key).toBe('2026-10-30');
  expect(lastCompletePeriod('weekly', at, 'UTC').key).toBe('2026-W43');
  expect(() => monthlyPeriod('2026-13', 'UTC')).toThrow('2026-10');
});

test('missing data is reported as missing, never as zero', () => {
  expect(formatValue('count', null)).toBe('no data');
  expect(formatValue('count', 0)).toBe('0');
  expect(coverageNote({ daysWithData: 27, days: 30 })).toBe('no data for 3 of 30 days');
  expect(coverageNote({ daysWithData: 30, days: 30 })).toBe('');
});

test('config: defaults, unknown keys and bad values are rejected with the field named', () => {
  const c = parseReportsConfig({ prometheus: { url: 'http://p:9090' }, grafana: { url: 'http://g:3000' } });
  expect(c.schedules).toEqual({ monthly: '0 7 1 * *', daily: '0 8 * * *' });
  expect(c.prometheus.timeout).toBe(30);
  expect(() => parseReportsConfig({ prometheus: { url: 'http://p' }, grafana: { url: 'http://g' }, colour: 'blue' })).toThrow(/colour/);
  expect(() => parseReportsConfig({ prometheus: { url: 'http://p' }, grafana: { url: 'http://g' }, time_zone: 'Mars/Base' })).toThrow(
    /time_zone/,
  );
  expect(() =>
    parseReportsConfig({ prometheus: { url: 'http://p' }, grafana: { url: 'http://g' }, schedules: { daily: 'every day' } }),
  ).toThrow(/schedules\.daily/);
});

test('the shipped reports/config.example.yml is a valid configuration', () => {
  const c = loadReportsConfig(path.join(__dirname, '../../reports/config.example.yml'));
  expect(c.time_zone).toBe('Europe/Berlin');
  expect(c.schedules.monthly).toBe('0 7 1 * *');
});

import { isoWeekStart, utcDayStart } from '../../exporter/src/collectors/settled-period';

const us = (ms: number) => ms * 1000;

test('ISO weeks start on Monday 00:00 UTC, and a Monday midnight starts its own week', () => {
  expect(isoWeekStart(us(Date.UTC(2026, 2, 4, 12)))).toBe(us(Date.UTC(2026, 2, 2))); // Wednesday
  expect(isoWeekStart(us(Date.UTC(2026, 2, 2)))).toBe(us(Date.UTC(2026, 2, 2))); // Monday 00:00
  expect(isoWeekStart(us(Date.UTC(2026, 2, 2)) - 1)).toBe(us(Date.UTC(2026, 1, 23))); // Sunday 23:59:59.999999
  expect(isoWeekStart(us(Date.UTC(1970, 0, 1)))).toBe(us(Date.UTC(1969, 11, 29))); // epoch day 0, a Thursday
});

test('UTC days start at midnight', () => {
  expect(utcDayStart(us(Date.UTC(2026, 10, 29, 23, 59)))).toBe(us(Date.UTC(2026, 10, 29)));
  expect(utcDayStart(us(Date.UTC(2026, 10, 30)))).toBe(us(Date.UTC(2026, 10, 30)));
});

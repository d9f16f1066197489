/** promtool cases for business.ts. */
import { M } from '../../shared/catalogue';
import { replicas, type PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';

const growth = (severity: 'ticket' | 'info') => ({ severity, team: 'growth', feed: 'exporter_db' }) as const;

export const businessCases: PromTestCase[] = [
  {
    name: 'orders stop while the same 30 minutes last week had 60',
    interval: '5m',
    series: replicas(sel(M.ordersTotal.name, { currency: 'EUR' }), '0+10x2016 20160x24'),
    alerts: [
      {
        alert: 'OrdersStopped',
        at: '1w1h',
        fires: [
          {
            labels: { severity: 'page', team: 'sre', feed: 'exporter_db' },
            summary: 'No orders in the last 30 minutes.',
            description:
              'No order was placed in the last 30 minutes, while the same 30 minutes last week had 60: checkout is probably broken.',
          },
        ],
      },
    ],
  },
  {
    name: 'orders stop at night when last week had only 9 in those 30 minutes: quiet',
    interval: '5m',
    series: replicas(sel(M.ordersTotal.name, { currency: 'EUR' }), '0+1.5x2016 3024x24'),
    alerts: [{ alert: 'OrdersStopped', at: '1w1h', fires: [] }],
  },
  {
    name: 'GMV at 20 % of the same hour last week',
    interval: '10m',
    series: replicas(sel(M.gmvTotal.name, { currency: 'EUR' }), '0+1000x1008 1008200+200x17'),
    alerts: [
      {
        alert: 'GMVFarBelowLastWeek',
        at: '1w3h',
        fires: [
          {
            labels: { ...growth('ticket'), currency: 'EUR' },
            summary: 'GMV in EUR is far below the same hour last week.',
            description: 'GMV in EUR over the last hour is 20% of the same hour last week (alert below 50 %).',
          },
        ],
      },
    ],
  },
  {
    name: 'GMV at 55 % of last week: quiet',
    interval: '10m',
    series: replicas(sel(M.gmvTotal.name, { currency: 'EUR' }), '0+1000x1008 1008550+550x17'),
    alerts: [{ alert: 'GMVFarBelowLastWeek', at: '1w3h', fires: [] }],
  },
  {
    name: 'refunds jump from 3/h to 12/h',
    interval: '10m',
    series: replicas(sel(M.refundsTotal.name, { currency: 'EUR', reason: 'damaged' }), '0+0.5x144 74+2x11'),
    alerts: [
      {
        alert: 'RefundSpike',
        at: '25h10m',
        fires: [
          {
            labels: { severity: 'ticket', team: 'payments', feed: 'exporter_db' },
            summary: 'Refunds are spiking.',
            description: "12 refunds in the last hour, more than 3x the same hour last week and last week's hourly average.",
          },
        ],
      },
    ],
  },
  {
    name: 'refunds rising to 9/h: quiet',
    interval: '10m',
    series: replicas(sel(M.refundsTotal.name, { currency: 'EUR', reason: 'damaged' }), '0+0.5x144 73.5+1.5x11'),
    alerts: [{ alert: 'RefundSpike', at: '25h10m', fires: [] }],
  },
  {
    name: 'cart abandonment from 60 % to 80 %',
    interval: '5m',
    series: replicas(sel(M.cartAbandonmentRatio.name, { window: '1d' }), '0.6x2016 0.8x70'),
    alerts: [
      {
        alert: 'CartAbandonmentSpike',
        at: '1w5h',
        fires: [
          {
            labels: { ...growth('ticket'), window: '1d' },
            summary: 'Cart abandonment rose to 80%.',
            description: '80% of carts were abandoned over the last day, more than 15 points above the same time last week.',
          },
        ],
      },
    ],
  },
  {
    name: 'cart abandonment from 60 % to 74 %: quiet',
    interval: '5m',
    series: replicas(sel(M.cartAbandonmentRatio.name, { window: '1d' }), '0.6x2016 0.74x70'),
    alerts: [{ alert: 'CartAbandonmentSpike', at: '1w5h', fires: [] }],
  },
  {
    name: 'one high-value order',
    series: replicas(sel(M.highValueOrdersTotal.name, { currency: 'EUR' }), '0x12 1x10'),
    alerts: [
      {
        alert: 'HighValueOrder',
        at: '15m',
        fires: [
          {
            labels: { ...growth('info'), currency: 'EUR' },
            summary: 'High-value order placed in EUR.',
            description:
              '1 order(s) at or above the high-value threshold in EUR in the last 5 minutes: worth a fraud check and a thank-you.',
          },
        ],
      },
    ],
  },
  {
    name: 'no high-value order: quiet',
    series: replicas(sel(M.highValueOrdersTotal.name, { currency: 'EUR' }), '1x20'),
    alerts: [{ alert: 'HighValueOrder', at: '15m', fires: [] }],
  },
  {
    name: '11 sellers low on credit for an hour',
    series: replicas(sel(M.sellersLowCredit.name), '11x70'),
    alerts: [
      {
        alert: 'SellersLowCredit',
        at: '65m',
        fires: [
          {
            labels: growth('ticket'),
            summary: '11 sellers are running out of listing credits.',
            description: '11 live sellers have less than 10 % of their credits left (alert above 10): they will stop listing soon.',
          },
        ],
      },
    ],
  },
  {
    name: '10 sellers low on credit: quiet',
    series: replicas(sel(M.sellersLowCredit.name), '10x70'),
    alerts: [{ alert: 'SellersLowCredit', at: '65m', fires: [] }],
  },
  {
    name: 'seller activation at 25 % for 6 hours',
    interval: '5m',
    series: replicas(sel(M.sellerActivationRatio.name, { window: '30d' }), '0.25x90'),
    alerts: [
      {
        alert: 'SellerActivationLow',
        at: '7h',
        fires: [
          {
            labels: { ...growth('ticket'), window: '30d' },
            summary: 'Seller activation is 25%.',
            description: 'Only 25% of sellers approved in the last 30 days made a first sale (benchmark 30 %).',
          },
        ],
      },
    ],
  },
  {
    name: 'seller activation at the 30 % benchmark: quiet',
    interval: '5m',
    series: replicas(sel(M.sellerActivationRatio.name, { window: '30d' }), '0.3x90'),
    alerts: [{ alert: 'SellerActivationLow', at: '7h', fires: [] }],
  },
  {
    name: 'two sellers apply',
    series: replicas(sel(M.sellerApplicationsTotal.name), '5x30 7x30'),
    alerts: [
      { alert: 'NewSellerApplication', at: '25m', fires: [] },
      {
        alert: 'NewSellerApplication',
        at: '40m',
        fires: [
          {
            labels: { severity: 'info', team: 'growth', feed: 'exporter_db' },
            summary: 'New seller application(s) to review.',
            description: '2 seller(s) applied in the last 15 minutes: review and approve them while they are keen.',
          },
        ],
      },
      { alert: 'NewSellerApplication', at: '1h', fires: [] },
    ],
  },
];

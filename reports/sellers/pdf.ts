/**
 * One seller's PDF scorecard (pdfkit, like the monthly report): the month against the previous month
 * and the marketplace (median, peer percentile), 12-month trend charts, reasons, credit usage against
 * the 60–80 % ideal, segment and recommendations computed from the data.
 */
import PDFDocument from 'pdfkit';
import { drawChart } from '../pdf/charts';
import { drawTable, type Column } from '../pdf/table';
import {
  MEASURES,
  SEGMENT_MEANING,
  groupBySeller,
  measuresOf,
  median,
  percentile,
  recommendations,
  totalsOf,
  type Measures,
  type ReasonKind,
  type ScorecardSet,
} from './scorecards';
import type { SellerCurrencyRow } from './data';

type Doc = InstanceType<typeof PDFDocument>;
const MARGIN = 48;
const WIDTH = 595.28 - 2 * MARGIN;

function fmt(format: 'count' | 'ratio' | 'rating', v: number | null): string {
  if (v === null) return 'no data';
  return format === 'count' ? String(v) : format === 'ratio' ? `${(v * 100).toFixed(1)} %` : v.toFixed(2);
}

/** Scorecard tables: fixed single-line rows (see drawTable), thousands of PDFs per run. */
const table = (doc: Doc, cols: Column[], rows: string[][]) => drawTable(doc, cols, rows, { fontSize: 7.5, rowHeight: 13 });

function heading(doc: Doc, title: string): void {
  if (doc.y > 680) doc.addPage();
  doc.moveDown(0.3).font('Helvetica-Bold').fontSize(11).fillColor('#0b2e59').text(title, MARGIN).moveDown(0.2).fillColor('#222222');
}

/** Per-seller grouping of the bulk data, built once for all PDFs. */
export interface ScorecardIndex {
  current: Map<number, SellerCurrencyRow[]>;
  previous: Map<number, SellerCurrencyRow[]>;
}

export function indexScorecards(set: ScorecardSet): ScorecardIndex {
  return { current: groupBySeller(set.current), previous: groupBySeller(set.previous) };
}

export function renderSellerPdf(set: ScorecardSet, index: ScorecardIndex, sellerId: number): Promise<Buffer> {
  const seller = set.current.sellers.get(sellerId);
  if (!seller) throw new Error(`seller ${sellerId} is not part of the ${set.period.key} scorecards`);
  const nowT = totalsOf(index.current.get(sellerId) ?? []);
  const beforeT = totalsOf(index.previous.get(sellerId) ?? []);
  const now = measuresOf(nowT);
  const before = measuresOf(beforeT);
  const reasons = set.reasons.get(sellerId);

  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: false,
    info: { Title: `Seller ${sellerId} scorecard ${set.period.key}`, Author: 'Marketplace Pulse' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));

  doc.font('Helvetica-Bold').fontSize(18).fillColor('#0b2e59').text(`Seller ${sellerId} — ${set.period.label}`);
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor('#555555')
    .text(`Scorecard from the marketplace database. Compared with ${set.previousPeriod.label} and with the marketplace's live sellers.`);
  doc
    .moveDown(0.4)
    .font('Helvetica-Bold')
    .fontSize(10)
    .fillColor('#222222')
    .text(`Segment: ${seller.segment}`, { continued: true })
    .font('Helvetica')
    .text(` — ${SEGMENT_MEANING[seller.segment]}`);

  heading(doc, 'This month');
  const rows: string[][] = MEASURES.map((m) => {
    const v = now[m.key];
    const p = v === null ? null : percentile(set.peers[m.key], v);
    return [
      m.title,
      fmt(m.format, v),
      fmt(m.format, before[m.key]),
      fmt(m.format, median(set.peers[m.key])),
      p === null ? 'n/a' : `${p}th (${m.better} is better)`,
    ];
  });
  const currencies = [...new Set([...nowT.gmv.keys(), ...beforeT.gmv.keys()])].sort();
  for (const c of currencies) {
    const g = nowT.gmv.get(c) ?? 0;
    const orders = (index.current.get(sellerId) ?? []).find((r) => r.currency === c)?.orders ?? 0;
    rows.push([`GMV (${c})`, g.toFixed(2), (beforeT.gmv.get(c) ?? 0).toFixed(2), '', '']);
    rows.push([`Average order value (${c})`, orders ? (g / orders).toFixed(2) : 'no data', '', '', '']);
  }
  rows.push(['Reviews', String(nowT.reviews), String(beforeT.reviews), '', '']);
  table(
    doc,
    [
      { header: 'Measure', width: 150 },
      { header: set.period.label, width: 85, align: 'right' },
      { header: set.previousPeriod.label, width: 85, align: 'right' },
      { header: 'Marketplace median', width: 85, align: 'right' },
      { header: 'Peer percentile', width: WIDTH - 405, align: 'right' },
    ],
    rows,
  );

  heading(doc, 'Trend (12 months)');
  const byMonth = set.trend.get(sellerId);
  const main = [...(nowT.gmv.size ? nowT.gmv : beforeT.gmv).entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const labels = set.months.map((m) => m.slice(5));
  const y = doc.y;
  drawChart(
    doc,
    { x: MARGIN, y, w: WIDTH / 2 - 6, h: 130 },
    {
      title: 'Orders per month',
      values: set.months.map((_, i) => byMonth?.orders[i] ?? 0),
      labels,
      format: (v) => v.toFixed(0),
      kind: 'bars',
    },
  );
  drawChart(
    doc,
    { x: MARGIN + WIDTH / 2 + 6, y, w: WIDTH / 2 - 6, h: 130 },
    {
      title: main ? `GMV per month (${main})` : 'GMV per month',
      values: set.months.map((_, i) => (main ? (byMonth?.gmv.get(main)?.[i] ?? 0) : 0)),
      labels,
      format: (v) => v.toFixed(0),
      kind: 'line',
    },
  );
  doc.x = MARGIN;
  doc.y = y + 140;

  for (const [kind, title] of [
    ['refund', 'Refund reasons'],
    ['return', 'Return reasons'],
    ['payment_failure', 'Payment failures by reason'],
  ] as [ReasonKind, string][]) {
    heading(doc, title);
    const list = [...(reasons?.[kind] ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (!list.length) {
      doc.font('Helvetica').fontSize(8.5).text('None this month.').moveDown(0.3);
      continue;
    }
    const total = list.reduce((s, [, n]) => s + n, 0);
    const shown = list.slice(0, 5);
    const rest = list.slice(5).reduce((s, [, n]) => s + n, 0);
    const lines = [...shown, ...(rest ? [['all other reasons', rest] as [string, number]] : [])].map(([r, n]) => [
      r,
      String(n),
      `${((n / total) * 100).toFixed(1)} %`,
    ]);
    table(
      doc,
      [
        { header: 'Reason', width: 250 },
        { header: 'Count', width: 80, align: 'right' },
        { header: 'Share', width: 80, align: 'right' },
      ],
      lines,
    );
  }

  heading(doc, 'Listing credits');
  if (seller.creditsTotal > 0) {
    const used = seller.creditsUsed / seller.creditsTotal;
    const verdict =
      1 - used < set.thresholds.lowCreditRatio
        ? 'low credit'
        : used > 0.8
          ? 'above the ideal'
          : used < 0.6
            ? 'below the ideal'
            : 'within the ideal';
    doc
      .font('Helvetica')
      .fontSize(8.5)
      .text(
        `${seller.creditsUsed.toFixed(2)} of ${seller.creditsTotal.toFixed(2)} credits used (${(used * 100).toFixed(1)} %): ${verdict} (ideal 60–80 %).`,
      );
    const bx = MARGIN;
    const by = doc.y + 4;
    doc.rect(bx, by, WIDTH, 10).fillColor('#eeeeee').fill();
    doc
      .rect(bx + WIDTH * 0.6, by, WIDTH * 0.2, 10)
      .fillColor('#cfe8d0')
      .fill();
    doc
      .rect(bx, by + 3, WIDTH * Math.min(1, used), 4)
      .fillColor('#1f5fa8')
      .fill();
    doc.x = MARGIN;
    doc.y = by + 16;
  } else {
    doc.font('Helvetica').fontSize(8.5).text('No credits allocated.');
  }

  heading(doc, 'Recommendations');
  for (const r of recommendations(set, seller, { ...now, reviews: nowT.reviews }, before, reasons))
    doc.font('Helvetica').fontSize(9).fillColor('#222222').text(`• ${r}`, { width: WIDTH }).moveDown(0.15);
  doc.end();
  return done;
}

export type { Measures };

/**
 * Vector charts drawn with pdfkit paths: a daily time series (line, gaps where data is missing)
 * and daily bars. Missing days stay visibly empty — a gap, not a zero.
 */
import type PDFDocument from 'pdfkit';

type Doc = InstanceType<typeof PDFDocument>;

export interface ChartBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChartOptions {
  title: string;
  values: (number | null)[];
  /** Tick label per value (day of month). */
  labels: string[];
  format: (v: number) => string;
  /** A horizontal benchmark line. */
  reference?: number;
  kind: 'line' | 'bars';
}

const AXIS = '#888888';
const GRID = '#e3e3e3';
const INK = '#1f5fa8';
const REF = '#c0392b';

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function drawChart(doc: Doc, box: ChartBox, o: ChartOptions): void {
  const present = o.values.filter((v): v is number => v !== null);
  const plotX = box.x + 52;
  const plotY = box.y + 16;
  const plotW = box.w - 60;
  const plotH = box.h - 34;
  doc.save();
  doc.font('Helvetica-Bold').fontSize(8.5).fillColor('#222222').text(o.title, box.x, box.y, { width: box.w, lineBreak: false });

  let lo = Math.min(0, ...present, o.reference ?? 0);
  let hi = Math.max(...present, o.reference ?? -Infinity);
  if (!Number.isFinite(hi)) hi = 1;
  // Ratios near 1 (uptime, success) read better on a zoomed axis.
  if (o.kind === 'line' && present.length && Math.min(...present) > 0.5 * hi) lo = Math.min(...present, o.reference ?? Infinity) * 0.98;
  hi = lo === 0 ? niceMax(hi) : hi + (hi - lo) * 0.1 || hi + 1;
  const yOf = (v: number) => plotY + plotH - ((v - lo) / (hi - lo || 1)) * plotH;

  doc.font('Helvetica').fontSize(6.5).fillColor('#555555');
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const y = yOf(v);
    doc
      .moveTo(plotX, y)
      .lineTo(plotX + plotW, y)
      .lineWidth(0.4)
      .strokeColor(GRID)
      .stroke();
    doc.text(o.format(v), box.x, y - 3, { width: 48, align: 'right', lineBreak: false });
  }
  doc
    .moveTo(plotX, plotY)
    .lineTo(plotX, plotY + plotH)
    .lineTo(plotX + plotW, plotY + plotH)
    .lineWidth(0.6)
    .strokeColor(AXIS)
    .stroke();

  const n = Math.max(o.values.length, 1);
  const step = plotW / n;
  const xOf = (i: number) => plotX + step * (i + 0.5);
  const every = Math.ceil(n / 10);
  o.labels.forEach((l, i) => {
    if (i % every === 0) doc.text(l, xOf(i) - 12, plotY + plotH + 3, { width: 24, align: 'center', lineBreak: false });
  });

  if (o.kind === 'bars') {
    o.values.forEach((v, i) => {
      if (v === null) return;
      const y = yOf(Math.max(v, lo));
      doc
        .rect(xOf(i) - step * 0.35, y, step * 0.7, plotY + plotH - y)
        .fillColor(INK)
        .fill();
    });
  } else {
    let open = false;
    o.values.forEach((v, i) => {
      if (v === null) {
        open = false;
        return;
      }
      if (!open) doc.moveTo(xOf(i), yOf(v));
      else doc.lineTo(xOf(i), yOf(v));
      open = true;
    });
    doc.lineWidth(1.2).strokeColor(INK).stroke();
    o.values.forEach((v, i) => {
      if (v !== null) doc.circle(xOf(i), yOf(v), 1.3).fillColor(INK).fill();
    });
  }
  // Shade missing days so a gap reads as "no data".
  o.values.forEach((v, i) => {
    if (v === null)
      doc
        .rect(xOf(i) - step / 2, plotY, step, plotH)
        .fillOpacity(0.12)
        .fillColor('#999999')
        .fill()
        .fillOpacity(1);
  });
  if (o.reference !== undefined && o.reference >= lo && o.reference <= hi) {
    const y = yOf(o.reference);
    doc
      .moveTo(plotX, y)
      .lineTo(plotX + plotW, y)
      .dash(3, { space: 2 })
      .lineWidth(0.8)
      .strokeColor(REF)
      .stroke()
      .undash();
  }
  doc.restore();
}

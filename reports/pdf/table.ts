/**
 * Simple ruled tables for pdfkit with page breaks and a repeated header. Cells wrap and rows grow to
 * fit, unless `rowHeight` is given: then every cell is one line and nothing is measured, which is what
 * thousands of seller scorecards per run need (text layout dominates their rendering time).
 */
import type PDFDocument from 'pdfkit';

type Doc = InstanceType<typeof PDFDocument>;

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right' | 'center';
}

export interface Cell {
  text: string;
  color?: string;
}

const ROW_PAD = 3;

export interface TableOptions {
  fontSize?: number;
  /** Fixed row height: single-line cells, no measuring or wrapping. */
  rowHeight?: number;
}

export function drawTable(doc: Doc, columns: Column[], rows: (string | Cell)[][], opts: TableOptions = {}): void {
  const size = opts.fontSize ?? 8;
  const fixed = opts.rowHeight;
  const x0 = doc.page.margins.left;
  const bottom = doc.page.height - doc.page.margins.bottom - 20;

  const rowHeight = (cells: (string | Cell)[], bold: boolean) => {
    if (fixed !== undefined) return fixed;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(size);
    return (
      Math.max(...cells.map((c, i) => doc.heightOfString(typeof c === 'string' ? c : c.text, { width: columns[i]!.width - 6 }))) +
      ROW_PAD * 2
    );
  };
  const drawRow = (cells: (string | Cell)[], bold: boolean, shade: boolean) => {
    const h = rowHeight(cells, bold);
    if (doc.y + h > bottom) {
      doc.addPage();
      if (!bold)
        drawRow(
          columns.map((c) => c.header),
          true,
          true,
        );
    }
    const y = doc.y;
    const w = columns.reduce((s, c) => s + c.width, 0);
    if (shade)
      doc
        .rect(x0, y, w, h)
        .fillColor(bold ? '#e8eef6' : '#f6f6f6')
        .fill();
    let x = x0;
    cells.forEach((c, i) => {
      const cell = typeof c === 'string' ? { text: c } : c;
      const col = columns[i]!;
      doc
        .font(bold ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(size)
        .fillColor(cell.color ?? '#222222');
      if (fixed === undefined) doc.text(cell.text, x + 3, y + ROW_PAD, { width: col.width - 6, align: col.align ?? 'left' });
      else {
        // One line placed by hand: pdfkit's alignment would lay the text out in a box first.
        const free = col.width - 6 - doc.widthOfString(cell.text);
        const dx = col.align === 'right' ? free : col.align === 'center' ? free / 2 : 0;
        doc.text(cell.text, x + 3 + Math.max(0, dx), y + ROW_PAD, { lineBreak: false });
      }
      x += columns[i]!.width;
    });
    doc
      .moveTo(x0, y + h)
      .lineTo(x0 + w, y + h)
      .lineWidth(0.3)
      .strokeColor('#cccccc')
      .stroke();
    doc.x = x0;
    doc.y = y + h;
  };
  drawRow(
    columns.map((c) => c.header),
    true,
    true,
  );
  rows.forEach((r, i) => {
    drawRow(r, false, i % 2 === 1);
  });
  doc.moveDown(0.6);
}

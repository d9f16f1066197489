/**
 * Queries into the embedded PGlite engine as named prepared statements, one call into the engine per
 * execution. `pglite.query()` sends Parse, Describe, Bind, Describe, Execute and Sync as six separate
 * calls and has PostgreSQL parse and plan the text every time: ≈ 0.57 ms of CPU for an indexed count
 * against ≈ 0.10 ms here (bench/backfill-replay.ts). A backfill runs the same ≈ 70 statements at
 * every one of its 1,108 instants, so each text is parsed once and then only bound and executed.
 * Parameters are serialized and column values parsed by PGlite's own serializers and parsers, as in
 * `query()`; only the reply's messages are read here (readRows).
 */
import { type PGlite, parse, protocol, type ParserOptions, type messages } from '@electric-sql/pglite';

interface Column {
  name: string;
  /** Text value to JS value, by the column's type, or the text itself. */
  read: (text: string) => unknown;
}

interface Statement {
  name: string;
  /** Type OID of each parameter, as PostgreSQL inferred it when it parsed the text. */
  paramTypes: number[];
  /** The result columns, known once the statement is described (none for a statement without rows). */
  columns: Column[];
}

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The rows of one execution, read straight from the engine's reply: DataRow messages become one
 * object per row (columns by name, as `query()` builds them); an ErrorResponse is thrown with its
 * message. PGlite's own message parser copies every field into a fresh buffer before decoding it,
 * which took about a tenth of a 35-day replay on large first loads and full refreshes.
 */
function readRows<R>(reply: Uint8Array, cols: readonly Column[]): R[] {
  const buf = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  const rows: R[] = [];
  let error: string | null = null;
  for (let at = 0; at < buf.length; ) {
    const type = buf[at]!;
    const end = at + 1 + buf.readInt32BE(at + 1);
    if (type === 0x44 /* D: DataRow */) {
      let p = at + 7; // type, length, field count
      const row: Record<string, unknown> = {};
      for (let i = 0; i < cols.length; i++) {
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < 0) row[cols[i]!.name] = null;
        else {
          row[cols[i]!.name] = cols[i]!.read(buf.toString('utf8', p, p + len));
          p += len;
        }
      }
      rows.push(row as R);
    } else if (type === 0x45 /* E: ErrorResponse */) {
      // Fields: a code byte and a NUL-terminated string each; M is the message.
      for (let p = at + 5; p < end && buf[p] !== 0; ) {
        const code = buf[p]!;
        const stop = buf.indexOf(0, p + 1);
        if (code === 0x4d) error = buf.toString('utf8', p + 1, stop);
        p = stop + 1;
      }
      error ??= 'the database reported an error';
    }
    at = end;
  }
  if (error !== null) throw new Error(error);
  return rows;
}

export class PreparedStatements {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly pglite: PGlite,
    /** Result parsers by type OID, over PGlite's defaults. */
    private readonly parsers: ParserOptions = {},
  ) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.pglite.runExclusive(async () => {
      const st = this.statements.get(text) ?? (await this.prepare(text));
      const values = params.map((v, i) => {
        if (v === null || v === undefined) return null;
        const s = this.pglite.serializers[st.paramTypes[i]!];
        return s ? s(v) : String(v);
      });
      const reply = await this.pglite.execProtocolRaw(
        concat([serialize.bind({ statement: st.name, values }), serialize.execute({}), serialize.sync()]),
        { syncToFs: false },
      );
      return readRows<R>(reply, st.columns);
    });
  }

  /** Forgets every statement prepared here (they live as long as the engine's session otherwise). */
  async close(): Promise<void> {
    await this.pglite.runExclusive(async () => {
      for (const { name } of this.statements.values()) {
        await this.pglite.execProtocol(concat([serialize.close({ type: 'S', name }), serialize.sync()]), { syncToFs: false });
      }
    });
    this.statements.clear();
  }

  private async prepare(text: string): Promise<Statement> {
    const name = `pulse_replay_${this.statements.size + 1}`;
    const { messages } = await this.pglite.execProtocol(
      concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const desc = messages.find((m): m is messages.RowDescriptionMessage => m.name === 'rowDescription');
    const columns = (desc?.fields ?? []).map((f) => {
      const own = this.parsers[f.dataTypeID];
      const engine = this.pglite.parsers[f.dataTypeID];
      const read = own ?? (engine ? (text: string) => engine(text, f.dataTypeID) : (text: string) => text);
      return { name: f.name, read };
    });
    const st = { name, paramTypes: parse.parseDescribeStatementResults(messages), columns };
    this.statements.set(text, st);
    return st;
  }
}

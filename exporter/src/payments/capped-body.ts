/** Provider response bodies are read up to a cap: a runaway or hostile body cannot exhaust memory. */

/** Largest provider response read (a 500-transaction PayPal page is ~0.5 MB). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** Reads an async-iterable byte stream, failing as soon as it passes `max` bytes. */
export async function readCapped(stream: AsyncIterable<Uint8Array> | null | undefined, max = MAX_BODY_BYTES): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > max) {
      (stream as { destroy?: () => void }).destroy?.();
      throw new BodyTooLargeError(`response body over ${max} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

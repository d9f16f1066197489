/** Output files of the reports (PDF, CSV): written whole or not at all, so a reader never sees half a file. */
import { rename, writeFile } from 'node:fs/promises';

export async function writeAtomic(file: string, content: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

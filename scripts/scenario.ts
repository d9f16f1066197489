/** Replays the simulated days through promtool and writes the precision/recall table into README. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { README_END, README_START, renderTable, replay, score } from '../alerting/scenario/replay';
import { ROOT } from '../shared/generated';

const readme = path.join(ROOT, 'README.md');
const text = readFileSync(readme, 'utf8');
const start = text.indexOf(README_START);
const end = text.indexOf(README_END);
if (start < 0 || end < start) throw new Error('README.md has no scenario-replay markers');
const table = renderTable(score(replay()));
writeFileSync(readme, text.slice(0, start) + table + text.slice(end + README_END.length));
console.log(table);

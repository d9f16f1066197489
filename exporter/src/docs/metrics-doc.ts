/** Renders METRICS.md, the metric reference, from the catalogue. */
import { catalogue, collectorsOf, type Area, type LabelValues, type MetricDef } from '../../../shared/catalogue';
import { generatedHeader, type GeneratedFile } from '../../../shared/generated';

function labelDoc(v: LabelValues): string {
  switch (v.kind) {
    case 'fixed':
      return v.values.map((x) => `\`${x}\``).join(', ');
    case 'config':
      return `\`allow_lists.${v.list}\` + \`other\``;
    case 'internal':
      return v.description;
  }
}

function row(m: MetricDef): string {
  const labels = Object.entries(m.labels as Record<string, LabelValues>);
  const lines = [
    `### \`${m.name}\``,
    '',
    `${m.type} · unit: ${m.unit} · collector: ${collectorsOf(m)
      .map((c) => `\`${c}\``)
      .join(', ')} · source: ${m.source}`,
    '',
    m.help,
    '',
    `**Definition.** ${m.definition}`,
    '',
  ];
  if (labels.length) {
    lines.push('| label | values |', '|---|---|', ...labels.map(([k, v]) => `| \`${k}\` | ${labelDoc(v)} |`), '');
  }
  if (m.buckets) lines.push(`Buckets: ${m.buckets.join(', ')}`, '');
  return lines.join('\n');
}

// A fixed order: module namespace objects enumerate in a loader-dependent order (tsx and ts-jest
// differ), and the generated file must be byte-identical whoever writes it.
const AREAS: readonly Area[] = [
  'users & engagement',
  'orders & revenue',
  'payments',
  'sellers',
  'satisfaction',
  'reliability',
  'security',
  'exporter',
];

export function metricsDoc(): GeneratedFile {
  const areas = [...AREAS, ...new Set(catalogue.map((m) => m.area).filter((a) => !AREAS.includes(a)))];
  const parts = [
    generatedHeader('<!--', 'exporter/src/catalogue'),
    '# Metric reference',
    '',
    `Marketplace Pulse publishes ${catalogue.length} metric families. Counters are cumulative and survive restarts through \`rate()\`/\`increase()\`; window gauges are recomputed by their collector. Money is in major currency units with a \`currency\` label; ratios are 0..1; durations are seconds.`,
    '',
    ...areas.map(
      (a) =>
        `- [${a}](#${a
          .replace(/[^a-z ]/g, '')
          .trim()
          .replace(/ +/g, '-')})`,
    ),
    '',
  ];
  for (const area of areas) {
    parts.push(`## ${area}`, '');
    for (const m of catalogue.filter((x) => x.area === area).sort((a, b) => a.name.localeCompare(b.name))) parts.push(row(m));
  }
  return { path: 'METRICS.md', content: parts.join('\n') };
}

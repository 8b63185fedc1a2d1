/** compare.md: the comparison as a Markdown table, for a pull-request comment or a CI job summary. */
import { relativeChange, unitValue } from '../format.js';
import type { Comparison, CompareRow, CompareStatus } from './compare.js';
import { comparisonVerdict } from './compare-verdict.js';

const statusMark: Record<CompareStatus, string> = { ok: '✅ ok', improved: '✅ better', noise: '〰️ noise', regressed: '❌ regressed', missing: '❌ no data in candidate', 'no data': '– no data' };

export function noiseText(r: CompareRow): string {
  return r.noise === null ? '–' : `${unitValue(r.unit, r.noise)} (${r.noiseFrom})`;
}

export function compareMarkdown(c: Comparison): string {
  const lines = [
    `## rtcstorm compare — ${comparisonVerdict(c).text}`,
    '',
    `Baseline: ${c.baselineRuns} run${c.baselineRuns > 1 ? 's (median)' : ''} · tolerance ${(c.tolerance * 100).toFixed(0)}%`,
    ...c.warnings.map((w) => `\n> ⚠️ ${w}`),
    '',
    '| metric | baseline | candidate | change | noise | result |',
    '|---|---|---|---|---|---|',
    ...c.rows.map((r) => `| \`${r.metric}\` | ${unitValue(r.unit, r.baseline)} | ${unitValue(r.unit, r.candidate)} | ${relativeChange(r.relative)} | ${noiseText(r)} | ${statusMark[r.status]} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** compare.html: the comparison table, and every run's latency and loss drawn over each other, as one self-contained page. */
import { relativeChange, unitValue } from '../format.js';
import { chart, esc, htmlPage, htmlTable } from '../html/page.js';
import type { Comparison, CompareStatus } from './compare.js';
import { noiseText } from './compare-md.js';
import { comparisonVerdict } from './compare-verdict.js';

const statusClass: Record<CompareStatus, string> = { ok: 'ok', improved: 'ok', noise: 'noise', regressed: 'bad', missing: 'bad', 'no data': 'muted' };

export function compareHtml(c: Comparison): string {
  const verdict = comparisonVerdict(c);
  const rows = c.rows.map((r) => [
    `<code>${esc(r.metric)}</code>`,
    esc(unitValue(r.unit, r.baseline)),
    esc(unitValue(r.unit, r.candidate)),
    esc(relativeChange(r.relative)),
    esc(noiseText(r)),
    `<span class="${statusClass[r.status]}">${r.status}</span>`,
  ]);
  const body = `<h1>rtcstorm compare</h1>
<div id="verdict" class="verdict ${c.regressed ? 'fail' : 'pass'}">${esc(verdict.text)}</div>
<p class="muted">Baseline: ${c.baselineRuns} run${c.baselineRuns > 1 ? 's (median; noise is their spread)' : ' (noise from 95% confidence intervals of both runs)'} · tolerance ${(c.tolerance * 100).toFixed(0)}%.
A metric regresses when the candidate is worse by more than the tolerance and by more than the noise.</p>
${c.warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join('\n')}
${htmlTable(['metric', 'baseline', 'candidate', 'change', 'noise', 'result'], rows, 'comparison')}
<h2>Runs over each other</h2>
<p class="muted">Each run on its own seconds since start.</p>
<div class="charts">
${chart('compare-latency-p50', 'End-to-end latency p50')}
${chart('compare-latency-p99', 'End-to-end latency p99')}
${chart('compare-loss', 'Packet loss')}
${chart('compare-latency-cdf', 'Latency, cumulative distribution (whole run)')}
</div>`;
  return htmlPage(`rtcstorm compare · ${verdict.text}`, body, { compare: c.charts });
}

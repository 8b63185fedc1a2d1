/** A capacity search in Markdown: its answer, then every step with its load, SLO values and outcome. */
import { count, metricValue } from '../format.js';
import type { CapacitySection, CapacityStepReport } from '../report-types.js';
import { capacityText } from '../verdict.js';

const outcomeText: Record<CapacityStepReport['outcome'], string> = { held: '✅ held', 'target-limit': '❌ target limit', 'loader-limit': '⚠️ loader limit', incomplete: '⏹️ incomplete' };

function cpuText(step: CapacityStepReport): string {
  const nodes = Object.entries(step.targetCpuPercent);
  return nodes.length === 0 ? '–' : nodes.map(([node, cpu]) => `${node} ${Math.round(cpu)}%`).join(', ');
}

export function capacityLines(capacity: CapacitySection): string[] {
  const slos = capacity.steps[0]?.slo ?? [];
  const head = `| step | rooms | bots | publishers | pkt/s in | pkt/s out | target CPU | ${slos.map((s) => `\`${s.metric}: ${s.expression}\``).join(' | ')} | outcome |`;
  const rows = capacity.steps.map((step) => {
    const values = step.slo.map((s) => `${metricValue(s.metric, s.value)}${s.ok ? '' : ' ❌'}`);
    return `| ${step.probe ? `probe ${step.index}` : step.index} | ${step.rooms} | ${count(step.bots)} | ${count(step.publishers)} | ${count(Math.round(step.packetsInPerSecond))} | ${count(Math.round(step.packetsOutPerSecond))} | ${cpuText(step)} | ${values.join(' | ')} | ${outcomeText[step.outcome]} |`;
  });
  const reason = capacity.broke?.step.reason ? ['', `Step ${capacity.broke.step.index}: ${capacity.broke.step.reason}.`] : [];
  return [`**Capacity: ${capacityText(capacity)}.**`, '', head, `|${'---|'.repeat(8 + slos.length)}`, ...rows, ...reason];
}

/** A capacity search's answer from its steps: the largest held, the first that broke and why, and the minimum asked for. */
import type { CapacityStep } from '../../core/plan/capacity-plan.js';
import type { CapacitySpec } from '../../core/scenario/index.js';
import type { CapacitySection, CapacityStepReport } from '../report-types.js';

/** The steps a search ran, judged, up to the first that did not hold: later ones only ran while the run was stopping. */
export function judgedSteps(judge: (step: CapacityStep) => CapacityStepReport, steps: readonly CapacityStep[], runMs: number): CapacityStepReport[] {
  const judged: CapacityStepReport[] = [];
  for (const step of steps) {
    if (step.startMs >= runMs) break;
    const report = judge(step);
    judged.push(report);
    if (report.outcome !== 'held') break;
  }
  return judged;
}

/** Steps in the order they ran (a refinement's probes after the search's own). */
export function capacitySection(spec: CapacitySpec, steps: CapacityStepReport[]): CapacitySection {
  const search = steps.filter((s) => !s.probe);
  const firstNotHeld = search.find((s) => s.outcome !== 'held');
  const beforeBreak = firstNotHeld ? steps.filter((s) => s.probe || s.index < firstNotHeld.index) : steps;
  const held = beforeBreak.filter((s) => s.outcome === 'held').reduce<CapacityStepReport | null>((best, s) => (best === null || s.bots > best.bots ? s : best), null);
  // A probe that broke below the search's breaking step is the tighter limit.
  const brokenProbes = steps.filter((s) => s.probe && s.outcome === 'target-limit');
  const lowestBreak = [firstNotHeld, ...brokenProbes].filter((s): s is CapacityStepReport => s !== undefined).reduce<CapacityStepReport | null>((low, s) => (low === null || s.bots < low.bots ? s : low), null);
  const outcome: CapacitySection['outcome'] = firstNotHeld ? (firstNotHeld.outcome as Exclude<CapacityStepReport['outcome'], 'held'>) : search.at(-1)?.rooms === spec.maxRooms ? 'max-reached' : 'incomplete';
  // Only a target limit names an SLO: a step at the loader's limit says nothing of the target.
  const brokeStep = outcome === 'target-limit' ? lowestBreak : (firstNotHeld ?? null);
  const broke = brokeStep ? { step: brokeStep, slo: outcome === 'target-limit' ? (brokeStep.slo.find((s) => !s.ok) ?? null) : null } : null;
  const min = spec.min === null ? null : { bots: 'bots' in spec.min ? spec.min.bots : null, rooms: 'rooms' in spec.min ? spec.min.rooms : null, met: held !== null && ('bots' in spec.min ? held.bots >= spec.min.bots : held.rooms >= spec.min.rooms) };
  return { outcome, held, broke, min, steps };
}

const unitMs = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof unitMs;
const unitOrder: readonly Unit[] = ['h', 'm', 's', 'ms'];

const wholeText = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const bareNumber = /^\d+(?:\.\d+)?$/;

/** Milliseconds in a duration such as '500ms', '20s', '1.5m' or '2m30s'; throws with a hint on bad input. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (bareNumber.test(trimmed)) {
    throw new Error(`duration "${text}" has no unit: add one of ms, s, m, h (e.g. "${trimmed}s" or "${trimmed}ms")`);
  }
  if (!wholeText.test(trimmed)) {
    throw new Error(`invalid duration "${text}": expected a number with a unit (ms, s, m, h), e.g. "500ms", "20s", "1.5m" or "2m30s"`);
  }
  let total = 0;
  let previous = -1;
  for (const [, amount, unitText] of trimmed.matchAll(part)) {
    const unit = unitText as Unit;
    const rank = unitOrder.indexOf(unit);
    if (rank <= previous) {
      throw new Error(`invalid duration "${text}": units must go from largest to smallest, each at most once (h, m, s, ms)`);
    }
    previous = rank;
    total += Number(amount) * unitMs[unit];
  }
  return Math.round(total);
}

/** Shortest text that parseDuration reads back as the same whole number of milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}: must be a finite number ≥ 0`);
  let rest = Math.round(ms);
  if (rest === 0) return '0ms';
  let text = '';
  for (const unit of unitOrder) {
    const amount = Math.floor(rest / unitMs[unit]);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * unitMs[unit];
  }
  return text;
}

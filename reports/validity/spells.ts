/** A spell: consecutive seconds for which a condition held. */
export interface Spell { length: number; from: number }

/** The longest run of consecutive seconds among `seconds` (sorted) for which `over(t)` holds, and where it started. */
export function longestSpell(seconds: number[], over: (t: number) => boolean): Spell {
  let best = { length: 0, from: 0 };
  let current = { length: 0, from: 0 };
  let previous = Number.NaN;
  for (const t of seconds) {
    if (!over(t)) {
      current = { length: 0, from: t };
    } else {
      current = t === previous + 1 && current.length > 0 ? { length: current.length + 1, from: current.from } : { length: 1, from: t };
      if (current.length > best.length) best = current;
    }
    previous = t;
  }
  return best;
}

/** Whole seconds a duration in ms asks for; at least one. */
export function secondsOf(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function secondsText(spell: Spell): string {
  return `${spell.length} s from t=${spell.from}s`;
}

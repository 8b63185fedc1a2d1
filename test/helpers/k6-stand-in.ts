/**
 * A Node stand-in for the k6 modules that rtcstorm's k6 script imports (k6, k6/execution, k6/http,
 * k6/metrics, k6/timers, k6/websockets), so the script's protocol logic can run against a real
 * target where no k6 binary is installed. It records checks and trend samples for the test to read.
 * Only what the script uses is here; k6 itself stays the reference.
 */
import WebSocketImpl from 'ws';

export const recorded = {
  checks: [] as Array<{ name: string; ok: boolean }>,
  trends: new Map<string, number[]>(),
};

export function check<T>(value: T, sets: Record<string, (v: T) => boolean>): boolean {
  let all = true;
  for (const [name, test] of Object.entries(sets)) {
    const ok = test(value);
    recorded.checks.push({ name, ok });
    all &&= ok;
  }
  return all;
}

export class Trend {
  constructor(readonly name: string) {}

  add(value: number): void {
    const values = recorded.trends.get(this.name) ?? [];
    values.push(value);
    recorded.trends.set(this.name, values);
  }
}

// k6/websockets follows the browser WebSocket API, as does ws's WebSocket (onopen, onmessage with event.data, …).
export const WebSocket = WebSocketImpl;

export const setTimeout = globalThis.setTimeout;
export const clearTimeout = globalThis.clearTimeout;

export async function asyncRequest(method: string, url: string): Promise<{ status: number; json: () => unknown }> {
  const response = await fetch(url, { method });
  const text = await response.text();
  return { status: response.status, json: () => JSON.parse(text) as unknown };
}

/** k6/execution: set by the test before it calls an iteration function. */
export const vu = { idInTest: 1, iterationInScenario: 0 };
export const scenario = { name: '' };
export default { vu, scenario };

/**
 * Time as the run, the chaos timeline and recovery see it. The product uses the real clock; unit
 * tests pass a manual one (test/helpers/manual-clock.ts), so a step due at t runs at exactly t and a
 * 30 s scenario takes no 30 s.
 */
import { setTimeout as sleep } from 'node:timers/promises';

declare const timerBrand: unique symbol;
/** A pending timeout or interval, as one clock made it; only that clock can clear it. */
export type Timer = { readonly [timerBrand]: true };

export interface Clock {
  /** Epoch milliseconds, as `Date.now()`. */
  now(): number;
  setTimeout(callback: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(callback: () => void, ms: number): Timer;
  clearInterval(timer: Timer | undefined): void;
  /** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// Node's timers behind the Timer brand: the casts only hide NodeJS.Timeout from callers.
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as Timer,
  clearTimeout: (timer) => clearTimeout(timer as unknown as NodeJS.Timeout | undefined),
  setInterval: (callback, ms) => setInterval(callback, ms) as unknown as Timer,
  clearInterval: (timer) => clearInterval(timer as unknown as NodeJS.Timeout | undefined),
  sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
};

/** Calls each observer's hooks behind one call (the multiplexer of ports/run-observer.ts's observers). */
import type { RunObserver } from '../../ports/run-observer.js';

/** Calls a hook on every observer; failures become warnings on stderr. */
export async function notify<K extends keyof RunObserver>(observers: RunObserver[], hook: K, ...args: Parameters<NonNullable<RunObserver[K]>>): Promise<void> {
  for (const observer of observers) {
    try {
      await (observer[hook] as ((...a: typeof args) => unknown) | undefined)?.call(observer, ...args);
    } catch (error) {
      process.stderr.write(`rtcstorm: observer ${hook} failed: ${(error as Error).message}\n`);
    }
  }
}

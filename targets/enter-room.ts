import type { TargetSession } from '../ports/target-adapter.js';

/** Enters the room; a session that could not, leaves (closing what it opened), and the failure is thrown. */
export async function enterOrLeave<S extends TargetSession & { enter(): Promise<void> }>(session: S): Promise<S> {
  try {
    await session.enter();
  } catch (error) {
    await session.leave();
    throw error;
  }
  return session;
}

/**
 * Every started thing pushes its own undo; undos run in reverse order, each once, even when the
 * run failed or was interrupted, and one failing undo does not stop the others.
 */
export class TeardownStack {
  private readonly steps: Array<{ name: string; undo: () => Promise<void> | void }> = [];

  push(name: string, undo: () => Promise<void> | void): void {
    this.steps.push({ name, undo });
  }

  /** Runs and forgets every step; returns the failures as messages. */
  async runAll(): Promise<string[]> {
    const failures: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push(`${step.name}: ${(error as Error).message}`);
      }
    }
    return failures;
  }
}

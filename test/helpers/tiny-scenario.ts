import { writeScenario } from './cli.js';

/** The smallest real run, for tests of what a run produces: 4 werift bots in one room, 6 s, one bundled node. */
export function writeTinyScenario(name: string, thresholds = '{}'): string {
  return writeScenario(`
name: ${name}
duration: 6s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - { engine: werift, name: voice, count: 4, rampUp: 1s }
thresholds: ${thresholds}
`);
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { importPopulation } from '../../imports/population.js';
import { parseScenario } from '../../core/scenario/index.js';

/** 1,000 clients: RTT log-normal around 60 ms; loss growing with RTT, with its own spread (seeded). */
function population(): { csv: string; rtt: number[]; loss: number[] } {
  let seed = 42;
  const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const normal = (): number => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
  const rtt: number[] = [];
  const loss: number[] = [];
  const lines = ['rttMs,Loss,jitter'];
  for (let i = 0; i < 1000; i++) {
    const r = 60 * Math.exp(0.5 * normal());
    const l = Math.min(0.5, 0.004 * (r / 60) ** 2 * Math.exp(0.15 * normal()));
    rtt.push(Number(r.toFixed(1)));
    loss.push(Number(l.toFixed(5)));
    lines.push(`${r.toFixed(1)},${(l * 100).toFixed(3)}%,${(r / 10).toFixed(1)}`);
  }
  return { csv: `${lines.join('\n')}\n`, rtt, loss };
}

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]!;
const within = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance * expected, `${what}: ${actual} is not within ${tolerance * 100}% of ${expected}`);

describe('rtcstorm import population', () => {
  it('per-client rows: 8 profiles, narrowing towards the tail, whose mix reproduces p50 and p90 of rtt and p50 of loss within 10%', () => {
    const { csv, rtt, loss } = population();
    const result = importPopulation(csv, 'clients.csv');
    assert.equal(result.mode, 'clients');
    assert.equal(result.profiles.length, 8);
    // Shares add up to the whole, narrowing towards the bad end (finer profiles where incidents live).
    assert.ok(Math.abs(result.profiles.reduce((sum, p) => sum + p.share, 0) - 1) < 1e-9, JSON.stringify(result.profiles));
    assert.ok(result.profiles.every((p, i) => i === 0 || p.share <= result.profiles[i - 1]!.share), JSON.stringify(result.profiles));
    // Against the population as the test computes it, not as the module does.
    within(result.comparison.mix.rttP50, quantile(rtt, 0.5), 0.1, 'rtt p50');
    within(result.comparison.mix.rttP90, quantile(rtt, 0.9), 0.1, 'rtt p90');
    within(result.comparison.mix.lossP50, quantile(loss, 0.5), 0.1, 'loss p50');
    within(result.comparison.population.rttP90, quantile(rtt, 0.9), 0.001, 'population rtt p90');
    // Profiles go from best to worst, and the worst is far from the best.
    assert.ok(result.profiles[7]!.rttMs > 2 * result.profiles[0]!.rttMs);
    assert.match(result.summary, /rtt p90/);
  });

  it('per-client rows: the mix reproduces loss p90 within 10% (a steep tail: loss grows with RTT squared)', () => {
    const { csv, loss } = population();
    within(importPopulation(csv, 'clients.csv').comparison.mix.lossP90, quantile(loss, 0.9), 0.1, 'loss p90');
  });

  it('writes a network: block the scenario loader accepts, shares summing to 100%', () => {
    const result = importPopulation(population().csv, 'clients.csv', { profiles: 5 });
    const network = (parse(result.yaml) as { network: { assign: Array<{ bots: string }> } }).network;
    assert.equal(network.assign.length, 5);
    assert.equal(network.assign.reduce((sum, a) => sum + Number(a.bots.replace('%', '')), 0), 100);
    const scenario = parseScenario(`name: pop\nduration: 20s\ntarget: { bundled: { nodes: 1, workersPerNode: 1 } }\nrooms: { count: 1, size: 4 }\nfleet:\n  - { engine: werift, name: voice, count: 4 }\n${result.yaml}`, 'pop.yaml');
    const first = result.profiles[0]!;
    const profile = scenario.network?.profiles[first.name];
    assert.ok(profile !== undefined && !('trace' in profile));
    assert.equal(profile.delayMs, Math.round(first.rttMs / 2));
  });

  it('per-region rows with percentiles: a profile at p50 for 90% of a region, one at p95 for 10%', () => {
    const csv = 'Region,clients,rtt_p50,rtt_p95,loss_p50,loss_p95,jitter_p50\neu-west,600,40,90,0.2%,2%,4\nap south,300,120,260,1%,6%,12\nsa,100,80,,0.5%,,8\n';
    const result = importPopulation(csv, 'regions.csv');
    assert.equal(result.mode, 'regions');
    assert.deepEqual(result.profiles.map((p) => [p.name, p.share, p.rttMs, p.loss]), [
      ['eu-west', 0.54, 40, 0.002],
      ['eu-west-p95', 0.06, 90, 0.02],
      ['ap-south', 0.27, 120, 0.01],
      ['ap-south-p95', 0.03, 260, 0.06],
      ['sa', 0.1, 80, 0.005],
    ]);
    assert.match(result.yaml, /bots: 54%\n\s+profile: eu-west\n\s+direction: both/);
  });

  it('bad header names and cells give FILE:LINE:COL', () => {
    assert.throws(() => importPopulation('rtt,latency,loss\n50,1,0.1\n', 'bad.csv'), { message: 'bad.csv:1:5: unknown column "latency" (known: rtt/rttMs, loss, jitter/jitterMs, weight/clients/count, name/region, or percentiles such as rtt_p50, loss_p95)' });
    assert.throws(() => importPopulation('rtt,loss\n50,0.1\n60,lots\n70,150%\n', 'bad.csv'), { message: 'bad.csv:3:4: not a number (got "lots")\nbad.csv:4:4: loss must be a fraction 0–1 or a percentage such as "2%" (got 150%)' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { parseScenario } from '../../core/scenario/index.js';
import { manifestsYaml, renderManifests } from '../../deploy/k8s-manifests.js';

const scenario = parseScenario(
  `name: dist
seed: 4
duration: 30s
target: { bundled: {} }
rooms: { count: 6, size: 4 }
fleet:
  - engine: werift
    count: 24
  - engine: k6
    executor: constant-vus
    vus: 10
    duration: 20s
`,
  'dist.yaml',
);

/** k6-operator's TestRun, as its CRD documents it (no cluster or CRD schema here). */
const testRun = z.object({
  apiVersion: z.literal('k6.io/v1alpha1'),
  kind: z.literal('TestRun'),
  metadata: z.object({ name: z.string(), namespace: z.string() }),
  spec: z.object({ parallelism: z.int().min(1), script: z.object({ configMap: z.object({ name: z.string(), file: z.string() }) }) }),
});

describe('k8s render', () => {
  const manifests = parseAllDocuments(
    manifestsYaml(renderManifests({ scenario, shards: 3, image: 'registry.example/rtcstorm:1', target: 'http://sfu-directory.voice:8080', startAtMs: Date.now() + 120_000, namespace: 'load', resultsClaim: 'rtcstorm-results' })),
  ).map((d) => d.toJSON() as { kind: string; metadata: { name: string }; [k: string]: unknown });
  const byName = (name: string) => manifests.find((m) => m.metadata.name === name)!;

  it('renders objects that validate against the Kubernetes API schemas', () => {
    assert.deepEqual(manifests.map((m) => `${m.kind}/${m.metadata.name}`), [
      'ConfigMap/rtcstorm-scenario',
      'PersistentVolumeClaim/rtcstorm-results',
      'Job/rtcstorm-shards',
      'Job/rtcstorm-merge',
      'ConfigMap/rtcstorm-k6-script',
      'TestRun/rtcstorm-k6',
    ]);
    for (const m of manifests) {
      if (m.kind === 'Job') new Job(m).validate();
      else if (m.kind === 'ConfigMap') new ConfigMap(m).validate();
      else if (m.kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(m).validate();
      else testRun.parse(m);
    }
    assert.throws(() => new Job({ ...byName('rtcstorm-shards'), spec: { completions: 'three' } } as never).validate(), /completions must be integer/);
  });

  it('runs one shard per completion index and merges them all', () => {
    const shards = byName('rtcstorm-shards') as unknown as { spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { containers: Array<{ command: string[] }> } } } };
    assert.equal(shards.spec.completionMode, 'Indexed');
    assert.equal(shards.spec.completions, 3);
    assert.equal(shards.spec.parallelism, 3);
    const command = shards.spec.template.spec.containers[0]!.command.join(' ');
    assert.match(command, /--shard "\$JOB_COMPLETION_INDEX\/3" --start-at \d+ --seed 4 --out "\/results\/shard-\$JOB_COMPLETION_INDEX"/);
    const merge = JSON.stringify(byName('rtcstorm-merge'));
    assert.match(merge, /seq 0 2/);
    assert.match(merge, /rtcstorm merge \/results\/shard-\* --out \/results\/merged/);
    assert.equal((byName('rtcstorm-k6') as unknown as { spec: { parallelism: number } }).spec.parallelism, 3);
  });

  it('ships the scenario with the given target, explicitly allowed off-host', () => {
    const shipped = parse((byName('rtcstorm-scenario') as unknown as { data: Record<string, string> }).data['scenario.yaml']!) as { target: unknown; fleet: unknown[] };
    assert.deepEqual(shipped.target, { url: 'http://sfu-directory.voice:8080', allowNonLoopback: true });
    assert.equal(shipped.fleet.length, 2);
    assert.equal(parseScenario(JSON.stringify(shipped), 'shipped.yaml').target.kind, 'url');
  });
});

/**
 * Kubernetes manifests for a distributed run: the scenario in a ConfigMap, an Indexed Job whose
 * pods run one shard each (shard = completion index) into a shared volume, a merge Job that waits
 * for every shard report and writes one report, and for k6 groups a k6-operator TestRun.
 */
import { parseDocument, stringify } from 'yaml';
import { k6Groups, k6ScriptText } from '../bots/k6/script-text.js';
import type { Scenario } from '../core/scenario/index.js';

export interface K8sRenderInput {
  scenario: Scenario;
  shards: number;
  image: string;
  /** Signalling URL every shard loads: the user's explicit choice, so it may be off-host. */
  target: string;
  startAtMs: number;
  namespace: string;
  resultsClaim: string;
}

type Manifest = Record<string, unknown>;

const app = { 'app.kubernetes.io/name': 'rtcstorm' };

/** The scenario as shipped to the pods: its target replaced by the one given on the command line. */
export function scenarioForCluster(source: string, target: string): string {
  const doc = parseDocument(source);
  doc.set('target', { url: target, allowNonLoopback: true });
  return doc.toString();
}

function meta(name: string, input: K8sRenderInput, component: string): Manifest {
  return { name, namespace: input.namespace, labels: { ...app, 'app.kubernetes.io/component': component } };
}

const volumes = (input: K8sRenderInput): unknown[] => [
  { name: 'scenario', configMap: { name: 'rtcstorm-scenario' } },
  { name: 'results', persistentVolumeClaim: { claimName: input.resultsClaim } },
];
const mounts = [
  { name: 'scenario', mountPath: '/scenario', readOnly: true },
  { name: 'results', mountPath: '/results' },
];

/** Shards run until their scenario ends; the deadline bounds every pod even if something hangs. */
function deadlineSeconds(input: K8sRenderInput): number {
  return Math.ceil((input.startAtMs - Date.now() + input.scenario.durationMs) / 1000) + 600;
}

export function renderManifests(input: K8sRenderInput): Manifest[] {
  const { shards, scenario } = input;
  const manifests: Manifest[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('rtcstorm-scenario', input, 'scenario'), data: { 'scenario.yaml': scenarioForCluster(scenario.source, input.target) } },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(input.resultsClaim, input, 'results'),
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('rtcstorm-shards', input, 'shard'),
      spec: {
        completionMode: 'Indexed',
        completions: shards,
        parallelism: shards,
        backoffLimit: 0,
        activeDeadlineSeconds: deadlineSeconds(input),
        template: {
          metadata: { labels: { ...app, 'app.kubernetes.io/component': 'shard' } },
          spec: {
            restartPolicy: 'Never',
            volumes: volumes(input),
            containers: [
              {
                name: 'shard',
                image: input.image,
                command: ['sh', '-c', `exec rtcstorm run /scenario/scenario.yaml --shard "$JOB_COMPLETION_INDEX/${shards}" --start-at ${input.startAtMs} --seed ${scenario.seed} --out "/results/shard-$JOB_COMPLETION_INDEX"`],
                volumeMounts: mounts,
                resources: { requests: { cpu: '2', memory: '2Gi' } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('rtcstorm-merge', input, 'merge'),
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: deadlineSeconds(input) + 120,
        template: {
          metadata: { labels: { ...app, 'app.kubernetes.io/component': 'merge' } },
          spec: {
            restartPolicy: 'Never',
            volumes: volumes(input),
            containers: [
              {
                name: 'merge',
                image: input.image,
                // Waits for every shard's report (the Job deadline bounds the wait), then merges.
                command: ['sh', '-c', `for i in $(seq 0 ${shards - 1}); do until [ -f /results/shard-$i/report.json ]; do sleep 5; done; done; exec rtcstorm merge /results/shard-* --out /results/merged`],
                volumeMounts: mounts,
              },
            ],
          },
        },
      },
    },
  ];
  if (k6Groups(scenario).length > 0) {
    manifests.push(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('rtcstorm-k6-script', input, 'k6'), data: { 'script.js': k6ScriptText(scenario, { signallingUrl: input.target, tag: scenario.name }) } },
      {
        apiVersion: 'k6.io/v1alpha1',
        kind: 'TestRun',
        metadata: meta('rtcstorm-k6', input, 'k6'),
        spec: { parallelism: shards, script: { configMap: { name: 'rtcstorm-k6-script', file: 'script.js' } }, arguments: '--no-usage-report' },
      },
    );
  }
  return manifests;
}

export function manifestsYaml(manifests: Manifest[]): string {
  return manifests.map((m) => stringify(m)).join('---\n');
}

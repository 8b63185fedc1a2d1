import { exitCodes } from '../../reports/exit-codes.js';
import { loadScenario, ScenarioError } from '../../core/scenario/index.js';
import { manifestsYaml, renderManifests } from '../../deploy/k8s-manifests.js';

export interface K8sRenderOptions { shards: number; image: string; target: string; startIn: number; namespace: string; resultsClaim: string }

/** `rtcstorm k8s render`: prints manifests for `kubectl apply -f -`. */
export function k8sRenderCommand(file: string, opts: K8sRenderOptions): number {
  let scenario;
  try {
    scenario = loadScenario(file);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return exitCodes.badInput;
  }
  if (!/^(wss?|https?):\/\/./.test(opts.target)) {
    process.stderr.write(`rtcstorm k8s render: --target must be a ws:// or wss:// (SFU node) or http(s):// (rtcstorm directory) URL (got "${opts.target}")\n`);
    return exitCodes.badInput;
  }
  const startAtMs = Date.now() + opts.startIn * 1000;
  process.stdout.write(manifestsYaml(renderManifests({ scenario, shards: opts.shards, image: opts.image, target: opts.target, startAtMs, namespace: opts.namespace, resultsClaim: opts.resultsClaim })));
  process.stderr.write(`shards start together at ${new Date(startAtMs).toISOString()}: apply within ${opts.startIn} s (kubectl apply -f -)\n`);
  return exitCodes.ok;
}

/**
 * The architecture's import rules (docs/architecture.md), checked by `npm run lint` in `npm test`.
 * A violation fails `npm test`, and so CI.
 */
const domain = '^(core/(scenario|plan|metrics|quality))/';
// An engine's declaration for the domain (its group, metrics, report fields): in the engine's folder, part of the domain.
const engineKind = '^bots/[^/]+/[a-z0-9]+-(kind|group|metrics)\\.ts$';
module.exports = {
  forbidden: [
    {
      name: 'domain-depends-on-nothing',
      comment: 'Scenario, plan and metrics import only each other, the engines\' declarations (core/scenario/engine-kinds.ts lists them), Node and npm packages.',
      severity: 'error',
      from: { path: domain },
      to: { path: '^(?!core/(scenario|plan|metrics|quality)/)', pathNot: engineKind, dependencyTypesNot: ['core', 'npm', 'npm-dev'] },
    },
    {
      name: 'engine-kinds-are-domain',
      comment: 'An engine\'s declaration (bots/<engine>/*-kind|group|metrics.ts) imports only the domain and other declarations, as the domain does.',
      severity: 'error',
      from: { path: engineKind },
      to: { path: '^(?!core/(scenario|plan|metrics|quality)/)', pathNot: engineKind, dependencyTypesNot: ['core', 'npm', 'npm-dev'] },
    },
    {
      name: 'only-the-registry-lists-engine-kinds',
      comment: 'The domain reaches the engines\' declarations through core/scenario/engine-kinds.ts, so one more engine is one more line there.',
      severity: 'error',
      from: { path: domain, pathNot: '^core/scenario/engine-kinds\\.ts$' },
      to: { path: engineKind },
    },
    {
      name: 'ports-depend-on-the-domain-only',
      comment: 'The interfaces between parts import nothing but each other, the domain and the report model.',
      severity: 'error',
      from: { path: '^ports/' },
      to: { path: '^(?!ports/|core/(scenario|plan|metrics)/|reports/report-(types|schema)\\.ts$)', dependencyTypesNot: ['core', 'npm', 'npm-dev'] },
    },
    {
      name: 'bots-do-not-import-chaos',
      comment: 'fleet-process.ts is the fleet process\'s entry point: it wires the relay to its bots, as bin/ and core/run wire the run.',
      severity: 'error',
      from: { path: '^bots/', pathNot: '^bots/fleet/fleet-process\\.ts$' },
      to: { path: '^chaos/' },
    },
    {
      name: 'bots-get-the-media-plane-wired',
      comment: 'A bot depends on the media plane port (ports/media-plane.ts) only; the fleet process, its entry point, wires the TypeScript plane.',
      severity: 'error',
      from: { path: '^bots/', pathNot: '^bots/fleet/fleet-process\\.ts$' },
      to: { path: '^bots/werift/fast-media\\.ts$' },
    },
    {
      name: 'chaos-does-not-import-bots',
      severity: 'error',
      from: { path: '^chaos/' },
      to: { path: '^bots/' },
    },
    {
      name: 'implementations-do-not-import-the-run',
      comment: 'Engines, chaos, targets and reports depend on ports and the domain; the run (core/run) and doctor (core/doctor) wire them.',
      severity: 'error',
      from: { path: '^(bots|chaos|reports|targets|target-server)/' },
      to: { path: '^core/(run|doctor)/' },
    },
    {
      name: 'engines-load-adapters-only',
      comment: 'Engines reach targets through the adapter port, loaded by targets/adapter-module.ts.',
      severity: 'error',
      from: { path: '^bots/' },
      to: { path: '^(targets/(?!adapter-module\\.ts$)|target-server/)' },
    },
    {
      name: 'targets-are-plug-ins',
      comment: 'A target adapter or launched target depends on ports and the domain, not on engines, chaos or reports.',
      severity: 'error',
      from: { path: '^targets/' },
      to: { path: '^(bots|chaos|reports|core/run)/' },
    },
    {
      name: 'reports-read-the-model-only',
      comment: 'Reports are built from the domain and the report model; engines, chaos and targets reach them through the run.',
      severity: 'error',
      from: { path: '^reports/' },
      to: { path: '^(bots|chaos|targets|target-server)/' },
    },
    {
      name: 'chaos-acts-through-ports',
      comment: 'The chaos timeline acts on the target through target control (ports/), whichever target it is.',
      severity: 'error',
      from: { path: '^chaos/' },
      to: { path: '^(targets|target-server|reports)/' },
    },
    {
      name: 'bundled-target-is-a-plug-in',
      comment: 'The bundled cluster depends on ports and the domain; launched targets may share its process control (instance-cluster.ts, directory.ts).',
      severity: 'error',
      from: { path: '^target-server/' },
      to: { path: '^(bots|chaos|reports|targets)/' },
    },
    {
      name: 'targets-share-only-process-control',
      comment: 'A launched target reuses the bundled cluster\'s process control and room directory, nothing else of it.',
      severity: 'error',
      from: { path: '^targets/' },
      to: { path: '^target-server/(?!(instance-cluster|directory)\\.ts$)' },
    },
    {
      name: 'product-does-not-import-tests-or-bench',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'domain-uses-few-packages',
      comment: 'The domain parses (zod, yaml) and counts (hdr-histogram-js); any other package belongs to an implementation.',
      severity: 'error',
      from: { path: domain },
      to: { dependencyTypes: ['npm', 'npm-dev'], path: 'node_modules/(?!(zod|yaml|hdr-histogram-js)/)' },
    },
    {
      name: 'engine-kinds-use-few-packages',
      comment: 'An engine\'s declaration is domain: it parses with zod, nothing else.',
      severity: 'error',
      from: { path: engineKind },
      to: { dependencyTypes: ['npm', 'npm-dev'], path: 'node_modules/(?!zod/)' },
    },
    {
      name: 'werift-stays-in-its-engine',
      comment: 'werift is the werift engine\'s: bots/werift/ (its internals in werift-internals.ts only).',
      severity: 'error',
      from: { pathNot: '^(bots/werift|test|bench)/' },
      to: { path: 'node_modules/werift/' },
    },
    {
      name: 'werift-internals-in-one-module',
      comment: 'Deep imports of werift (its internals) only in the adapter module that checks its version.',
      severity: 'error',
      from: { pathNot: '^bots/werift/werift-internals\\.ts$' },
      to: { path: 'node_modules/werift/', pathNot: 'node_modules/werift/lib/webrtc/src/index\\.d\\.ts$' },
    },
    {
      name: 'mediasoup-stays-in-the-bundled-target',
      severity: 'error',
      from: { pathNot: '^(target-server|test|bench)/' },
      to: { path: 'node_modules/mediasoup/' },
    },
    {
      name: 'puppeteer-stays-in-the-browser-engine',
      severity: 'error',
      from: { pathNot: '^(bots/browser|test|bench)/' },
      to: { path: 'node_modules/puppeteer-core/' },
    },
    {
      name: 'imports-read-into-the-domain',
      comment: 'imports/ (rtcstorm import: webrtc-internals dumps, client populations) turns measurements into the domain\'s input: it imports only the domain, Node and npm packages.',
      severity: 'error',
      from: { path: '^imports/' },
      to: { path: '^(?!imports/|core/(scenario|plan|metrics|quality)/)', dependencyTypesNot: ['core', 'npm', 'npm-dev'] },
    },
    {
      name: 'only-the-cli-imports-imports',
      comment: 'The import commands are the CLI\'s (bin/); tests may read them too.',
      severity: 'error',
      from: { pathNot: '^(bin|imports|test)/' },
      to: { path: '^imports/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is not followed but stays in the graph, so the rules above see npm imports.
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};

/** The k6 engine as a plug-in: signalling-plane load from a k6 binary, or its groups skipped where there is none. */
import type { EnginePlugin } from '../../ports/engine.js';
import { k6Check } from './doctor.js';
import { prepareK6 } from './k6-engine.js';

export const k6Plugin: EnginePlugin = {
  engine: 'k6',
  create: (scenario, _plan, options) => prepareK6(scenario, options.outDir),
  doctor: k6Check,
};

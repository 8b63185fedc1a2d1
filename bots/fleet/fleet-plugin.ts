/** The werift engine as a plug-in: fleet processes of werift bots, laid out on the network backend the composition root gives it. */
import { availableParallelism } from 'node:os';
import type { EnginePlugin } from '../../ports/engine.js';
import { weriftCheck } from '../werift/werift-version.js';
import { mediaPlaneCheck } from '../native-plane/plane-choice.js';
import { Fleet, type FleetOptions } from './fleet.js';

const joinTimeoutMs = 15_000;

export function weriftPlugin(wiring: Pick<FleetOptions, 'layOut'>): EnginePlugin {
  return {
    engine: 'werift',
    create(_scenario, plan, options) {
      const bots = plan.bots.filter((bot) => bot.engine === 'werift').length;
      if (bots === 0) return { engines: [], skipped: [] };
      // Unset: the fleet settles it once it knows the media plane.
      const processes = options.processes === undefined ? {} : { processes: Math.max(1, Math.min(options.processes, bots)) };
      return { engines: [new Fleet({ ...processes, cores: availableParallelism(), joinTimeoutMs, layOut: wiring.layOut })], skipped: [] };
    },
    doctor: () => {
      const werift = weriftCheck();
      const plane = mediaPlaneCheck();
      return werift.status !== 'ok' ? werift : { ...werift, status: plane.status, detail: `${werift.detail}; media plane: ${plane.detail}`, ...(plane.fix ? { fix: plane.fix } : {}) };
    },
  };
}

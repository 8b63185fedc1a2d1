/** Which media plane a run's werift bots use: the scenario's `media.plane`, with 'auto' settled by whether the addon is built and loads. */
import type { CheckResult } from '../../ports/doctor-check.js';
import type { MediaPlaneChoice } from '../../core/scenario/index.js';
import { addonPath, loadNativeAddon } from './native-addon.js';

export type MediaPlaneName = 'native' | 'typescript';

/** Throws when the scenario asks for the native plane and it cannot run here. */
export function resolveMediaPlane(choice: MediaPlaneChoice): MediaPlaneName {
  if (choice === 'typescript') return 'typescript';
  const addon = loadNativeAddon();
  if (!(addon instanceof Error)) return 'native';
  if (choice === 'native') throw new Error(`media.plane is native, but ${addon.message}`);
  return 'typescript';
}

/** `rtcstorm doctor`'s line: which plane a scenario without `media.plane` gets. */
export function mediaPlaneCheck(): CheckResult {
  const addon = loadNativeAddon();
  return addon instanceof Error
    ? { name: 'media plane', status: 'warn', detail: `typescript (the native plane is not available: ${addon.message})`, fix: 'npm run setup (builds it with gcc and libssl-dev)' }
    : { name: 'media plane', status: 'ok', detail: `native, voice sent through ${addon.sendPath() === 'io_uring' ? 'io_uring, a slot at a time' : `send(), a packet at a time (${process.env.RTCSTORM_NATIVE_IO_URING === '0' ? 'RTCSTORM_NATIVE_IO_URING=0' : 'io_uring refused here'})`} (${process.env.RTCSTORM_NATIVE_ADDON ?? addonPath()})` };
}

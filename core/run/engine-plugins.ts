/**
 * The engines rtcstorm has, as plug-ins, each wired with what it needs from the rest. One more
 * engine is one more entry here. Their order is the start order; teardown runs in reverse, so
 * browsers leave their rooms before the werift bots stop.
 */
import { browserPlugin } from '../../bots/browser/browser-plugin.js';
import { weriftPlugin } from '../../bots/fleet/fleet-plugin.js';
import { k6Plugin } from '../../bots/k6/k6-plugin.js';
import { layOutFleet } from '../../chaos/network/fleet-layout.js';
import type { EnginePlugin } from '../../ports/engine.js';

export const enginePlugins: readonly EnginePlugin[] = [weriftPlugin({ layOut: layOutFleet }), browserPlugin, k6Plugin];

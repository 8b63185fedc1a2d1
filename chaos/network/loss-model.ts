/** Whether a media packet is lost: random loss, or netem's Gilbert-Elliott model (gemodel). */
import type { LossModel } from '../../core/scenario/network-types.js';

/** The Gilbert-Elliott chain's state for one stream. */
export interface LossState { bad: boolean }

/** Decides one packet; `draw(n)` gives independent uniforms for this packet. Advances the chain once. */
export function isLost(model: LossModel, state: LossState, draw: (n: number) => number): boolean {
  if (model.kind === 'random') return draw(0) < model.ratio;
  // As netem: the loss follows the state the packet found, then the chain moves on.
  const lost = draw(0) < (state.bad ? model.lossInBad : model.lossInGood);
  state.bad = state.bad ? draw(1) >= model.r : draw(1) < model.p;
  return lost;
}

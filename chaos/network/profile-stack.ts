/**
 * The impairment in effect for one bot (userspace) or one group (kernel), per direction: the
 * scenario's assignment, replaced while impair steps last. Steps may overlap: the latest still
 * running wins, and when it ends the one before it (or the assignment) is back.
 */
import type { Direction, DirectionProfiles, NetworkProfile } from '../../core/scenario/network-types.js';

export class ProfileStack {
  private readonly overlays: Array<{ id: string; profiles: DirectionProfiles }> = [];

  constructor(private readonly base: DirectionProfiles) {}

  push(id: string, profiles: DirectionProfiles): void {
    this.overlays.push({ id, profiles });
  }

  /** false when `id` was not in effect here. */
  remove(id: string): boolean {
    const index = this.overlays.findIndex((o) => o.id === id);
    if (index >= 0) this.overlays.splice(index, 1);
    return index >= 0;
  }

  /** null: this direction is not impaired. */
  effective(direction: Direction): NetworkProfile | null {
    for (let i = this.overlays.length - 1; i >= 0; i--) {
      const profile = this.overlays[i]!.profiles[direction];
      if (profile) return profile;
    }
    return this.base[direction] ?? null;
  }
}

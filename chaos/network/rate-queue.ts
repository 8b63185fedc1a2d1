/**
 * A rate limit as a bottleneck link: packets leave one after another at the configured rate, and a
 * media packet that finds `queueLimit` packets waiting is dropped (tail drop).
 */
import type { RateSpec } from '../../core/scenario/network-types.js';

export class RateQueue {
  /** Departure times of packets not yet gone, oldest first, from `head`. */
  private departures: number[] = [];
  private head = 0;
  private lastDepartureMs = Number.NEGATIVE_INFINITY;

  constructor(private spec: RateSpec) {}

  /** A new rate (and queue limit) for the packets from now on; those queued keep their departures. */
  setSpec(spec: RateSpec): void {
    this.spec = spec;
  }

  /** When the packet has left the bottleneck, or undefined when tail-dropped (never for control packets). */
  enqueue(bytes: number, nowMs: number, droppable: boolean): number | undefined {
    while (this.head < this.departures.length && this.departures[this.head]! <= nowMs) this.head++;
    if (this.head > 1024) {
      this.departures = this.departures.slice(this.head);
      this.head = 0;
    }
    if (droppable && this.departures.length - this.head >= this.spec.queueLimit) return undefined;
    // kbps is bits per millisecond.
    const departure = Math.max(nowMs, this.lastDepartureMs) + (bytes * 8) / this.spec.kbps;
    this.lastDepartureMs = departure;
    this.departures.push(departure);
    return departure;
  }
}

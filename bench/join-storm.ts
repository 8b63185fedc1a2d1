/** Phase 3 of the bench (see run.ts): a sustained join storm in a run, which `joinsPerSecondPerCore` comes from. */
import { config, roomOf8 } from './config.js';
import { netJoinCpuMs, runFleet, type JoinPhase } from './fleet-run.js';
import { progress } from './progress.js';

export interface JoinStorm extends JoinPhase {
  /** Fleet processes' CPU over the joins less the media of the bots already joined (at `botPacketUs`). */
  netCpuMs: number;
  peerConnectionsPerCpuSecond: number;
  /** The same over the gross CPU, media included. */
  peerConnectionsPerGrossCpuSecond: number;
  peerConnectionsPerWallSecond: number;
  harnessValid: boolean;
}

export async function measureJoinStorm(packetUs: number): Promise<JoinStorm> {
  progress(`join storm: ${config.joinBots} P.59 speakers in rooms of ${roomOf8}, ramped up at ${config.joinRate} per second, in a run`);
  const run = await runFleet({ label: 'join-storm', bots: config.joinBots, roomSize: roomOf8, talk: 'p59', measureS: 0 });
  const { join } = run;
  const netCpuMs = netJoinCpuMs(join, packetUs);
  return {
    ...join,
    netCpuMs,
    peerConnectionsPerCpuSecond: join.peerConnections / (netCpuMs / 1000),
    peerConnectionsPerGrossCpuSecond: join.peerConnections / (join.cpuMs / 1000),
    peerConnectionsPerWallSecond: join.peerConnections / (join.settledWallMs / 1000),
    harnessValid: run.harnessValid,
  };
}

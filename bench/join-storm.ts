/** Phase 5 of the bench (see run.ts): a sustained join storm, which `joinsPerSecondPerCore` comes from. */
import type { TargetNode } from '../target-server/bundled-target.js';
import { BenchFleet, expectedOnSfu, joinPhase, type JoinPhase } from './bench-fleet.js';
import { config, p59, roomOf8 } from './config.js';
import { progress } from './progress.js';

export interface JoinStorm extends JoinPhase {
  peerConnectionsPerCpuSecond: number;
  peerConnectionsPerWallSecond: number;
}

export async function measureJoinStorm(node: TargetNode): Promise<JoinStorm> {
  progress(`join storm: ${config.joinBots} speakers in rooms of ${roomOf8}, ${config.joinConcurrency} joins in flight`);
  const fleet = new BenchFleet(node.url, 'join-storm');
  const bots = fleet.add(config.joinBots, roomOf8, { talk: p59 });
  const joined = await joinPhase(node, bots, expectedOnSfu(bots.length, roomOf8));
  await fleet.close(node);
  return {
    ...joined,
    peerConnectionsPerCpuSecond: joined.peerConnections / (joined.cpuMs / 1000),
    peerConnectionsPerWallSecond: joined.peerConnections / (joined.settledWallMs / 1000),
  };
}

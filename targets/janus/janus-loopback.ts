/**
 * Where a launched Janus receives media: Janus gathers no ICE candidates on a loopback interface
 * (it skips interfaces flagged as loopback), so each run adds a veth pair of its own holding one
 * address of 127.0.0.0/8 and tells Janus to gather there. Both ends stay on this host, with
 * `route_localnet` and `accept_local` on: libnice sends from that interface (IP_UNICAST_IF), the
 * packet crosses to the other end and is delivered locally, to the bots on 127.0.0.1. Nothing
 * leaves loopback addresses.
 * Recorded before it is made (as the kernel network backend's namespaces), so the next run or
 * `rtcstorm doctor --cleanup` removes what a killed run left.
 */
import { writeFileSync } from 'node:fs';
import { deleteRecord, ownRecordOwner, writeRecord } from '../../core/host/install-record.js';
import { systemCommand } from '../../core/host/system-command.js';

export interface JanusLoopback {
  /** The veth end Janus gathers on (ice_enforce_list). */
  link: string;
  /** Its 127.x.y.z address: the host candidate Janus offers. */
  address: string;
  /** The install record that lists it (and the run's folders): removed by the next run after a kill -9. */
  recordTag: string;
  remove(): Promise<void>;
}

function sysctl(link: string, key: string, value: string): void {
  writeFileSync(`/proc/sys/net/${key.replace('%s', link)}`, value);
}

/** The install record of a run's Janus loopback, which also lists the folders the run made for what it launched. */
export const janusRecordTag = (runTag: string): string => `janus-${runTag}`;

export async function addJanusLoopback(tag: string): Promise<JanusLoopback> {
  if (process.getuid?.() !== 0) {
    throw new Error('a launched Janus needs root: Janus gathers no ICE candidates on loopback, so rtcstorm gives it a veth pair holding a loopback address (run as root, or point target.janus.url at a Janus you run)');
  }
  const link = `rtcj${tag}`;
  const peer = `${link}p`;
  const n = Number.parseInt(tag.slice(0, 4), 16);
  const address = `127.77.${(n >> 8) & 255}.${(n & 255) || 1}`;
  const recordTag = janusRecordTag(tag);
  writeRecord(recordTag, { owner: ownRecordOwner(), namespaces: [], hostLinks: [link], nftTables: [] });
  try {
    await systemCommand('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', peer]);
    for (const end of [link, peer]) {
      sysctl(end, 'ipv4/conf/%s/route_localnet', '1');
      // Janus's packets arrive with its own (local) address as the source.
      sysctl(end, 'ipv4/conf/%s/accept_local', '1');
      sysctl(end, 'ipv6/conf/%s/disable_ipv6', '1');
    }
    await systemCommand('ip', ['addr', 'add', `${address}/32`, 'dev', link]);
    await systemCommand('ip', ['link', 'set', link, 'up']);
    await systemCommand('ip', ['link', 'set', peer, 'up']);
  } catch (error) {
    await systemCommand('ip', ['link', 'delete', link]).catch(() => undefined);
    deleteRecord(recordTag);
    throw error;
  }
  return {
    link,
    address,
    recordTag,
    remove: async () => {
      // Deleting one end deletes the pair; gone already is fine.
      await systemCommand('ip', ['link', 'delete', link]).catch(() => undefined);
      deleteRecord(recordTag);
    },
  };
}

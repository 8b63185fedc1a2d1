/**
 * The kernel backend: its rules as text, and on this machine (as root) that it fails clearly
 * without sch_netem and that what killed runs leave is swept. Without root those tests are skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownRecordOwner, recordsDir, sweepLeftovers, writeRecord } from '../../core/host/install-record.js';
import { gatewayRoute } from '../../chaos/network/kernel/gateway-route.js';
import { KernelNetwork } from '../../chaos/network/kernel/kernel-network.js';
import { netemFeatures, nftScript, qdiscCommands } from '../../chaos/network/kernel/kernel-rules.js';
import { systemCommand } from '../../core/host/system-command.js';
import { planNetwork } from '../../core/plan/network-plan.js';
import { makePlan } from '../../core/plan/plan.js';
import { parseScenario } from '../../core/scenario/index.js';
import type { ImpairmentProfile } from '../../core/scenario/network-types.js';

const none: ImpairmentProfile = { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false };
const notRoot = process.getuid?.() !== 0 ? 'needs root (network namespaces and nftables); run the tests as root to include it' : false;
if (notRoot) console.log(`# kernel backend tests skipped: ${notRoot}`);

const exists = (command: string[]): boolean => spawnSync(command[0]!, command.slice(1), { stdio: 'ignore' }).status === 0;

describe('kernel rules', () => {
  it('drops random loss of RTP only in nftables, and cuts partitioned ports both ways', () => {
    const script = nftScript('rsabcn0', { up: { ...none, loss: { kind: 'random', ratio: 0.025 } }, down: { ...none, blackhole: true } }, [40000, 40002]);
    assert.match(script, /set partitioned \{ type inet_service; elements = \{ 40000, 40002 \} \}/);
    assert.match(script, /oifname "rsabcn0" udp dport @partitioned drop/);
    assert.match(script, /iifname "rsabcn0" udp sport @partitioned drop/);
    assert.match(script, /oifname "rsabcn0" udp length > 19 @th,64,2 2 @th,72,8 != 192-223 numgen random mod 1000000 < 25000 drop/);
    assert.match(script, /iifname "rsabcn0" drop/);
    assert.doesNotMatch(nftScript('x', { up: null, down: null }, []), /drop/);
  });

  it('a rate alone is tbf with a pfifo of queueLimit packets; delay, jitter, duplication and Gilbert-Elliott are netem', () => {
    assert.deepEqual(qdiscCommands('v', { ...none, rate: { kbps: 800, queueLimit: 20 } }), [
      ['qdisc', 'add', 'dev', 'v', 'root', 'handle', '1:', 'tbf', 'rate', '800kbit', 'burst', '1600', 'latency', '1s'],
      ['qdisc', 'add', 'dev', 'v', 'parent', '1:1', 'handle', '10:', 'pfifo', 'limit', '20'],
    ]);
    const netem = { ...none, delayMs: 45, jitter: { ms: 15, distribution: 'normal' as const, reorder: true }, loss: { kind: 'gilbert-elliott' as const, p: 0.05, r: 0.5, lossInBad: 1, lossInGood: 0 }, rate: { kbps: 5000, queueLimit: 50 } };
    assert.deepEqual(qdiscCommands('v', netem)[0]!.slice(7), ['netem', 'delay', '45ms', '15ms', 'distribution', 'normal', 'loss', 'gemodel', '5%', '50%', '100%', '0%', 'rate', '5000kbit', 'limit', '50']);
    assert.deepEqual(netemFeatures(netem), ['delay 45ms', 'jitter 15ms', 'Gilbert-Elliott loss']);
    assert.deepEqual(netemFeatures({ ...none, loss: { kind: 'random', ratio: 0.1 }, rate: { kbps: 1, queueLimit: 1 } }), []);
    assert.deepEqual(qdiscCommands('v', none), []);
  });
});

describe('gateway route (a bot inside a namespace)', () => {
  it("dials the target's loopback addresses at the gateway: signalling URLs and ICE candidates", async () => {
    const route = gatewayRoute('10.250.3.5');
    assert.equal(route.reach('http://127.0.0.1:4100'), 'http://10.250.3.5:4100/');
    assert.equal(route.reach('ws://127.0.0.1:4101/'), 'ws://10.250.3.5:4101/');
    assert.equal(route.reach('ws://sfu.example:4101/'), 'ws://sfu.example:4101/');
    const path = await route.open([{ address: '127.0.0.1', port: 40000 }]);
    assert.deepEqual(path.to({ address: '127.0.0.1', port: 40000 }), { address: '10.250.3.5', port: 40000 });
  });
});

describe('kernel backend on this machine', { skip: notRoot }, () => {
  let cache: string;
  before(() => {
    cache = mkdtempSync(join(tmpdir(), 'rtcstorm-kernel-'));
    process.env.RTCSTORM_CACHE_DIR = cache;
  });
  after(() => {
    delete process.env.RTCSTORM_CACHE_DIR;
    rmSync(cache, { recursive: true, force: true });
  });

  it('without sch_netem, a delay profile fails naming netem and the userspace backend, and leaves nothing behind', async (t) => {
    const scenario = parseScenario(
      `name: k
duration: 10s
rooms: { count: 1, size: 2 }
fleet: [{ engine: werift, name: voice, count: 2 }]
network:
  backend: kernel
  profiles: { slow: { delay: 30ms } }
  assign: [{ group: voice, profile: slow }]`,
      'k.yaml',
    );
    const tag = 'feed01';
    const started = await KernelNetwork.start(tag, planNetwork(scenario)!, makePlan(scenario).bots).then(
      (network) => network,
      (error: Error) => error,
    );
    if (!(started instanceof Error)) {
      await started.remove();
      t.skip('this kernel has sch_netem: nothing to refuse');
      return;
    }
    assert.match(started.message, /profile "slow" \(delay 30ms\) needs the kernel's netem qdisc \(sch_netem\), which this kernel lacks/);
    assert.match(started.message, /network\.backend: userspace/);
    assert.equal(exists(['ip', 'netns', 'pids', `rtcstorm-${tag}-0`]), false, 'namespace removed');
    assert.equal(exists(['ip', 'link', 'show', `rs${tag}h0`]), false, 'veth removed');
    assert.equal(exists(['nft', 'list', 'table', 'ip', `rtcstorm-${tag}`]), false, 'nftables table removed');
    assert.equal(existsSync(join(recordsDir(), `${tag}.json`)), false, 'record removed');
  });

  it('sweeps what a killed run recorded: its namespace and nftables table are gone, a live run\'s are kept', async () => {
    const dead = spawnSync('true').pid;
    const tags = { dead: 'dead01', live: 'live01' };
    for (const tag of Object.values(tags)) {
      await systemCommand('ip', ['netns', 'add', `rtcstorm-${tag}-0`]);
      await systemCommand('nft', ['add', 'table', 'ip', `rtcstorm-${tag}`]);
    }
    writeRecord(tags.dead, { owner: { pid: dead, startTicks: 1 }, namespaces: [`rtcstorm-${tags.dead}-0`], hostLinks: [], nftTables: [`ip rtcstorm-${tags.dead}`] });
    writeRecord(tags.live, { owner: ownRecordOwner(), namespaces: [`rtcstorm-${tags.live}-0`], hostLinks: [], nftTables: [`ip rtcstorm-${tags.live}`] });
    try {
      const swept = await sweepLeftovers();
      assert.deepEqual(swept.remaining, []);
      assert.equal(swept.removed.length, 2);
      assert.equal(exists(['ip', 'netns', 'pids', `rtcstorm-${tags.dead}-0`]), false);
      assert.equal(exists(['nft', 'list', 'table', 'ip', `rtcstorm-${tags.dead}`]), false);
      assert.equal(existsSync(join(recordsDir(), `${tags.dead}.json`)), false);
      assert.equal(exists(['ip', 'netns', 'pids', `rtcstorm-${tags.live}-0`]), true, "a live run's namespace stays");
    } finally {
      await systemCommand('ip', ['netns', 'delete', `rtcstorm-${tags.live}-0`]).catch(() => undefined);
      await systemCommand('nft', ['delete', 'table', 'ip', `rtcstorm-${tags.live}`]).catch(() => undefined);
      await systemCommand('ip', ['netns', 'delete', `rtcstorm-${tags.dead}-0`]).catch(() => undefined);
      await systemCommand('nft', ['delete', 'table', 'ip', `rtcstorm-${tags.dead}`]).catch(() => undefined);
    }
  });
});

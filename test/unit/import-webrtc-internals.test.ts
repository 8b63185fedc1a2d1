import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import { parseTraceFile, formatTraceCsv } from '../../core/scenario/trace-file.js';
import { importWebrtcInternals } from '../../imports/webrtc-internals.js';

// Made by real Chromium with scripts/make-webrtc-internals-dump.mjs: a 12 s loopback call, audio and video.
const fixture = join(packageRoot, 'test', 'fixtures', 'webrtc-internals-dump.json');

describe('rtcstorm import webrtc-internals', () => {
  const text = readFileSync(fixture, 'utf8');

  it('reads the Chromium-made dump: a row a second, loopback delay, and says what it took', () => {
    const result = importWebrtcInternals(text, 'dump.json');
    assert.deepEqual(result.peerConnections.map((pc) => pc.id).sort(), ['9-1', '9-2']);
    assert.equal(result.pc, result.peerConnections[0]!.id);
    assert.ok(result.rows.length >= 8, `${result.rows.length} rows`);
    result.rows.forEach((row, index) => assert.equal(row.tMs, index * 1000));
    const delays = result.rows.map((r) => r.delayMs).filter((d): d is number => d !== undefined);
    assert.ok(delays.length >= result.rows.length - 1);
    assert.ok(delays.every((d) => d > 0 && d < 50), delays.join(','));
    const losses = result.rows.map((r) => r.loss).filter((l): l is number => l !== undefined);
    assert.ok(losses.length > 0 && losses.every((l) => l >= 0 && l < 0.05), losses.join(','));
    assert.ok(result.rows.some((r) => r.rateKbps !== undefined && r.rateKbps > 100));
    assert.match(result.notes.join('\n'), /^delayMs: candidate-pair CP\S+ currentRoundTripTime \/ 2, \d+ samples$/m);
    assert.match(result.notes.join('\n'), /^loss: inbound-rtp IT\S+ \(audio\), IT\S+ \(video\)/m);
    // What it writes is a trace rtcstorm reads.
    const parsed = parseTraceFile(formatTraceCsv(result.rows), 'trace.csv');
    assert.ok(parsed.ok);
    assert.equal(parsed.intervals.length, result.rows.length);
  });

  it('--pc and --kind choose what is read', () => {
    const other = importWebrtcInternals(text, 'dump.json', { pc: '9-2', kind: 'video' });
    assert.equal(other.pc, '9-2');
    assert.match(other.notes.join('\n'), /inbound-rtp IT\S+ \(video\) Δ/);
    assert.doesNotMatch(other.notes.join('\n'), /\(audio\)/);
    assert.throws(() => importWebrtcInternals(text, 'dump.json', { pc: '1-1' }), /^ScenarioError: dump\.json:\d+:\d+: no peer connection "1-1" in the dump \(it has: 9-1 \(\d+ series\), 9-2/);
  });

  it('a malformed dump gives FILE:LINE:COL', () => {
    assert.throws(() => importWebrtcInternals('{\n  "PeerConnections": {\n    "1-1": { "stats": {} },\n  }\n}\n', 'broken.json'), (error: Error) => /^broken\.json:4:3: invalid JSON/.test(error.message));
    assert.throws(() => importWebrtcInternals('{\n  "UserAgent": "x",\n  "PeerConnections": []\n}\n', 'list.json'), { message: /^list\.json:3:22: not a webrtc-internals dump/ });
    const badValues = '{"PeerConnections": {"1-1": {"stats": {\n  "IT01-jitter": {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T00:00:01Z", "statsType": "inbound-rtp",\n    "values": [0.1, 0.2]}\n}}}}\n';
    assert.throws(() => importWebrtcInternals(badValues, 'values.json'), { message: 'values.json:3:15: stats "IT01-jitter": values must be a JSON array written as a string, e.g. "[1,2,3]"' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Message, parseMessage } from 'werift';
import { BindingRequest, ConsentChecks, ConsentClock, consentTickMs, prflxPriority, type StunIntegrity } from '../../bots/ice-consent.js';
import { loadNativeAddon } from '../../bots/native-plane/native-addon.js';

const fields = { username: 'remoteUfrag1234:lcl1', password: 'remote-ice-password-22chars', tieBreaker: 0x0123456789abcdefn, nominate: true };

describe('ICE consent checks', () => {
  const addon = loadNativeAddon();
  if (addon instanceof Error) throw new Error(`the native plane must be built by npm run setup: ${addon.message}`);
  const integrities: Array<[string, StunIntegrity | undefined]> = [
    ["Node's crypto", undefined],
    ["the native plane's addon", (message, at, key) => addon.stunIntegrity(message, at, key)],
  ];
  for (const [name, integrity] of integrities) {
    it(`writes the Binding request werift writes, byte for byte, and werift verifies its integrity (HMAC: ${name})`, () => {
      // A password longer than SHA-1's block: HMAC keys with its hash.
      for (const password of [fields.password, 'p'.repeat(100)]) {
        const request = new BindingRequest({ ...fields, password }, integrity);
        for (let i = 0; i < 3; i++) {
          const bytes = Buffer.from(request.renew());
          const werift = new Message(1, 0, Buffer.from(request.transactionId));
          werift.setAttribute('USERNAME', fields.username).setAttribute('PRIORITY', prflxPriority).setAttribute('ICE-CONTROLLING', fields.tieBreaker).setAttribute('USE-CANDIDATE', null);
          werift.addMessageIntegrity(Buffer.from(password)).addFingerprint();
          assert.deepEqual(bytes, werift.bytes, `request ${i}`);
          assert.ok(parseMessage(bytes, Buffer.from(password)), 'integrity verifies with the remote password');
          assert.equal(parseMessage(bytes, Buffer.from('another password')), undefined);
        }
        const ids = new Set([0, 1, 2, 3].map(() => request.renew().subarray(8, 20).toString('hex')));
        assert.equal(ids.size, 4, 'a new transaction id per check');
      }
    });
  }

  it('leaves USE-CANDIDATE out when not nominating', () => {
    const bytes = new BindingRequest({ ...fields, nominate: false }).renew();
    const parsed = parseMessage(Buffer.from(bytes), Buffer.from(fields.password));
    assert.ok(parsed);
    assert.equal(parsed.getAttributeValue('USE-CANDIDATE'), undefined);
    assert.equal(parsed.getAttributeValue('ICE-CONTROLLING'), fields.tieBreaker);
  });

  it('checks every 4-6 s from one shared clock while answered, expires once 30 s go unanswered, and stops', () => {
    let now = 1000;
    const clock = new ConsentClock(() => now, false);
    const sent: number[] = [];
    let answering = true;
    let expiredAt: number | undefined;
    let expirations = 0;
    const all: ConsentChecks[] = [];
    const make = (): ConsentChecks => {
      const checks: ConsentChecks = new ConsentChecks(
        {
          ...fields,
          send: (b) => {
            sent.push(now);
            if (!answering) return;
            const response = Buffer.alloc(20);
            response.writeUInt16BE(0x0101, 0);
            b.copy(response, 8, 8, 20);
            assert.equal(checks.onResponse(response), true);
          },
          onExpired: () => {
            expiredAt = now;
            expirations++;
          },
        },
        clock,
      );
      all.push(checks);
      return checks;
    };
    make();
    for (; now <= 61_000; now += consentTickMs) clock.tick();
    const gaps = sent.map((at, i) => at - (i === 0 ? 1000 : sent[i - 1]!));
    assert.ok(gaps.every((g) => g >= 4000 && g <= 6000), `checks ${gaps.join(', ')} ms apart`);
    assert.ok(sent.length >= 10 && sent.length <= 15, `${sent.length} checks in 60 s`);
    // Unanswered from here: expired once, 30-36 s after the last answer, and nothing sent after.
    answering = false;
    const lastAnswer = sent[sent.length - 1]!;
    for (; now <= 120_000; now += consentTickMs) clock.tick();
    assert.equal(expirations, 1);
    assert.ok(expiredAt! - lastAnswer > 30_000 && expiredAt! - lastAnswer <= 36_000, `expired ${expiredAt! - lastAnswer} ms after the last answer`);
    assert.ok(sent.every((at) => at < expiredAt!), 'nothing sent once expired');
    // A stopped one sends nothing more.
    answering = true;
    const stopped = make();
    stopped.stop();
    const before = sent.length;
    for (; now <= 140_000; now += consentTickMs) clock.tick();
    assert.equal(sent.length, before);
  });

  it('takes only a Binding success for the check in flight as an answer', () => {
    const sent: Buffer[] = [];
    const checks = new ConsentChecks({ ...fields, send: (b) => sent.push(Buffer.from(b)), onExpired: () => assert.fail('not expired') });
    try {
      const answer = (request: Buffer | undefined, type = 0x0101): Buffer => {
        const response = Buffer.alloc(20);
        response.writeUInt16BE(type, 0);
        response.writeUInt32BE(0x2112a442, 4);
        request?.copy(response, 8, 8, 20);
        return response;
      };
      assert.equal(checks.onResponse(answer(undefined)), false, 'nothing in flight');
      (checks as unknown as { check(): void }).check();
      assert.equal(sent.length, 1);
      assert.equal(checks.onResponse(answer(sent[0], 0x0111)), false, 'an error response is no consent');
      assert.equal(checks.onResponse(answer(Buffer.alloc(20, 9))), false, 'another transaction');
      assert.equal(checks.onResponse(answer(sent[0])), true);
      assert.equal(checks.onResponse(answer(sent[0])), false, 'answered once');
    } finally {
      checks.stop();
    }
  });
});

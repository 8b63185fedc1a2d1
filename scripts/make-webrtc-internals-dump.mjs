#!/usr/bin/env node
/**
 * Makes test/fixtures/webrtc-internals-dump.json with real Chromium (Debian's, through puppeteer-core):
 * a page on http://127.0.0.1:<port> calls itself (two RTCPeerConnections, audio and video from
 * Chromium's fake capture devices) for about 12 s while chrome://webrtc-internals is open in another
 * tab; then the internals page's own "Download the PeerConnection updates and stats data" button
 * makes the dump, which Chromium downloads into a temporary folder (CDP Browser.setDownloadBehavior).
 *
 * Usage: node scripts/make-webrtc-internals-dump.mjs [out.json] [--seconds 12]
 * This machine's own non-loopback addresses (host candidates) are replaced by 192.0.2.x / 2001:db8::x
 * (the documentation ranges) before the file is written; nothing else is changed.
 */
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import puppeteer from 'puppeteer-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const secondsAt = args.indexOf('--seconds');
const seconds = secondsAt >= 0 ? Number(args[secondsAt + 1]) : 12;
const out = args.find((a, i) => !a.startsWith('--') && (secondsAt < 0 || i !== secondsAt + 1)) ?? join(root, 'test/fixtures/webrtc-internals-dump.json');

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // next
    }
  }
  throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
}

// The call: pc1 sends audio and video to pc2 and back, in the same page; candidates are exchanged directly.
const page = `<!doctype html><meta charset="utf-8"><title>loopback call</title>
<video id="v" autoplay muted playsinline></video>
<script>
window.callState = 'starting';
(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
  const pc1 = new RTCPeerConnection();
  const pc2 = new RTCPeerConnection();
  pc1.onicecandidate = (e) => e.candidate && pc2.addIceCandidate(e.candidate);
  pc2.onicecandidate = (e) => e.candidate && pc1.addIceCandidate(e.candidate);
  pc2.ontrack = (e) => { document.getElementById('v').srcObject = e.streams[0]; };
  for (const track of stream.getTracks()) pc1.addTrack(track, stream);
  // pc2 sends back too (the same capture), so both connections have inbound and outbound RTP.
  for (const track of stream.getTracks()) pc2.addTrack(track.clone(), stream);
  pc1.ontrack = () => {};
  const offer = await pc1.createOffer();
  await pc1.setLocalDescription(offer);
  await pc2.setRemoteDescription(offer);
  const answer = await pc2.createAnswer();
  await pc2.setLocalDescription(answer);
  await pc1.setRemoteDescription(answer);
  window.pcs = [pc1, pc2];
  window.callState = 'connecting';
  pc1.onconnectionstatechange = () => { window.callState = pc1.connectionState; };
})().catch((e) => { window.callState = 'failed: ' + e; });
window.hangUp = () => { for (const pc of window.pcs ?? []) pc.close(); };
</script>`;

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;

const profileDir = mkdtempSync(join(tmpdir(), 'rtcstorm-dump-profile-'));
const downloadDir = mkdtempSync(join(tmpdir(), 'rtcstorm-dump-download-'));
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  pipe: true,
  userDataDir: profileDir,
  args: [
    '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
  ],
});
try {
  const internals = await browser.newPage();
  await internals.goto('chrome://webrtc-internals', { waitUntil: 'load' });
  const call = await browser.newPage();
  await call.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
  await call.waitForFunction(() => window.callState === 'connected', { timeout: 15_000 });
  process.stderr.write(`call connected; running for ${seconds} s\n`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));

  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloadDir, eventsEnabled: true });
  await internals.bringToFront();
  // The dump section: <details> "Create a WebRTC-Internals dump" with a checkbox (compress) and a download button.
  const clicked = await internals.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true;
    for (const box of document.querySelectorAll('input[type=checkbox]')) {
      if (/compress/i.test(box.parentElement?.textContent ?? '') && box.checked) box.click();
    }
    const buttons = [...document.querySelectorAll('button')];
    const button = buttons.find((b) => /download/i.test(b.textContent ?? ''));
    if (!button) return `no download button; buttons: ${buttons.map((b) => b.textContent).join(' | ')}`;
    button.click();
    return `clicked "${button.textContent?.trim()}"`;
  });
  process.stderr.write(`${clicked}\n`);
  let file;
  for (let i = 0; i < 100 && file === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    file = readdirSync(downloadDir).find((f) => !f.endsWith('.crdownload'));
  }
  if (file === undefined) throw new Error(`no download appeared in ${downloadDir} (${clicked})`);
  await call.evaluate(() => window.hangUp());
  let text = readFileSync(join(downloadDir, file), 'utf8');
  JSON.parse(text);
  // This machine's addresses out, documentation addresses in (loopback stays).
  const seen = new Map();
  const own = Object.values(networkInterfaces()).flat().map((i) => i.address).filter((a) => !a.startsWith('127.') && a !== '::1');
  for (const ip of own) {
    if (!text.includes(ip)) continue;
    seen.set(ip, ip.includes(':') ? `2001:db8::${seen.size + 1}` : `192.0.2.${seen.size + 1}`);
    text = text.split(ip).join(seen.get(ip));
  }
  const dump = JSON.parse(text);
  // Re-indented only so the fixture reads (and diffs) by line; the structure and every value are Chromium's.
  writeFileSync(out, `${JSON.stringify(dump, null, 1)}\n`);
  const pcs = Object.keys(dump.PeerConnections ?? {});
  process.stderr.write(`downloaded ${file}; wrote ${out} (${readFileSync(out).length} bytes; peer connections: ${pcs.join(', ')}; addresses replaced: ${seen.size})\n`);
} finally {
  await browser.close();
  server.close();
  rmSync(profileDir, { recursive: true, force: true });
  if (existsSync(downloadDir)) rmSync(downloadDir, { recursive: true, force: true });
}

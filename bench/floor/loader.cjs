// loader.cjs - minimal Node 20 reproduction of the bots' UDP floor.
// S dgram sockets bound to 127.0.0.1:(BASE+i); 'message' handlers only count;
// one setInterval(20 ms) sends one 100-byte Buffer from every socket to the
// forwarder. SIGUSR2 -> "LDR t sent rcvd user_us sys_us 0 0 0" (process.cpuUsage).
// Usage: node loader.cjs S [base=21000] [fport=20000] [tmax=14] [talk%=100]
'use strict';
const dgram = require('dgram');
const S = +(process.argv[2] || 20);
const base = +(process.argv[3] || 21000);
const fport = +(process.argv[4] || 20000);
const tmax = Math.min(15, +(process.argv[5] || 14));
const talk = +(process.argv[6] || 100); // % of sockets that send ((k % 10) < talk/10)
let sent = 0, rcvd = 0, sendfail = 0;
const socks = [];
const buf = Buffer.alloc(100, 0x55);
buf[0] = 0x80; buf[1] = 111;
let bound = 0;
process.on('SIGUSR2', () => {
  const u = process.cpuUsage();
  process.stdout.write(`LDR ${(performance.timeOrigin + performance.now()) / 1000} ${sent} ${rcvd} ${u.user} ${u.system} 0 ${sendfail} 0\n`);
});
const onErr = () => { sendfail++; };
for (let i = 0; i < S; i++) {
  const s = dgram.createSocket('udp4');
  s.on('message', () => { rcvd++; });
  s.on('error', onErr);
  s.bind(base + i, '127.0.0.1', () => {
    if (++bound === S) {
      setInterval(() => {
        for (let k = 0; k < S; k++) { if (talk < 100 && (k % 10) >= talk / 10) continue; socks[k].send(buf, fport, '127.0.0.1'); sent++; }
      }, 20);
    }
  });
  socks.push(s);
}
setTimeout(() => process.exit(0), tmax * 1000);

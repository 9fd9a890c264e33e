// Benchmark: `tlslens read -T fields` against tshark on the same large real HTTPS capture,
// in the same run. Prints packets/s, MB/s and peak RSS of both, and the ratios.
//   npm run bench [-- CAPTURE]   (default: bench-out/bench.pcap, recorded on first use with
//                                 ../shared/tools/make-bench-capture.sh bench-out 6000)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';

const root = new URL('..', import.meta.url).pathname;
let cap = process.argv[2];
if (!cap) {
  cap = `${root}bench-out/bench.pcap`;
  if (!existsSync(cap)) {
    const tool = `${root}../shared/tools/make-bench-capture.sh`;
    if (!existsSync(tool)) {
      console.error(`no capture given and ${tool} is missing`);
      process.exit(2);
    }
    console.error('recording the benchmark capture (6000 connections; takes a few minutes)...');
    const r = spawnSync('bash', [tool, `${root}bench-out`, '6000'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
const tlslens = `${root}node_modules/.bin/tlslens`;
const tlsFields = ['tls.handshake.type', 'tls.handshake.extensions_server_name'];
const known = spawnSync(tlslens, ['read', '-r', cap, '-c', '1', '-T', 'fields', ...tlsFields.flatMap((f) => ['-e', f])]);
const fields = ['frame.number', 'ip.src', 'tcp.stream', 'tcp.seq', ...(known.status === 0 ? tlsFields : ['tcp.ack', 'tcp.len'])];
const fieldArgs = fields.flatMap((f) => ['-e', f]);

/**
 * Runs a command, returns wall seconds, CPU seconds (user+sys, from bash's `time`: robust
 * when the machine is busy), peak RSS (KiB, from /proc VmHWM) and a hash of stdout.
 */
function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('bash', ['-c', `TIMEFORMAT='%U %S'; time ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const hash = createHash('sha256');
    let lines = 0;
    let peak = 0;
    // the measured process is bash's child: follow /proc/PID/task/PID/children
    const hwm = (pid) => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
        for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) hwm(Number(c));
      } catch {}
    };
    const poll = setInterval(() => hwm(child.pid), 20);
    child.stdout.on('data', (d) => {
      hash.update(d);
      for (const b of d) if (b === 10) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const m = /([\d.]+) ([\d.]+)\s*$/.exec(err);
      const cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
      resolve({ code, secs: Number(process.hrtime.bigint() - t0) / 1e9, cpu, peakKiB: peak, sha: hash.digest('hex').slice(0, 16), lines });
    });
  });
}

const size = statSync(cap).size;
console.log(`capture: ${cap} (${(size / 1e6).toFixed(1)} MB)`);
console.log(`fields: ${fields.join(' ')}`);
const best = async (cmd, args, n = 3) => {
  let b;
  for (let i = 0; i < n; i++) {
    const r = await run(cmd, args);
    if (!b || r.secs < b.secs) b = { ...r, cpu: Math.min(r.cpu, b?.cpu ?? Infinity), peakKiB: Math.max(r.peakKiB, b?.peakKiB ?? 0) };
    else b.cpu = Math.min(b.cpu, r.cpu);
  }
  return b;
};
const ts = await best('tshark', ['-r', cap, '-T', 'fields', ...fieldArgs], 2);
const us = await best(tlslens, ['read', '-r', cap, '-T', 'fields', ...fieldArgs], 3);
const packets = us.lines;
const row = (name, r) => console.log(`${name.padEnd(8)} ${r.secs.toFixed(2).padStart(7)} s wall ${r.cpu.toFixed(2).padStart(6)} s CPU ${Math.round(packets / r.secs).toString().padStart(9)} packets/s ${(size / 1e6 / r.secs).toFixed(1).padStart(7)} MB/s  peak RSS ${(r.peakKiB / 1024).toFixed(0).padStart(5)} MiB  output ${r.sha}`);
console.log(`packets: ${packets}`);
row('tshark', ts);
row('tlslens', us);
console.log(`speed: tlslens is ${(ts.secs / us.secs).toFixed(2)}x tshark by wall time, ${(ts.cpu / us.cpu).toFixed(2)}x by CPU time; peak RSS: ${(us.peakKiB / ts.peakKiB).toFixed(2)} of tshark's; outputs ${ts.sha === us.sha ? 'identical' : 'DIFFER'}`);
// streaming: peak RSS on the first quarter vs the whole capture
const quarter = await run(tlslens, ['read', '-r', cap, '-c', String(Math.max(1, Math.floor(packets / 4))), '-T', 'fields', ...fieldArgs]);
console.log(`tlslens peak RSS on the first quarter: ${(quarter.peakKiB / 1024).toFixed(0)} MiB, on all: ${(us.peakKiB / 1024).toFixed(0)} MiB`);

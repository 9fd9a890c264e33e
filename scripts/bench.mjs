// Benchmark: tlslens against tshark on the same large real HTTPS capture, in the same run.
//  1. `read -T fields` without keys: packets/s, MB/s, wall and CPU time, peak RSS, ratios.
//  2. With the key log (when there is one): decrypt and list the HTTP requests, i.e.
//     `read -o tls.keylog_file:KEYS -Y "http.request || http2.type==1"`, default text output,
//     plus the same with `-T fields -e frame.number -e http.request.method -e http.request.uri
//     -e http2.headers.path` to check that both tools print the same.
//   [TLSLENS=EXECUTABLE] npm run bench [-- CAPTURE [KEYLOG]]   (default: bench-out/bench.pcap and the bench.keys next to
//                                 the capture, recorded on first use with
//                                 ../shared/tools/make-bench-capture.sh bench-out 6000)
// Figures only: nothing is asserted (timings depend on the machine and its load).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';

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
const keys = process.argv[3] ?? cap.replace(/[^/]*$/, 'bench.keys');
// TLSLENS: another build to measure (an executable), e.g. to compare before/after a change
const tlslens = process.env.TLSLENS || `${root}node_modules/.bin/tlslens`;
const tlsFields = ['tls.handshake.type', 'tls.handshake.extensions_server_name'];
const known = spawnSync(tlslens, ['read', '-r', cap, '-c', '1', '-T', 'fields', ...tlsFields.flatMap((f) => ['-e', f])]);
const fields = ['frame.number', 'ip.src', 'tcp.stream', 'tcp.seq', ...(known.status === 0 ? tlsFields : ['tcp.ack', 'tcp.len'])];
const fieldArgs = fields.flatMap((f) => ['-e', f]);

/**
 * Runs a command, returns wall seconds, CPU seconds (user+sys, from bash's `time`: robust
 * when the machine is busy), peak RSS (KiB, from /proc VmHWM) and a hash of stdout.
 */
function run(cmd, args, keep = false) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('bash', ['-c', `TIMEFORMAT='%U %S'; time ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const hash = createHash('sha256');
    let lines = 0;
    let peak = 0;
    const kept = [];
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
      if (keep) kept.push(d);
      for (const b of d) if (b === 10) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const m = /([\d.]+) ([\d.]+)\s*$/.exec(err);
      const cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
      resolve({ code, secs: Number(process.hrtime.bigint() - t0) / 1e9, cpu, peakKiB: peak, sha: hash.digest('hex').slice(0, 16), lines, ...(keep ? { text: Buffer.concat(kept).toString() } : {}) });
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
const ratios = (t, u) => `tlslens is ${(t.secs / u.secs).toFixed(2)}x tshark by wall time, ${(t.cpu / u.cpu).toFixed(2)}x by CPU time; peak RSS: ${(u.peakKiB / t.peakKiB).toFixed(2)} of tshark's`;
console.log(`\n== read -T fields, no keys ==`);
console.log(`packets: ${packets}`);
row('tshark', ts);
row('tlslens', us);
console.log(`speed: ${ratios(ts, us)}; outputs ${ts.sha === us.sha ? 'identical' : 'DIFFER'}`);
// streaming: peak RSS on the first quarter vs the whole capture
const quarter = await run(tlslens, ['read', '-r', cap, '-c', String(Math.max(1, Math.floor(packets / 4))), '-T', 'fields', ...fieldArgs]);
console.log(`tlslens peak RSS on the first quarter: ${(quarter.peakKiB / 1024).toFixed(0)} MiB, on all: ${(us.peakKiB / 1024).toFixed(0)} MiB`);

// decryption: list the HTTP requests (HTTP/1 requests and HTTP/2 HEADERS frames) with the key log
if (existsSync(keys)) {
  const filter = 'http.request || http2.type==1';
  const dec = ['-r', cap, '-o', `tls.keylog_file:${keys}`, '-Y', filter];
  const reqFields = ['frame.number', 'http.request.method', 'http.request.uri', 'http2.headers.path'].flatMap((f) => ['-e', f]);
  console.log(`\n== decryption: read -o tls.keylog_file:${keys} -Y "${filter}" ==`);
  const tsd = await best('tshark', dec, 2);
  // one thread (the default on this kind of machine; --threads auto uses more only with ≥ 4 cores)
  const usd = await best(tlslens, ['read', ...dec, '--threads', '1'], 3);
  const drow = (name, r) => console.log(`${name.padEnd(8)} ${r.secs.toFixed(2).padStart(7)} s wall ${r.cpu.toFixed(2).padStart(6)} s CPU ${Math.round(packets / r.secs).toString().padStart(9)} packets/s ${(size / 1e6 / r.secs).toFixed(1).padStart(7)} MB/s  peak RSS ${(r.peakKiB / 1024).toFixed(0).padStart(5)} MiB  ${String(r.lines).padStart(6)} lines  output ${r.sha}`);
  drow('tshark', tsd);
  drow('tlslens', usd);
  console.log(`speed: ${ratios(tsd, usd)}; text outputs ${tsd.sha === usd.sha ? 'identical' : 'DIFFER'}`);
  // what decryption adds: the same read and filter without the key log (nothing decrypted, nothing matches)
  const usk = await best(tlslens, ['read', '-r', cap, '-Y', filter, '--threads', '1'], 3);
  drow('no keys', usk);
  const budget = tsd.secs / 3;
  console.log(`decryption and HTTP add ${(usd.secs - usk.secs).toFixed(2)} s wall, ${(usd.cpu - usk.cpu).toFixed(2)} s CPU to tlslens's ${usk.secs.toFixed(2)} s keyless read; 3x tshark would be ${budget.toFixed(2)} s in all`);
  // the same with worker threads, one per core (at least 2)
  const threads = Math.max(2, availableParallelism());
  const ust = await best(tlslens, ['read', ...dec, '--threads', String(threads)], 3);
  drow(`tlslens --threads ${threads}`, ust);
  console.log(`speed with ${threads} threads on ${availableParallelism()} cores: ${ratios(tsd, ust)}; text outputs ${tsd.sha === ust.sha ? 'identical' : 'DIFFER'}`);
  // the same packets as fields (timed once each; the figures above are the benchmark)
  const tsf = await run('tshark', [...dec, '-T', 'fields', ...reqFields], true);
  const usf = await run(tlslens, ['read', ...dec, '-T', 'fields', ...reqFields], true);
  console.log(`-T fields -e frame.number -e http.request.method -e http.request.uri -e http2.headers.path: tshark ${tsf.lines} lines ${tsf.cpu.toFixed(2)} s CPU, tlslens ${usf.lines} lines ${usf.cpu.toFixed(2)} s CPU; outputs ${tsf.sha === usf.sha ? 'identical' : 'DIFFER'}`);
  if (tsf.sha !== usf.sha) {
    const a = tsf.text.split('\n');
    const b = usf.text.split('\n');
    const bad = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) bad.push(i);
    console.log(`  ${bad.length} lines differ; first at line ${bad[0] + 1}:\n  tshark:  ${a[bad[0]] ?? '(none)'}\n  tlslens: ${b[bad[0]] ?? '(none)'}`);
  }
  if (tsd.code !== 0 || usd.code !== 0 || tsf.code !== 0 || usf.code !== 0) console.log(`exit status: tshark ${tsd.code}/${tsf.code}, tlslens ${usd.code}/${usf.code}`);
} else {
  console.log(`\n(no key log at ${keys}: the decryption benchmark is skipped)`);
}

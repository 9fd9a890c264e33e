/**
 * Capture backends: an external capture program writing a capture to a pipe.
 *
 * Why not a libpcap binding: the maintained Node bindings (cap, pcap, …) are native addons that
 * must be compiled or download prebuilt binaries at install time; tlslens stays pure JavaScript.
 *
 * Why dumpcap first: it is the capture engine of tshark and Wireshark (package wireshark-common,
 * pulled in by tshark), so packet counts and timing match tshark; it writes pcapng to stdout
 * with interface names and several interfaces in one stream, has stop conditions (-c, -a), and
 * is the program Debian lets non-root users run (dpkg-reconfigure wireshark-common + the wireshark
 * group give it CAP_NET_RAW/CAP_NET_ADMIN). Its only drawback: libpcap's buffer timeout delays
 * packets by up to ~0.25 s.
 *
 * tcpdump is the fallback (often installed where Wireshark is not): `tcpdump -U --immediate-mode
 * -w -` writes pcap to stdout packet by packet; one interface, no autostop but -c (tlslens times
 * -a duration: itself), and non-root use needs setcap on the binary.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { TlsLensError } from '@tlslens/core';
import type { BackendName, CaptureArgs } from './args.ts';

export interface Backend {
  name: BackendName;
  path: string;
}

/** Full path of an executable in PATH (and the sbin directories, where tcpdump may live). */
export function findExecutable(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of ['/usr/sbin', '/sbin', '/usr/local/sbin']) if (!dirs.includes(d)) dirs.push(d);
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const INSTALL_HINT = 'install one with: apt-get install -y tshark   (provides dumpcap; or: apt-get install -y tcpdump)';

/** The backend to use: the one asked for (--backend or TLSLENS_CAPTURE_BACKEND), else dumpcap, else tcpdump. */
export function chooseBackend(wanted?: BackendName): Backend {
  const env = process.env['TLSLENS_CAPTURE_BACKEND'];
  const want = wanted ?? (env === 'dumpcap' || env === 'tcpdump' ? env : undefined);
  for (const name of want ? [want] : (['dumpcap', 'tcpdump'] as const)) {
    const path = findExecutable(name);
    if (path) return { name, path };
  }
  throw new TlsLensError('IO', want
    ? `${want} was not found in PATH; ${want === 'dumpcap' ? 'apt-get install -y tshark' : 'apt-get install -y tcpdump'}`
    : `no capture program found (tlslens captures with dumpcap or tcpdump); ${INSTALL_HINT}`);
}

/** The backend's command line, writing the capture to stdout. */
export function backendArgs(b: BackendName, a: CaptureArgs): string[] {
  const limits = [a.read.count, a.autostop.packets].filter((n): n is number => n !== undefined);
  const count = limits.length > 0 ? Math.min(...limits) : undefined;
  if (b === 'dumpcap') {
    const args: string[] = [];
    // options before the first -i apply to every interface
    if (a.bpf !== undefined) args.push('-f', a.bpf);
    if (a.snaplen !== undefined) args.push('-s', String(a.snaplen));
    if (a.noPromisc) args.push('-p');
    if (a.bufferMiB !== undefined) args.push('-B', String(a.bufferMiB));
    for (const i of a.interfaces) args.push('-i', i);
    if (count !== undefined) args.push('-c', String(count));
    if (a.autostop.duration !== undefined) args.push('-a', `duration:${a.autostop.duration}`);
    args.push('-q', '-w', '-');
    return args;
  }
  if (a.interfaces.length > 1) throw new TlsLensError('USAGE', 'tcpdump captures on one interface only (use dumpcap for several -i, or -i any)');
  const args = ['-n', '--immediate-mode', '-U', '-s', String(a.snaplen ?? 262144)];
  if (a.interfaces.length === 1) args.push('-i', a.interfaces[0]!);
  if (a.noPromisc) args.push('-p');
  if (a.bufferMiB !== undefined) args.push('-B', String(a.bufferMiB * 1024));
  if (count !== undefined) args.push('-c', String(count));
  args.push('-w', '-');
  if (a.bpf !== undefined) args.push(a.bpf);
  return args;
}

export type BackendProcess = ChildProcessByStdio<null, Readable, Readable>;

export function spawnBackend(b: Backend, args: readonly string[]): BackendProcess {
  // Not detached: a Ctrl-C in the terminal reaches dumpcap too, and dumpcap dies with us.
  return spawn(b.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

const PERMISSION_FIX: Record<BackendName, string> = {
  dumpcap: [
    'run tlslens as root (sudo tlslens capture …), or let non-root users capture with dumpcap:',
    '  sudo dpkg-reconfigure wireshark-common      (answer <Yes>)',
    '  sudo usermod -a -G wireshark "$USER"        (then log out and back in)',
  ].join('\n  '),
  tcpdump: [
    'run tlslens as root (sudo tlslens capture …), or install dumpcap for non-root capture:',
    '  sudo apt-get install -y tshark && sudo dpkg-reconfigure wireshark-common && sudo usermod -a -G wireshark "$USER"',
    'or give tcpdump the capabilities: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)"',
  ].join('\n  '),
};

/** Exit status and message for a backend that failed, from its stderr. */
export function classifyFailure(b: BackendName, stderr: string, code: number | null, signal: string | null): { status: number; message: string } {
  const lines = stderr.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== '' && !/^(Capturing on|File: |Packets captured|Packets received\/dropped|tcpdump: listening on)/.test(l));
  const text = lines.join('\n');
  let m: RegExpMatchArray | null;
  if ((m = /There is no device named "([^"]*)"|tcpdump: ([^:\s]+): No such device exists|tcpdump: ([^:\s]+): That device is not up|SIOCGIFHWADDR: No such device/.exec(text))) {
    const name = m[1] ?? m[2] ?? m[3] ?? '';
    return { status: 1, message: `there is no capture interface named "${name}"; list them with: tlslens capture -D${listForHint(b)}` };
  }
  if (/Invalid capture filter|can't parse filter expression|syntax error in filter|illegal token|unknown host|unknown (port|proto)|not a valid capture filter/i.test(text)) {
    const first = (lines.find((l) => /filter|syntax|illegal|unknown/i.test(l)) ?? lines[0] ?? '').replace(/^(dumpcap|tcpdump): /, '');
    const detail = /can't parse filter expression: ([^)\n]*)/.exec(text)?.[1];
    const msg = detail && !first.includes(detail) ? `${first} (${detail})` : first;
    return { status: 1, message: `invalid capture filter (-f): ${b}: ${msg}\n  capture filters use pcap-filter (BPF) syntax, e.g. -f "tcp port 443" (man 7 pcap-filter)` };
  }
  if (/permission|Operation not permitted|not permitted|Permission denied/i.test(text)) {
    const first = lines.find((l) => /permission|not permitted/i.test(l)) ?? text;
    return { status: 2, message: `${b}: ${first.replace(/^(dumpcap|tcpdump): /, '')}\n  ${PERMISSION_FIX[b]}` };
  }
  const why = code !== null ? `exit status ${code}` : `signal ${signal}`;
  return { status: 2, message: `${b} failed (${why})${text ? `:\n  ${lines.join('\n  ')}` : ''}` };
}

function listForHint(b: BackendName): string {
  const path = findExecutable(b);
  if (!path) return '';
  const r = listInterfaces({ name: b, path });
  return r.status === 0 && r.stdout ? '\n  ' + r.stdout.trim().split('\n').join('\n  ') : '';
}

/** `tlslens capture -D`: the backend's interface list (same numbering and format as tshark -D). */
export function listInterfaces(b: Backend): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(b.path, ['-D'], { encoding: 'utf8', timeout: 15000 });
  if (r.error) return { status: 2, stdout: '', stderr: `tlslens: cannot run ${b.path}: ${r.error.message}\n` };
  if (r.status !== 0) {
    const f = classifyFailure(b.name, r.stderr, r.status, r.signal);
    return { status: f.status, stdout: r.stdout, stderr: `tlslens: ${f.message}\n` };
  }
  // tcpdump prints "1.eth0 [Up, Running]"; dumpcap and tshark "1. eth0"
  const out = b.name === 'tcpdump' ? r.stdout.replace(/^(\d+)\.(?=\S)/gm, '$1. ') : r.stdout;
  return { status: 0, stdout: out.endsWith('\n') || out === '' ? out : out + '\n', stderr: '' };
}

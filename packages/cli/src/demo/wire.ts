/** `tlslens demo --wire`: capture the real loopback traffic with tcpdump (root only). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureSync, TlsLensError } from '@tlslens/core';
import type { SynthFrame } from '@tlslens/core';

/** Why a wire capture is impossible here, or null when it is possible. */
export function wireUnavailable(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return '--wire needs root (tcpdump captures on lo)';
  const r = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) return '--wire needs tcpdump in PATH';
  return null;
}

export interface WireCapture {
  /** Stops tcpdump and returns the frames it captured and their link type. */
  stop(): Promise<{ frames: SynthFrame[]; linktype: number }>;
}

/** Starts tcpdump on lo for TCP port `port`; resolves once it is listening. */
export async function startTcpdump(port: number): Promise<WireCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-wire-'));
  const file = join(dir, 'lo.pcap');
  const child = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '0', '-Z', 'root', '-w', file, `tcp port ${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TlsLensError('IO', `tcpdump did not start: ${stderr.trim()}`)), 5000);
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (/listening on/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new TlsLensError('IO', `cannot run tcpdump: ${e.message}`));
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new TlsLensError('IO', `tcpdump exited (${code}): ${stderr.trim()}`));
      });
    });
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    async stop() {
      // let the last ACKs reach the capture before stopping
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      try {
        const bytes = readFileSync(file);
        const frames: SynthFrame[] = [];
        let linktype = 1;
        for (const ev of readCaptureSync(new Uint8Array(bytes))) {
          if (ev.kind !== 'frame') continue;
          linktype = ev.frame.linktype;
          frames.push({ ts: ev.frame.ts, data: ev.frame.data.slice() });
        }
        return { frames, linktype };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

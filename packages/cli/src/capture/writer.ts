/**
 * -w FILE for live capture: the captured events written again as pcapng with core's PcapngWriter,
 * whatever the backend produced (dumpcap: pcapng, tcpdump: pcap), so -w is always pcapng and
 * the ring buffer (-b) is ours: a new file starts with a Section Header and every interface again.
 *
 * Ring file names follow dumpcap: OUT.pcapng → OUT_00001_20240521120000.pcapng, …
 */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { PcapngWriter, TlsLensError, type CaptureEvent, type CaptureInterface } from '@tlslens/core';
import type { FileConditions } from './args.ts';

export interface CaptureFileOptions {
  path: string;
  /** -b conditions; undefined: one file. */
  ring?: FileConditions;
  /** -a filesize: / -a files: stop conditions. */
  autostop: FileConditions;
  /** Stop after this many frames (-c). */
  maxFrames?: number;
  userAppl?: string;
  now?: () => Date;
}

export class CaptureFileWriter {
  /** Every file written, in order (ring files deleted by files:N included). */
  readonly files: string[] = [];
  /** Frames written in all files. */
  frames = 0;
  /** A stop condition (-a filesize:/files:, maxFrames) was reached: no more frames are taken. */
  done = false;
  private fd = -1;
  private writer: PcapngWriter;
  private readonly ifaces: CaptureInterface[] = [];
  private size = 0;
  private fileFrames = 0;
  private fileStart = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly o: CaptureFileOptions) {
    this.writer = new PcapngWriter({ userAppl: o.userAppl ?? 'tlslens capture' });
    this.open();
  }

  private fileName(): string {
    if (!this.o.ring) return this.o.path;
    const ext = extname(this.o.path);
    const stem = basename(this.o.path, ext);
    const d = (this.o.now ?? (() => new Date()))();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}`;
    return join(dirname(this.o.path), `${stem}_${String(this.files.length + 1).padStart(5, '0')}_${stamp}${ext || '.pcapng'}`);
  }

  private open(): void {
    const name = this.fileName();
    try {
      this.fd = openSync(name, 'w');
    } catch (e) {
      throw new TlsLensError('IO', `cannot write "${name}": ${(e as Error).message}`);
    }
    this.files.push(name);
    this.size = 0;
    this.fileFrames = 0;
    this.fileStart = Date.now();
    this.push(this.writer.sectionHeader());
    for (const i of this.ifaces) this.push(this.idb(i));
    const keep = this.o.ring?.files;
    if (keep !== undefined && this.files.length > keep) {
      try {
        unlinkSync(this.files[this.files.length - keep - 1]!);
      } catch {
        // already gone
      }
    }
  }

  private idb(i: CaptureInterface): Uint8Array {
    const r = i.tsresol ?? 6;
    return this.writer.addInterface({ linktype: i.linktype, snaplen: i.snaplen || 262144, name: i.name, nanosecond: r > 6 || r < -20 });
  }

  private push(b: Uint8Array): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.size += b.length;
  }

  private switchDue(): boolean {
    const r = this.o.ring;
    if (!r || this.fileFrames === 0) return false;
    return (r.filesize !== undefined && this.size >= r.filesize * 1000)
      || (r.packets !== undefined && this.fileFrames >= r.packets)
      || (r.duration !== undefined && Date.now() - this.fileStart >= r.duration * 1000);
  }

  /**
   * Takes a batch of events; returns how many were taken (all of them unless a stop condition is
   * reached in the middle: the caller should then print only those and stop).
   */
  write(batch: readonly CaptureEvent[]): number {
    let n = 0;
    for (const ev of batch) {
      if (this.done) break;
      if (ev.kind === 'interface') {
        this.ifaces.push(ev.iface);
        this.push(this.idb(ev.iface));
      } else if (ev.kind === 'frame') {
        if (this.switchDue()) {
          if (this.o.autostop.files !== undefined && this.files.length >= this.o.autostop.files) {
            this.done = true;
            break;
          }
          this.flush();
          closeSync(this.fd);
          this.open();
        }
        const f = ev.frame;
        this.push(this.writer.packet({ ifaceId: f.ifaceId, ts: f.ts, data: f.data, origLen: f.origLen, comments: f.comments }));
        this.frames++;
        this.fileFrames++;
        if (this.o.maxFrames !== undefined && this.frames >= this.o.maxFrames) this.done = true;
        const fs = this.o.autostop.filesize;
        if (fs !== undefined && !this.o.ring && this.size >= fs * 1000) this.done = true;
      }
      n++;
    }
    this.flush();
    return n;
  }

  /** Writes the blocks of the last batch (called by write; the file is complete after each batch). */
  flush(): void {
    if (this.pendingBytes === 0 || this.fd < 0) return;
    const buf = Buffer.allocUnsafe(this.pendingBytes);
    let p = 0;
    for (const b of this.pending) {
      buf.set(b, p);
      p += b.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

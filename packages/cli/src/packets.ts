/**
 * Printing dissected packets the way tshark does (-Y, -T text|fields|json, -e, -E, -V, -x, -t, -c, -q),
 * from a stream of capture events. Shared by `tlslens read` (file/stdin) and `tlslens capture` (live).
 */
import {
  DEFAULT_FIELDS_OPTIONS, FieldsFormatter, TlsLensError, compileFilter, formatFilterError, hexDump, packetJson,
  parseFieldsOption, summaryLine, timeColumn, treeText,
  type CaptureEvent, type CompiledFilter, type Engine, type Packet, type Registry, type TimeFormat, type TimeState,
} from '@tlslens/core';
import type { ReadArgs } from './args.ts';
import { Out } from './io.ts';

export interface PrinterOptions {
  /** Flush stdout after every batch (live capture: a line per packet as it arrives). */
  live?: boolean;
  /** Do not print the display filter's warnings (already printed by whoever checked it first). */
  quietWarnings?: boolean;
  /**
   * A shard of a parallel read (Engine.setShard): only the packets this shard owns are
   * filtered and printed, each handed to `sink` with its frame number instead of stdout.
   */
  shard?: {
    readonly index: number;
    /** How many shards the read has. */
    readonly count: number;
    readonly sink: (frame: number, text: string) => void | Promise<void>;
    /** After each batch: every frame up to `frame` has been read. */
    readonly progress: (frame: number) => void | Promise<void>;
  };
  /**
   * Frames up to this number were printed already (a serial read taking over from a parallel
   * one: the output's header is printed too).
   */
  skipThrough?: number;
  /** Packets printed before (so json's separators continue). */
  shownBefore?: number;
}

/**
 * Compiles -Y and the output options for `engine`. Returns the printer, or 4 after printing the
 * error when the display filter is invalid; throws a USAGE TlsLensError for bad -T/-e combinations.
 */
/**
 * Compiles the -Y filter once: undefined when there is none, 4 (the exit status) after
 * printing the error with its caret when it is invalid; warnings go to stderr.
 */
export function displayFilter(text: string | undefined, reg: Registry, quiet = false): CompiledFilter | undefined | number {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const filter = compileFilter(text, reg);
    if (!quiet) for (const w of filter.warnings) process.stderr.write(`tlslens: ${w}\n`);
    return filter;
  } catch (e) {
    if (e instanceof TlsLensError) {
      process.stderr.write(formatFilterError(text, e) + '\n');
      return 4;
    }
    throw e;
  }
}

export function createPrinter(engine: Engine, args: ReadArgs, opts: PrinterOptions = {}): PacketPrinter | number {
  const reg = engine.reg;
  const filter = displayFilter(args.filter, reg, opts.quietWarnings);
  if (typeof filter === 'number') return filter;

  const fieldsOpts = { ...DEFAULT_FIELDS_OPTIONS };
  for (const spec of args.fieldOpts) parseFieldsOption(fieldsOpts, spec);
  let formatter: FieldsFormatter | undefined;
  if (args.format === 'fields') {
    if (args.fields.length === 0) throw new TlsLensError('USAGE', '-T fields was specified, but no fields were specified with -e');
    formatter = new FieldsFormatter(reg, args.fields, fieldsOpts);
  } else if (args.fields.length > 0) {
    throw new TlsLensError('USAGE', '-e requires -T fields');
  }
  return new PacketPrinter(engine, args, filter, formatter, fieldsOpts.header, opts);
}

export class PacketPrinter {
  /** Frames read so far (frame.number of the last one). */
  num = 0;
  /** Frames that passed the display filter. */
  shown = 0;
  readonly out = new Out();
  private readonly wanted: { fields: Uint8Array; tree: boolean; columns: boolean };
  private readonly timeFmt: TimeFormat;
  private readonly ts: TimeState = {};
  private digits = 6;
  private readonly skipThrough: number;

  constructor(
    private readonly engine: Engine,
    private readonly args: ReadArgs,
    private readonly filter: CompiledFilter | undefined,
    private readonly formatter: FieldsFormatter | undefined,
    private readonly header: boolean,
    private readonly opts: PrinterOptions,
  ) {
    const reg = engine.reg;
    const tree = args.verbose || args.format === 'json';
    const want = new Uint8Array(reg.size);
    for (const f of formatter?.fields ?? []) want[f.id] = 1;
    for (const id of filter?.fields ?? []) want[id] = 1;
    const columns = (!args.quiet && args.format === 'text') || engine.meta.wantsColumns(want);
    this.wanted = { fields: want, tree, columns };
    // packets are printed as they go: a closed connection's TLS/HTTP state is not needed afterwards
    engine.releaseClosed = true;
    this.timeFmt = args.time as TimeFormat;
    engine.columnTime = (t) => timeColumn(this.timeFmt, t, this.ts, this.digits);
    this.shown = opts.shownBefore ?? 0;
    this.skipThrough = opts.skipThrough ?? 0;
  }

  /** The display filter's warnings (printed by createPrinter unless quietWarnings). */
  get filterWarnings(): readonly string[] {
    return this.filter?.warnings ?? [];
  }

  /**
   * Whether the output depends on which earlier packets were displayed (frame.time_delta_displayed
   * in the tree, a field or the Time column): a parallel read cannot know that with a filter.
   */
  needsDisplayHistory(): boolean {
    if (!this.filter) return false;
    const id = this.engine.reg.find('frame.time_delta_displayed')?.id;
    return this.wanted.tree || this.timeFmt.includes('dd') || (id !== undefined && this.wanted.fields[id] === 1);
  }

  /** Writes what comes before the first packet (the -T fields header, json's "["). */
  async begin(): Promise<void> {
    if (this.formatter && this.header && !this.args.quiet) await this.out.write(this.formatter.header());
    if (this.args.format === 'json' && !this.args.quiet) await this.out.write('[\n');
  }

  /** Dissects and prints one batch of events; false once the -c count is reached (stop reading). */
  async batch(batch: readonly CaptureEvent[]): Promise<boolean> {
    const { engine, args, filter, ts, wanted, out } = this;
    const shard = this.opts.shard;
    let more = true;
    for (const ev of batch) {
      if (ev.kind === 'interface') {
        if ((ev.iface.tsresol ?? 6) > 6) this.digits = 9;
        continue;
      }
      if (ev.kind === 'secrets') {
        engine.addSecrets(ev.secrets.type, ev.secrets.data);
        continue;
      }
      if (ev.kind !== 'frame') continue;
      const num = ++this.num;
      const t = ev.frame.ts;
      ts.first ??= t;
      // in a shard, another shard's TCP segment is often recognised from its bytes (not dissected)
      const p = shard && engine.skim(ev.frame, num) ? undefined : engine.dissect(ev.frame, num, wanted);
      // a shard that met what only the whole capture knows prints nothing from this frame on
      if (shard && engine.shardConflict) return false;
      if (p === undefined || (shard && (p.shard < 0 ? 0 : p.shard) !== shard.index)) {
        // another shard's packet: only the time state moves on (without a filter every packet
        // is displayed, so the previous displayed one is the previous captured one)
        if (!filter) {
          engine.displayed(ev.frame);
          ts.prevDisplayed = t;
        }
      } else if (!filter || filter.match((id: number) => p.values(id))) {
        engine.displayed(p);
        if (!args.quiet && num > this.skipThrough) {
          const text = this.packetText(p);
          const w = shard ? shard.sink(num, text) : out.write(this.shown > 0 && args.format === 'json' ? ',\n' + text : text);
          // await only when the output asked to wait (an await per packet costs a microtask)
          if (w) await w;
        }
        if (num > this.skipThrough) this.shown++;
        ts.prevDisplayed = p.ts;
      }
      ts.prevCaptured = t;
      if (args.count !== undefined && num >= args.count) {
        more = false;
        break;
      }
    }
    if (this.opts.live) await out.flush();
    if (shard) await shard.progress(this.num);
    return more;
  }

  /** A displayed packet as printed: a -T fields line, a json object, a summary line, the tree and/or hex dump. */
  private packetText(p: Packet): string {
    const { args, formatter } = this;
    const reg = this.engine.reg;
    if (formatter) return formatter.line(p, (f) => p.labelOf(f.id));
    if (args.format === 'json') return JSON.stringify(packetJson(reg, p), null, 2).replace(/^/gm, '  ');
    // like tshark 4.0: -V prints the tree, -x the hex dump, both replace the summary line
    let text = '';
    if (args.verbose) text += treeText(reg, p) + '\n';
    if (args.hex) text += hexDump(p);
    if (!args.verbose && !args.hex) text += summaryLine(p, timeColumn(this.timeFmt, p.ts, this.ts, this.digits));
    return text;
  }

  /** Writes what comes after the last packet (json's "]") and flushes. Call after engine.finish(). */
  async end(): Promise<void> {
    if (this.args.format === 'json' && !this.args.quiet) await this.out.write(this.shown > 0 ? '\n]\n' : ']\n');
    await this.out.flush();
  }
}

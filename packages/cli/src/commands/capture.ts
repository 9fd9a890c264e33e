/**
 * `tlslens capture`: live capture through dumpcap (or tcpdump) writing to a pipe, printed like
 * tshark as packets arrive. See ../capture/backend.ts for why an external capture program.
 */
import { TlsLensError, readCaptureBatches } from '@tlslens/core';
import { parseCaptureArgs, type CaptureArgs } from '../capture/args.ts';
import { backendArgs, chooseBackend, classifyFailure, listInterfaces, spawnBackend, type Backend } from '../capture/backend.ts';
import { KeylogTail } from '../capture/keylog.ts';
import { CaptureFileWriter } from '../capture/writer.ts';
import { createPrinter } from '../packets.ts';
import { engineFromArgs } from './keys.ts';

export const CAPTURE_HELP = `Usage: tlslens capture [-i IFACE] [-f BPF] [options]
       tlslens capture -D

Captures live traffic and prints it as it arrives, like tshark -i. tlslens runs dumpcap
(Wireshark's capture program, from the tshark / wireshark-common package) writing pcapng
to a pipe, or tcpdump when dumpcap is missing: no native libpcap binding to compile, the
same capture engine and packet counts as tshark, several interfaces, and on Debian non-root
capture through the wireshark group. dumpcap delivers packets up to ~0.25 s late (libpcap
buffer timeout); tcpdump runs in immediate mode.

Capture:
  -i IFACE                interface name or number from -D (repeatable with dumpcap;
                          default: the backend's first non-loopback interface)
  -f BPF                  capture filter (pcap-filter syntax), e.g. -f "tcp port 443";
                          words after the options are taken as the capture filter too
  -D                      list the interfaces and exit
  -s N                    snapshot length (default 262144)
  -p                      do not put the interface in promiscuous mode
  -B MiB                  kernel buffer size
  --backend dumpcap|tcpdump   capture program (default: dumpcap, else tcpdump;
                          also TLSLENS_CAPTURE_BACKEND)
Stop conditions (Ctrl-C or SIGTERM also stop cleanly: output and file are flushed):
  -c N                    stop after N packets
  -a duration:S           stop after S seconds
  -a packets:N            stop after N packets
  -a filesize:KB          stop when the -w file reaches KB kB (1 kB = 1000 bytes)
  -a files:N              with -b: stop after N files
Output:
  -w FILE                 also save the packets to FILE (always pcapng, readable by tshark
                          and Wireshark); unlike tshark, packets are still printed (add -q)
  -b filesize:KB|duration:S|packets:N   ring buffer: switch to a new file on that condition;
                          files are named FILE_00001_YYYYMMDDhhmmss.pcapng, …
  -b files:N              ring buffer: keep only the last N files
  -Y -T -e -E -V -x -t -q -o -d   as "tlslens read" (display filter, fields, details, …)
  -o tls.keylog_file:F, --keylog F   TLS key log; read again as it grows during the capture

At the end "N packets captured" is printed to stderr.

Errors and fixes:
  no capture program      apt-get install -y tshark   (or: apt-get install -y tcpdump)
  permission denied       run as root, or: dpkg-reconfigure wireshark-common (answer Yes)
                          and usermod -a -G wireshark USER, then log in again
  unknown interface       tlslens capture -D lists them

Exit status: 0 success (also when stopped by -c, -a, Ctrl-C or SIGTERM); 1 bad usage,
unknown interface or invalid capture filter (-f); 2 cannot capture (no capture program,
permission denied, the capture program failed or its output could not be read, -w cannot
be written); 4 invalid display filter (-Y).
`;

/** Node hands out Buffers; dissectors slice a lot, and views of a plain Uint8Array are cheaper. */
async function* plain(src: AsyncIterable<Buffer>): AsyncIterable<Uint8Array> {
  for await (const b of src) yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export async function captureCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CAPTURE_HELP);
    return 0;
  }
  const a = parseCaptureArgs(argv);
  const backend = chooseBackend(a.backend);
  if (a.list) {
    const r = listInterfaces(backend);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.status;
  }
  return capture(a, backend);
}

async function capture(a: CaptureArgs, backend: Backend): Promise<number> {
  const args = a.read;
  // key log files are re-read as they grow (KeylogTail below); RSA keys are loaded once
  const engine = await engineFromArgs(args, { keylogFiles: false });
  const printer = createPrinter(engine, args, { live: true });
  if (typeof printer === 'number') return printer;
  const cmdline = backendArgs(backend.name, a);

  const keylogs = [...new Set([...args.prefs.filter(([k]) => k === 'tls.keylog_file').map(([, v]) => v), ...args.keylogs])];
  const tail = keylogs.length > 0 ? new KeylogTail(keylogs, engine) : undefined;
  // keys are logged while connections run, often just after the packets that need them (a TLS 1.3
  // client logs its handshake secrets once it has read the ServerHello): connections that started
  // before their key was read are decrypted when it arrives (the file may not exist yet)
  if (tail) engine.keys().lateKeys = true;
  tail?.poll(true);

  let writer: CaptureFileWriter | undefined;
  if (a.write !== undefined) {
    try {
      writer = new CaptureFileWriter({ path: a.write, ring: a.ringEnabled ? a.ring : undefined, autostop: a.autostop, maxFrames: args.count });
    } catch (e) {
      if (!(e instanceof TlsLensError)) throw e;
      process.stderr.write(`tlslens: ${e.message}\n`);
      return 2;
    }
  }

  const child = spawnBackend(backend, cmdline);
  let stderr = '';
  let ready = false;
  let spawnError: Error | undefined;
  const announce = (): void => {
    if (ready) return;
    ready = true;
    const ifaces = a.interfaces.length > 0 ? a.interfaces.map((i) => `'${i}'`).join(', ') : 'the default interface';
    process.stderr.write(`Capturing on ${ifaces} with ${backend.name}${a.bpf !== undefined ? ` (filter: ${a.bpf})` : ''}\n`);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr += s;
    // dumpcap says "File: -" once the interfaces are open, tcpdump "listening on …"
    if (!ready && /^File: |tcpdump: listening on/m.test(stderr)) announce();
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (e) => {
      spawnError = e;
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let exited = false;
  void closed.then(() => {
    exited = true;
  });

  // Stopping: SIGINT makes dumpcap and tcpdump flush and exit; SIGKILL if they take too long.
  let stopping = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (exited) return;
    if (stopping) {
      child.kill('SIGKILL');
      return;
    }
    stopping = true;
    child.kill('SIGINT');
    killTimer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 3000);
    killTimer.unref();
  };
  const onSignal = (): void => stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // tcpdump has no duration autostop: time it here (dumpcap gets -a duration:S)
  let durationTimer: NodeJS.Timeout | undefined;
  if (a.autostop.duration !== undefined && backend.name === 'tcpdump') durationTimer = setTimeout(stop, a.autostop.duration * 1000);

  let status = 0;
  let stoppedByUs = false;
  let streamError: TlsLensError | undefined;
  try {
    await printer.begin();
    for await (const batch of readCaptureBatches(plain(child.stdout), { onFormat: (f) => engine.setFileFormat(f) })) {
      announce(); // data flows: the backend is capturing
      tail?.poll(true); // every batch: a key logged just before its packets must be there (cheap: one fstat)
      let events = batch;
      if (writer) {
        const n = writer.write(batch);
        if (n < batch.length) events = batch.slice(0, n);
      }
      const more = await printer.batch(events);
      if (!more || writer?.done) {
        stoppedByUs = true;
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) {
      stop();
      throw e;
    }
    streamError = e;
  }
  // stopped on purpose (Ctrl-C, SIGTERM, -a duration: with tcpdump, -c, -a filesize:/files:)
  const intentional = stopping || stoppedByUs;
  {
    if (durationTimer) clearTimeout(durationTimer);
    if (stoppedByUs || streamError) stop();
    child.stdout.destroy();
  }
  const { code, signal } = await closed;
  if (killTimer) clearTimeout(killTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  engine.finish();
  await printer.end();
  try {
    writer?.close();
  } catch (e) {
    process.stderr.write(`tlslens: ${a.write}: ${(e as Error).message}\n`);
    status = 2;
  }

  const n = printer.num;
  if (spawnError) {
    process.stderr.write(`tlslens: cannot run ${backend.path}: ${spawnError.message}\n`);
    return 2;
  }
  const failed = !intentional && code !== 0 && (streamError === undefined || streamError.code === 'CAPTURE_EMPTY');
  if (failed) {
    const f = classifyFailure(backend.name, stderr, code, signal);
    process.stderr.write(`tlslens: ${f.message}\n`);
    if (n === 0) return f.status;
    status = 2;
  } else if (streamError && !(intentional && (streamError.code === 'CAPTURE_EMPTY' || streamError.code === 'CAPTURE_TRUNCATED'))) {
    process.stderr.write(`tlslens: cannot read the output of ${backend.name}: ${streamError.message}\n`);
    status = 2;
  }
  for (const m of stderr.matchAll(/Packets received\/dropped on interface '([^']*)': \d+\/(\d+)/g)) {
    if (Number(m[2]) > 0) process.stderr.write(`tlslens: ${plural(Number(m[2]), 'packet')} dropped on interface '${m[1]}'\n`);
  }
  const drop = /(\d+) packets? dropped by kernel/.exec(stderr);
  if (drop && Number(drop[1]) > 0) process.stderr.write(`tlslens: ${plural(Number(drop[1]), 'packet')} dropped by the kernel\n`);
  const files = writer && a.ringEnabled ? ` (files: ${writer.files.slice(-(a.ring.files ?? writer.files.length)).join(', ')})` : '';
  process.stderr.write(`${plural(n, 'packet')} captured${files}\n`);
  return status;
}

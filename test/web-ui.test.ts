// The web UI end to end: build it, serve it with `tlslens ui`, drive Debian's Chromium with
// playwright-core on a capture recorded by `tlslens demo` (real TLS 1.2 + 1.3 HTTPS), and compare
// what the page shows with `tlslens read` and tshark.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { readCaptureSync, type CaptureFrame } from '@tlslens/core';
import { ROOT, haveTshark } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const MAIN = join(ROOT, 'packages/cli/src/main.ts');
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium)`;

/** Runs the CLI from source (no dependency on a previous build). */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A classic pcap (no Decryption Secrets Block: keys must come from the key log). */
function writePcap(path: string, frames: readonly CaptureFrame[], copies = 1): void {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, 0xa1b23c4d, true); // nanosecond pcap
  head.setUint16(4, 2, true);
  head.setUint16(6, 4, true);
  head.setUint32(16, 262144, true);
  head.setUint32(20, frames[0]!.linktype, true);
  parts.push(new Uint8Array(head.buffer));
  for (let c = 0; c < copies; c++) {
    for (const f of frames) {
      const rec = new DataView(new ArrayBuffer(16));
      rec.setUint32(0, f.ts.s + c, true);
      rec.setUint32(4, f.ts.ns, true);
      rec.setUint32(8, f.data.length, true);
      rec.setUint32(12, f.origLen, true);
      parts.push(new Uint8Array(rec.buffer), f.data);
    }
  }
  writeFileSync(path, Buffer.concat(parts));
}

let webEnv: NodeJS.ProcessEnv = process.env;

/** `tlslens ui --port 0 ARGS…` from source, serving the UI built by the test; resolves with its URL. */
async function startUi(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'ui', '--port', '0', ...args], { cwd: ROOT, env: webEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`tlslens ui did not start: ${out}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => fail(new Error(`tlslens ui exited (${code}): ${out}`)));
  });
  return { proc, url };
}

async function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((ok) => proc.once('exit', ok));
  proc.kill('SIGTERM');
  await exited;
}

describe('web UI (tlslens ui + Chromium)', { skip: SKIP }, () => {
  let dir = '';
  let pcapng = '';
  let pcap = '';
  let keys = '';
  let server: ChildProcess | undefined;
  let url = '';
  let ctx: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlslens-web-'));
    pcapng = join(dir, 'demo.pcapng');
    keys = join(dir, 'demo.keys');
    pcap = join(dir, 'demo-nokeys.pcap');
    const demo = cli(['demo', '-q', '-w', pcapng, '--keylog', keys]);
    assert.equal(demo.status, 0, demo.stderr);
    const frames = [...readCaptureSync(new Uint8Array(readFileSync(pcapng)))].flatMap((e) => (e.kind === 'frame' ? [{ ...e.frame, data: e.frame.data.slice() }] : []));
    writePcap(pcap, frames);

    // build the UI into a fresh folder and serve it from there
    const webDir = join(dir, 'web');
    const { build } = await import('vite');
    await build({ root: join(ROOT, 'packages/web'), configFile: join(ROOT, 'packages/web/vite.config.ts'), logLevel: 'warn', build: { outDir: webDir, emptyOutDir: true } });
    assert.ok(existsSync(join(webDir, 'index.html')));
    webEnv = { ...process.env, TLSLENS_WEB_DIR: webDir };
    ({ proc: server, url } = await startUi([]));
    const { chromium } = await import('playwright-core');
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(dir, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await ctx?.close();
    await stop(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function rows(): Promise<number> {
    return Number(await page.getAttribute('#packet-list', 'data-rows'));
  }

  async function open(file: string, keyFiles: string[] = []): Promise<void> {
    await page.goto(url);
    if (keyFiles.length) await page.setInputFiles('#key-file', keyFiles);
    await page.setInputFiles('#open-file', file);
    await page.waitForSelector('body[data-loaded=true][data-busy=false]');
  }

  async function applyFilter(text: string): Promise<void> {
    await page.fill('#filter', text);
    await page.press('#filter', 'Enter');
    await page.waitForFunction((t) => document.body.dataset.filtered === t, text);
  }

  it('lists as many packets as tlslens read and tshark, with the same columns', async () => {
    await open(pcap, [keys]);
    const read = cli(['read', '-r', pcap, '--keylog', keys]);
    assert.equal(read.status, 0, read.stderr);
    const lines = read.stdout.trimEnd().split('\n');
    assert.equal(await rows(), lines.length);
    if (haveTshark()) {
      const t = spawnSync('tshark', ['-r', pcap, '-o', `tls.keylog_file:${keys}`], { encoding: 'utf8' });
      assert.equal(t.stdout.trimEnd().split('\n').length, lines.length);
    }
    // the first visible rows hold the same No./Protocol/Length/Info as `read`'s lines
    const shown = await page.$$eval('#packet-list .pl-layer .pl-row', (rs) => rs.filter((r) => (r as HTMLElement).style.display !== 'none')
      .map((r) => Array.from(r.children, (c) => c.textContent ?? '')));
    assert.ok(shown.length >= 10);
    for (const cells of shown) {
      const line = lines[Number(cells[0]) - 1]!;
      assert.ok(line.endsWith(` ${cells[4]} ${cells[5]}${cells[6] ? ` ${cells[6]}` : ''}`), `row ${cells[0]}: ${JSON.stringify(cells)} vs ${line}`);
      assert.ok(line.includes(`${cells[2]} → ${cells[3]}`));
    }
    assert.match((await page.textContent('#counts')) ?? '', new RegExp(`Packets: ${lines.length} · Displayed: ${lines.length}`));
  });

  it('filters http.request and shows the decrypted request in the tree', async () => {
    await applyFilter('http.request');
    const expected = cli(['read', '-r', pcap, '--keylog', keys, '-Y', 'http.request']).stdout.trimEnd().split('\n');
    assert.equal(await rows(), expected.length);
    assert.equal(expected.length, 1);
    const num = Number(/^\s*(\d+)/.exec(expected[0]!)![1]);
    await page.waitForSelector(`body[data-detail="${num}"]`);
    const labels = await page.$$eval('#tree .lbl', (ls) => ls.map((l) => l.textContent));
    assert.ok(labels.includes('Hypertext Transfer Protocol'), labels.join('\n'));
    assert.ok(labels.includes('Request Method: GET'));
    // the decrypted bytes have their own tab, as in Wireshark
    const tabs = await page.$$eval('.hex-tabs .tab', (ts) => ts.map((t) => t.textContent));
    assert.ok(tabs.some((t) => t?.startsWith('Decrypted TLS')), tabs.join(', '));
  });

  it('highlights the bytes of a clicked tree node (http.host, in the decrypted data)', async () => {
    const host = cli(['read', '-r', pcap, '--keylog', keys, '-Y', 'http.request', '-T', 'fields', '-e', 'http.host']).stdout.trim();
    assert.equal(host, 'demo.tlslens.test');
    await page.click(`#tree .lbl:text-is("Host: ${host}")`);
    const hl = await page.$$eval('#hex span.hl.a', (s) => s.map((x) => x.textContent).join(''));
    assert.equal(hl, host);
    assert.match((await page.textContent('#sel-info')) ?? '', /^http\.host · 17 bytes at \d+ of “Decrypted TLS/);
  });

  it('highlights the SNI at the offset and length tshark gives', async () => {
    await applyFilter('tls.handshake.type == 1');
    assert.equal(await rows(), 2);
    const first = Number(await page.$eval('#packet-list .pl-layer .pl-row.selected', (r) => r.children[0]!.textContent));
    await page.waitForSelector(`body[data-detail="${first}"]`);
    await page.click('button:text-is("Expand all")');
    await page.click('#tree .lbl:text-is("Server Name: demo.tlslens.test")');
    const sel = await page.$$eval('#hex span.hl:not(.a)', (s) => s.map((x) => ({ o: Number((x as HTMLElement).dataset.o), b: x.textContent })));
    assert.equal(sel.map((x) => String.fromCharCode(parseInt(x.b!, 16))).join(''), 'demo.tlslens.test');
    if (haveTshark()) {
      // tshark -T json -x: "<field>_raw": [hex, offset, length, bitmask, type]
      const t = spawnSync('tshark', ['-r', pcap, '-Y', `frame.number == ${first}`, '-T', 'json', '-x'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const m = /"tls\.handshake\.extensions_server_name_raw": \[\s*"([0-9a-f]+)",\s*(\d+),\s*(\d+)/.exec(t.stdout);
      assert.ok(m, 'tshark gives the raw SNI');
      assert.equal(sel[0]!.o, Number(m[2]));
      assert.equal(sel.length, Number(m[3]));
      assert.equal(sel.map((x) => x.b).join(''), m[1]);
    }
  });

  it('filters http2.type==1 (HEADERS) and shows the decrypted HTTP/2 request', async () => {
    await applyFilter('http2.type==1');
    const expected = cli(['read', '-r', pcap, '--keylog', keys, '-Y', 'http2.type==1']).stdout.trimEnd().split('\n');
    assert.equal(await rows(), expected.length);
    assert.ok(expected.length >= 2);
    await page.waitForSelector(`body[data-detail="${Number(/^\s*(\d+)/.exec(expected[0]!)![1])}"]`);
    await page.click('button:text-is("Expand all")');
    const labels = await page.$$eval('#tree .lbl', (ls) => ls.map((l) => l.textContent ?? ''));
    assert.ok(labels.some((l) => /^Header: :path: \/hello\.json$/.test(l)), labels.filter((l) => l.includes('Header')).join('\n'));
  });

  it('shows a bad filter\'s error with a caret under the offending part', async () => {
    const text = 'tcp.port == foo';
    const r = cli(['read', '-r', pcap, '-Y', text]);
    assert.equal(r.status, 4);
    const before = await rows();
    await applyFilter(text);
    await page.waitForSelector('#filter-error:not([hidden])');
    const msg = await page.textContent('#filter-error .msg');
    assert.equal(msg, `Invalid display filter: ${r.stderr.split('\n')[0]!.replace(/^tlslens: /, '')}`);
    const caret = await page.textContent('#filter-error .caret');
    // the same caret line as the CLI's (which indents by four spaces)
    assert.equal(caret, r.stderr.split('\n').slice(1, 3).map((l) => l.slice(4)).join('\n'));
    assert.equal(await page.getAttribute('#filter', 'class'), 'invalid');
    assert.equal(await rows(), before, 'the list keeps the last good filter');
  });

  it('lists both TLS connections as decrypted with the key log, and says why not without it', async () => {
    await page.click('[data-tab=connections]');
    const cells = await page.$$eval('#connections tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
    assert.equal(cells.length, 2);
    assert.deepEqual(cells.map((c) => [c[2], c[3], c[6]]), [['demo.tlslens.test', 'TLSv1.2', 'http/1.1'], ['demo.tlslens.test', 'TLSv1.3', 'h2']]);
    assert.ok(cells.every((c) => c[9]!.startsWith('decrypted')));

    await open(pcap);
    await page.click('[data-tab=connections]');
    const why = await page.$$eval('#connections tbody tr td:nth-child(10)', (tds) => tds.map((t) => t.textContent ?? ''));
    assert.equal(why.length, 2);
    for (const w of why) assert.match(w, /^not decrypted./);
    // the same reason as the CLI's handshakes --json
    const hs = JSON.parse(cli(['handshakes', '--json', pcap]).stdout) as { decryption: string; decryption_status: string | null }[];
    assert.deepEqual(hs.map((h) => h.decryption), ['no', 'no']);
  });

  it('says which connection a partial key log does not cover, as tlslens handshakes does', async () => {
    // keep only the TLS 1.2 connection's line (CLIENT_RANDOM): the TLS 1.3 one has no key
    const partial = join(dir, 'partial.keys');
    writeFileSync(partial, readFileSync(keys, 'utf8').split('\n').filter((l) => l.startsWith('CLIENT_RANDOM ')).join('\n') + '\n');
    await open(pcap, [partial]);
    await page.click('[data-tab=connections]');
    const ui = await page.$$eval('#connections tbody tr td:nth-child(10)', (tds) => tds.map((t) => t.textContent ?? ''));
    const hs = JSON.parse(cli(['handshakes', '--json', pcap, '--keylog', partial]).stdout) as { decryption: string; decryption_status: string | null }[];
    assert.deepEqual(hs.map((h) => h.decryption), ['yes', 'no']);
    assert.ok(hs[1]!.decryption_status, 'the CLI gives a reason');
    assert.equal(ui[0], 'decrypted');
    assert.equal(ui[1], `not decrypted${hs[1]!.decryption_status}`);
  });

  it('decrypts with the pcapng\'s own Decryption Secrets Block (no key file)', async () => {
    await open(pcapng);
    await page.click('[data-tab=connections]');
    const dec = await page.$$eval('#connections tbody tr td:nth-child(10)', (tds) => tds.map((t) => t.textContent ?? ''));
    assert.deepEqual(dec.map((d) => d.startsWith('decrypted')), [true, true]);
  });

  it('lists the HTTP/1.1 and HTTP/2 transactions like tlslens http', async () => {
    await page.click('[data-tab=http]');
    await page.waitForSelector('#http-view table.grid');
    const ui = await page.$$eval('#http-view tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
    const cliTx = JSON.parse(cli(['http', '--json', pcapng]).stdout) as { method: string; url: string; status: number }[];
    assert.deepEqual(ui.map((r) => [r[2], r[3], r[4]!.split(' ')[0]]), cliTx.map((t) => [t.method, t.url, String(t.status)]));
    await page.click('#http-view tbody tr:nth-child(2)');
    assert.match((await page.textContent('.http-detail')) ?? '', /"hello":"world"/);
  });

  it('follows the HTTP/1.1 stream like tlslens follow', async () => {
    await page.click('[data-tab=connections]');
    await page.click('#connections tr[data-stream="0"] button:text-is("Follow")');
    await page.waitForSelector('pre.follow-text');
    const text = (await page.textContent('pre.follow-text')) ?? '';
    const f = cli(['follow', pcapng, '--stream', '0', '--tls']);
    assert.equal(f.status, 0, f.stderr);
    assert.match(text, /^GET \/ HTTP\/1\.1\nhost: demo\.tlslens\.test\n/);
    assert.match(text, /HTTP\/1\.1 200 OK\n/);
    // every payload line of the CLI's output (not its header, separators or chunk sizes) is in the page
    const payload = f.stdout.split('\n').slice(6).filter((l) => !/^(=+|\t?\d+)$/.test(l)).map((l) => l.replace(/^\t/, '').replace(/\r$/, ''));
    assert.ok(payload.length > 10);
    for (const l of payload) assert.ok(text.includes(l), JSON.stringify(l));
    await page.screenshot({ path: join(process.env.TLSLENS_SCREENSHOTS ?? dir, 'follow.png') });
  });

  it('opens the capture and key log given to tlslens ui FILE --keylog K', async () => {
    const other = await startUi([pcap, '--keylog', keys]);
    try {
      await page.goto(other.url);
      await page.waitForSelector('body[data-loaded=true][data-busy=false]');
      assert.match((await page.textContent('#file-name')) ?? '', /^demo-nokeys\.pcap/);
      assert.match((await page.textContent('#status-text')) ?? '', /^33 packets read .* 2 TLS connections, 2 decrypted$/);
    } finally {
      await stop(other.proc);
    }
  });

  it('takes a capture and its key log dropped together on the page', async () => {
    await page.goto(url);
    const files = [
      { name: 'demo.keys', type: 'text/plain', b64: readFileSync(keys).toString('base64') },
      { name: 'demo-nokeys.pcap', type: 'application/octet-stream', b64: readFileSync(pcap).toString('base64') },
    ];
    await page.evaluate((fs) => {
      const dt = new DataTransfer();
      for (const f of fs) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
    await page.waitForSelector('body[data-loaded=true][data-busy=false]');
    assert.deepEqual(await page.$$eval('#keys .chip', (cs) => cs.map((c) => `${c.querySelector('.kind')?.textContent}: ${c.querySelector('.name')?.textContent}`)), ['key log: demo.keys']);
    assert.match((await page.textContent('#file-name')) ?? '', /^demo-nokeys\.pcap/);
    assert.match((await page.textContent('#status-text')) ?? '', /2 TLS connections, 2 decrypted/);
  });

  it('warns about bad key log lines, as tlslens read does', async () => {
    const bad = join(dir, 'bad.log');
    writeFileSync(bad, 'CLIENT_RANDOM zz 11\n');
    const r = cli(['read', '-r', pcap, '--keylog', bad, '-c', '1']);
    const warning = /^tlslens: warning: (.*)$/m.exec(r.stderr)![1]!;
    await open(pcap, [bad]);
    assert.equal(await page.getAttribute('#banner', 'class'), 'banner warn');
    assert.equal((await page.textContent('#banner > span')) ?? '', `Key warnings: ${warning.replace(bad, 'bad.log')}`);
  });

  it('explains a handshake step by step like tlslens explain', async () => {
    await open(pcapng);
    await page.click('[data-tab=connections]');
    await page.click('#connections tr[data-stream="1"] button:text-is("Explain")');
    await page.waitForSelector('.explain-out section.step');
    const ui = await page.$$eval('.explain-out section.step', (ss) => ss.map((s) => ({
      id: (s as HTMLElement).dataset.step, lines: Array.from(s.querySelectorAll('.ln'), (l) => l.textContent ?? ''),
    })));
    const r = cli(['explain', pcapng, '--stream', '1', '--format', 'json', '--lang', 'en']);
    assert.equal(r.status, 0, r.stderr);
    const ex = JSON.parse(r.stdout) as { steps: { id: string; text: string[] }[] };
    assert.deepEqual(ui.map((s) => s.id), ex.steps.map((s) => s.id));
    // the same sentences; signatures are checked by WebCrypto in the page and node:crypto in the CLI
    for (const [i, s] of ex.steps.entries()) assert.deepEqual(ui[i]!.lines, s.text.map((l) => l.trim()), s.id);
    assert.ok(ui.some((s) => s.lines.some((l) => /^✓ the signature on /.test(l))), 'WebCrypto verified a certificate signature');
  });

  it('reports a file that is not a capture, and a truncated one', async () => {
    await page.goto(url);
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'hello, this is not a capture\n');
    await page.setInputFiles('#open-file', junk);
    await page.waitForSelector('#banner:not([hidden])');
    assert.match((await page.textContent('#banner')) ?? '', /notes\.txt is not a capture file/);

    const whole = readFileSync(pcap);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    await open(cut);
    const read = cli(['read', '-r', cut]);
    assert.equal(read.status, 2);
    assert.equal(await rows(), read.stdout.trimEnd().split('\n').length);
    const banner = (await page.textContent('#banner')) ?? '';
    assert.match(banner, /cut\.pcap: .*truncated.* the \d+ frames before the damage are shown/i);
  });

  it('keeps a 100k-packet list virtual: few DOM rows, scrolls to the last frame', async (t) => {
    const frames = [...readCaptureSync(new Uint8Array(readFileSync(pcap)))].flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));
    const copies = Math.ceil(100_000 / frames.length);
    const big = join(dir, 'big.pcap');
    writePcap(big, frames, copies);
    const total = frames.length * copies;
    await page.goto(url);
    // the page keeps painting while the worker reads: the longest gap between animation frames
    // (a string: tsx's helpers for named functions do not exist in the page)
    await page.evaluate(`(() => {
      window.maxGap = 0;
      let last = performance.now();
      const tick = (now) => {
        window.maxGap = Math.max(window.maxGap, now - last);
        last = now;
        if (document.body.dataset.loaded !== 'true') requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const t0 = Date.now();
    await page.setInputFiles('#open-file', big);
    await page.waitForSelector('body[data-loaded=true][data-busy=false]');
    const maxGap = await page.evaluate(() => (window as unknown as { maxGap: number }).maxGap);
    t.diagnostic(`${total} frames read in ${Date.now() - t0} ms; longest main-thread frame gap ${maxGap.toFixed(0)} ms`);
    assert.ok(maxGap < 1000, `the page froze for ${maxGap} ms`);
    assert.equal(await rows(), total);
    const domRows = await page.$$eval('#packet-list .pl-layer .pl-row', (rs) => rs.length);
    assert.ok(domRows < 120, `${domRows} rows in the DOM`);
    await page.click('#packet-list .pl-viewport');
    await page.keyboard.press('End');
    await page.waitForSelector(`#packet-list .pl-row.selected[data-num="${total}"]`);
    await page.waitForSelector(`body[data-detail="${total}"]`);
    await page.screenshot({ path: join(process.env.TLSLENS_SCREENSHOTS ?? dir, 'big.png') });
  });

  it('raised no error in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});

describe('tlslens ui server', () => {
  it('serves the built UI from packages/web/dist next to the bundled CLI', async (t) => {
    const bundled = join(ROOT, 'packages/cli/dist/tlslens.mjs');
    if (!existsSync(bundled) || !existsSync(join(ROOT, 'packages/web/dist/index.html'))) return t.skip('not built (npm run build)');
    const env = { ...process.env };
    delete env.TLSLENS_WEB_DIR;
    const srv = spawn(process.execPath, [bundled, 'ui', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const base = await new Promise<string>((ok, fail) => {
        let out = '';
        srv.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) ok(m[1]!);
        });
        srv.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        srv.on('exit', (c) => fail(new Error(`exited ${c}: ${out}`)));
      });
      const index = await (await fetch(base)).text();
      assert.equal(index, readFileSync(join(ROOT, 'packages/web/dist/index.html'), 'utf8'));
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index)![1]!;
      const js = await fetch(base + script);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.deepEqual(await (await fetch(base + 'api/session')).json(), { keys: [], prefs: [], decodeAs: [] });
      assert.equal((await fetch(base + 'api/capture')).status, 404);
    } finally {
      const exited = new Promise((ok) => srv.once('exit', ok));
      srv.kill('SIGTERM');
      await exited;
    }
  });

  it('offers only the files it was given, and nothing outside the web folder', async () => {
    const { startUiServer } = await import('../packages/cli/src/commands/ui.ts');
    const dir = mkdtempSync(join(tmpdir(), 'tlslens-ui-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'cap.pcap'), new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1]));
    writeFileSync(join(dir, 'k.log'), 'CLIENT_RANDOM 00 11\n');
    const old = process.env.TLSLENS_WEB_DIR;
    process.env.TLSLENS_WEB_DIR = dir;
    const srv = await startUiServer(['--port', '0', join(dir, 'cap.pcap'), '--keylog', join(dir, 'k.log'), '-o', 'http.tls.port:8443', '-d', 'tcp.port==8443,tls']);
    try {
      assert.deepEqual(await (await fetch(srv.url + 'api/session')).json(), {
        capture: 'cap.pcap', keys: [{ name: 'k.log' }], prefs: [['http.tls.port', '8443']], decodeAs: ['tcp.port==8443,tls'],
      });
      assert.deepEqual(new Uint8Array(await (await fetch(srv.url + 'api/capture')).arrayBuffer()), new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1]));
      assert.equal(await (await fetch(srv.url + 'api/key/0')).text(), 'CLIENT_RANDOM 00 11\n');
      assert.equal((await fetch(srv.url + 'api/key/1')).status, 404);
      for (const p of ['%2e%2e/%2e%2e/etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e%2fk.log']) {
        const r = await fetch(srv.url + p);
        assert.ok(r.status === 403 || r.status === 404, `${p}: ${r.status}`);
      }
      assert.equal((await fetch(srv.url, { method: 'POST' })).status, 405);
      // DNS rebinding: another host name pointing at 127.0.0.1 gets nothing
      const port = new URL(srv.url).port;
      const status = await new Promise<number>((ok, fail) => {
        http.get({ host: '127.0.0.1', port, path: '/api/capture', headers: { host: `evil.example:${port}` } }, (r) => {
          r.resume();
          ok(r.statusCode ?? 0);
        }).on('error', fail);
      });
      assert.equal(status, 403);
    } finally {
      await srv.close();
      if (old === undefined) delete process.env.TLSLENS_WEB_DIR;
      else process.env.TLSLENS_WEB_DIR = old;
      rmSync(dir, { recursive: true, force: true });
    }
    await assert.rejects(startUiServer(['--port', 'x']), /invalid --port "x"/);
    await assert.rejects(startUiServer(['/nonexistent.pcap']), /cannot read "\/nonexistent\.pcap"/);
  });
});

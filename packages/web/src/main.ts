/**
 * The tlslens web UI: Wireshark's three panes (packet list, details, bytes) with a display
 * filter, plus TLS connections, HTTP, Follow stream and Explain views. The capture and its keys
 * never leave the browser: everything is dissected and decrypted in a Web Worker.
 */
import './style.css';
import { WorkerClient } from './client.ts';
import { isCapture } from './detect.ts';
import type { FollowMode, Reply, SessionOptions, UiError } from './protocol.ts';
import { fill, fmtBytes, h } from './ui/dom.ts';
import { HexPane } from './ui/hex.ts';
import { KeyChips } from './ui/keys.ts';
import { PacketList, PacketStore } from './ui/packet-list.ts';
import { DetailTree } from './ui/tree.ts';
import { ConnectionsView } from './views/connections.ts';
import { ExplainView } from './views/explain.ts';
import { FollowView } from './views/follow.ts';
import { HttpView } from './views/http.ts';

const client = new WorkerClient();
let store = new PacketStore();
const list = new PacketList(store);
const tree = new DetailTree();
const hex = new HexPane();

let capture: { name: string; bytes: Uint8Array } | undefined;
const keys = new KeyChips();
keys.onRemove = () => {
  if (capture) void openCapture();
};
let openGen = 0;
let httpLoaded = false;
/** An explanation was asked for since the capture was opened. */
let explained = false;
let connectionStreams: number[] = [];
let busy = 0;

// ---------------------------------------------------------------- layout
const captureInput = h('input', { type: 'file', id: 'open-file', accept: '.pcap,.pcapng,.cap,.gz,.pcap.gz,.pcapng.gz,.ntar,application/vnd.tcpdump.pcap' });
const keyInput = h('input', { type: 'file', id: 'key-file', multiple: true, accept: '.log,.txt,.keys,.pem,.key,.der' });
const fileName = h('div', { class: 'file-name', id: 'file-name' });
const filterBox = h('input', {
  id: 'filter', type: 'text', spellcheck: 'false', autocomplete: 'off',
  placeholder: 'Apply a display filter … (e.g. http.request, tls.handshake.type == 1, tcp.stream eq 0)', 'aria-label': 'Display filter',
});
// protocol options: what tshark takes as -o http.tls.port:N and -d tcp.port==N,tls
const httpPorts = h('input', { id: 'opt-http-ports', type: 'text', placeholder: '443', spellcheck: 'false', 'aria-label': 'HTTP over TLS ports' });
const decodeAs = h('input', { id: 'opt-decode-as', type: 'text', placeholder: 'tcp.port==8443,tls', spellcheck: 'false', 'aria-label': 'Decode as' });
const optionsPanel = h('div', { class: 'options', id: 'options', hidden: true },
  h('label', {}, 'HTTP over TLS ports ', httpPorts, h('span', { class: 'dim' }, ' (-o http.tls.port; comma-separated, default 443)')),
  h('label', {}, 'Decode as ', decodeAs, h('span', { class: 'dim' }, ' (-d; e.g. tcp.port==8443,tls — several separated by spaces)')),
  h('button', { class: 'btn primary', id: 'opt-apply', onclick: () => { if (capture) void openCapture(); } }, 'Apply and reload'));
function sessionOptions(): SessionOptions {
  const prefs: [string, string][] = [];
  const ports = httpPorts.value.replace(/\s+/g, '');
  if (ports) prefs.push(['http.tls.port', ports]);
  return { prefs, decodeAs: decodeAs.value.split(/[\s;]+/).filter(Boolean) };
}
const filterError = h('div', { class: 'filter-error', id: 'filter-error', role: 'alert', hidden: true });
const banner = h('div', { class: 'banner', id: 'banner', role: 'status', hidden: true });
const statusText = h('span', { id: 'status-text' }, 'Ready');
const progress = h('progress', { id: 'progress', max: '1', value: '0', hidden: true });
const counts = h('span', { class: 'counts', id: 'counts' });

const connections = new ConnectionsView({
  showPackets: (s) => {
    filterBox.value = `tcp.stream eq ${s}`;
    showTab('packets');
    void applyFilter();
  },
  follow: (s, m) => followStream(s, m),
  explain: (s) => {
    explainStream(s, explainView.language);
    showTab('explain');
  },
});
const httpView = new HttpView();
const followView = new FollowView();
const explainView = new ExplainView();
httpView.onFrame = (n) => goToFrame(n);
explainView.onFrame = (n) => goToFrame(n);
explainView.onExplain = (s, lang) => explainStream(s, lang);
followView.onFollow = (s, m) => followStream(s, m);

const selInfo = h('span', { class: 'sel-info', id: 'sel-info' });
const followBtns = (['tcp', 'tls', 'http'] as const).map((m) =>
  h('button', { disabled: true, 'data-follow': m, onclick: () => followSelected(m) }, `Follow ${m.toUpperCase()}`));
const paneTools = h('div', { class: 'pane-tools' },
  h('button', { onclick: () => tree.expandAll(), title: 'Expand all subtrees' }, 'Expand all'),
  h('button', { onclick: () => tree.collapseAll(), title: 'Collapse all subtrees' }, 'Collapse all'),
  ...followBtns,
  h('button', { id: 'explain-selected', disabled: true, title: 'Explain the TLS handshake of this packet\'s connection', onclick: () => {
    const st = store.stream[list.selectedFrame - 1] ?? -1;
    if (st < 0) return;
    explainStream(st, explainView.language);
    showTab('explain');
  } }, 'Explain'),
  selInfo);

const welcome = h('div', { class: 'welcome', id: 'welcome' },
  h('h1', {}, 'See inside HTTPS'),
  h('p', {}, 'Open a capture (pcap, pcapng, or gzip of either) and, to decrypt TLS, the key log the client wrote (', h('code', {}, 'SSLKEYLOGFILE'),
    ') or the server\'s RSA private key. Decryption Secrets Blocks inside a pcapng are used automatically.'),
  h('div', { class: 'drop' }, h('div', { class: 'drop-big' }, 'Drop files here'), h('div', {}, 'or use “Open capture…” and “Add keys…” above')),
  h('p', { class: 'dim' }, 'Everything stays in your browser: the capture and the keys are dissected and decrypted locally, nothing is uploaded.'),
  h('p', { class: 'dim' }, 'No capture at hand? ', h('code', {}, 'npx tlslens demo -w demo.pcapng'), ' records real TLS 1.2 and 1.3 HTTPS sessions with their keys inside.'));

const packetsView = h('div', { class: 'view packets', id: 'packets-view' },
  list.el,
  h('div', { class: 'splitter', title: 'Drag to resize' }),
  h('div', { class: 'bottom' }, h('div', { class: 'tree-pane' }, paneTools, tree.el), hex.el));

const views: Record<string, HTMLElement> = {
  packets: packetsView, connections: connections.el, http: httpView.el, follow: followView.el, explain: explainView.el,
};
const tabNames: Record<string, string> = { packets: 'Packets', connections: 'TLS connections', http: 'HTTP', follow: 'Follow stream', explain: 'Explain' };
const tabs = h('nav', { class: 'tabs', role: 'tablist' }, ...Object.keys(views).map((k) =>
  h('button', { class: 'tab', role: 'tab', 'data-tab': k, onclick: () => showTab(k) }, tabNames[k]!)));
const mainEl = h('main', {}, welcome, ...Object.values(views));

document.body.append(
  h('header', { class: 'top' },
    h('div', { class: 'brand' }, 'tls', h('span', {}, 'lens')),
    h('label', { class: 'btn primary' }, 'Open capture…', captureInput),
    h('label', { class: 'btn' }, 'Add keys…', keyInput),
    h('button', { class: 'btn', id: 'options-btn', onclick: () => (optionsPanel.hidden = !optionsPanel.hidden), title: 'Protocol options: HTTP ports over TLS, decode as' }, 'Options…'),
    keys.el, fileName),
  h('div', { class: 'filterbar' }, filterBox,
    h('button', { class: 'btn', id: 'apply', onclick: () => void applyFilter() }, 'Apply'),
    h('button', { class: 'btn', id: 'clear', onclick: () => { filterBox.value = ''; void applyFilter(); } }, 'Clear')),
  optionsPanel, filterError, banner, tabs, mainEl,
  h('footer', { class: 'status' }, statusText, progress, counts));

let currentTab = 'packets';
function showTab(k: string): void {
  currentTab = k;
  for (const [name, el] of Object.entries(views)) el.hidden = name !== k || (!capture && name === 'packets');
  welcome.hidden = !!capture || k !== 'packets';
  for (const b of Array.from(tabs.children) as HTMLElement[]) {
    b.classList.toggle('active', b.dataset.tab === k);
    b.setAttribute('aria-selected', String(b.dataset.tab === k));
  }
  if (k === 'http' && capture && !httpLoaded) void loadHttp();
  if (k === 'explain' && capture && !explained && connectionStreams.length) explainStream(connectionStreams[0]!, explainView.language);
}
showTab('packets');

// ---------------------------------------------------------------- status
/** What the status line says when nothing runs. */
let idleStatus = 'Ready';
client.onProgress = (phase, done, total) => {
  if (busy === 0) return;
  progress.hidden = false;
  progress.value = total > 0 ? done / total : 0;
  statusText.textContent = `${phase}… ${total > 0 ? Math.floor((100 * done) / total) : 0}%`;
};
client.onRows = (c) => {
  store.add(c);
  list.refresh();
  updateCounts();
};

function working(on: boolean, text?: string): void {
  busy += on ? 1 : -1;
  document.body.dataset.busy = String(busy > 0);
  if (!on && busy === 0) {
    progress.hidden = true;
    if (text) idleStatus = text;
    statusText.textContent = idleStatus;
  } else if (on && text) statusText.textContent = text;
}

function updateCounts(): void {
  const total = store.count;
  counts.textContent = capture ? `Packets: ${total} · Displayed: ${list.rows}${list.rows === total ? '' : ` (${total ? ((100 * list.rows) / total).toFixed(1) : 0}%)`}` : '';
}

function showBanner(text: string, kind: 'error' | 'warn' | 'info' = 'error'): void {
  banner.hidden = false;
  banner.className = `banner ${kind}`;
  fill(banner, h('span', {}, text), h('button', { class: 'x', title: 'Dismiss', onclick: () => (banner.hidden = true) }, '×'));
}

function errorText(e: UiError): string {
  return e.code === 'INTERNAL' ? `Internal error: ${e.message}` : e.message;
}

// ---------------------------------------------------------------- opening files
async function readFile(f: File): Promise<Uint8Array> {
  return new Uint8Array(await f.arrayBuffer());
}

async function addFiles(files: readonly File[]): Promise<void> {
  let newCapture: { name: string; bytes: Uint8Array } | undefined;
  for (const f of files) {
    const bytes = await readFile(f);
    if (isCapture(bytes.subarray(0, 4))) newCapture = { name: f.name, bytes };
    else keys.add(f.name, bytes);
  }
  if (newCapture) capture = newCapture;
  if (capture) await openCapture();
}

async function openCapture(): Promise<void> {
  if (!capture) return;
  const gen = ++openGen;
  delete document.body.dataset.loaded;
  delete document.body.dataset.detail;
  store = new PacketStore();
  list.reset(store);
  tree.clear('Select a packet to see its details.');
  hex.clear();
  httpLoaded = false;
  explained = false;
  connectionStreams = [];
  httpView.loading('');
  banner.hidden = true;
  filterError.hidden = true;
  fill(fileName, h('b', {}, capture.name), ` · ${fmtBytes(capture.bytes.length)}`);
  document.title = `${capture.name} · tlslens`;
  showTab(currentTab);
  updateCounts();
  working(true, `Reading ${capture.name}…`);
  const t0 = performance.now();
  // a copy goes to the worker: the page keeps the bytes to re-open with other keys
  const copy = capture.bytes.slice();
  const r = await client.request({ type: 'open', name: capture.name, bytes: copy, keys: [...keys.files], options: sessionOptions() }, [copy.buffer]);
  if (gen !== openGen) return working(false);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.type === 'opened') {
    connections.show(r.connections);
    explainView.setConnections(r.connections);
    connectionStreams = r.connections.map((c) => c.stream);
    if (currentTab === 'explain' && connectionStreams.length) explainStream(connectionStreams[0]!, explainView.language);
    if (r.error) {
      const what = r.count === 0 ? `${capture.name} cannot be read: ${r.error.message}` : `${capture.name}: ${r.error.message} — the ${r.count} frame${r.count === 1 ? '' : 's'} before the damage are shown.`;
      showBanner(what, 'error');
    } else if (r.warnings.length) showBanner(`Key warnings: ${r.warnings.slice(0, 3).join('; ')}${r.warnings.length > 3 ? ` (+${r.warnings.length - 3} more)` : ''}`, 'warn');
    const dec = r.connections.filter((c) => c.decryption === 'yes').length;
    working(false, `${r.count} packets read in ${secs} s (${r.format || 'unknown format'})${r.connections.length ? ` · ${r.connections.length} TLS connection${r.connections.length === 1 ? '' : 's'}, ${dec} decrypted` : ''}`);
    document.body.dataset.loaded = 'true';
    updateCounts();
    if (filterBox.value.trim()) await applyFilter();
    if (currentTab === 'http') void loadHttp();
    if (store.count > 0 && list.selectedFrame === 0) list.select(1);
  } else {
    working(false);
    if (r.type === 'error') showBanner(errorText(r.error));
  }
}

captureInput.addEventListener('change', () => {
  const f = captureInput.files?.[0];
  if (!f) return;
  void (async () => {
    const bytes = await readFile(f);
    if (!isCapture(bytes.subarray(0, 4))) {
      showBanner(`${f.name} is not a capture file (pcap, pcapng or gzip). Key logs and RSA keys go in “Add keys…”.`);
      captureInput.value = '';
      return;
    }
    capture = { name: f.name, bytes };
    captureInput.value = '';
    await openCapture();
  })();
});
keyInput.addEventListener('change', () => {
  const files = Array.from(keyInput.files ?? []);
  keyInput.value = '';
  void (async () => {
    for (const f of files) keys.add(f.name, await readFile(f));
    if (capture) await openCapture();
  })();
});

window.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  document.body.classList.add('dragging');
});
window.addEventListener('dragleave', (ev) => {
  if (ev.relatedTarget === null) document.body.classList.remove('dragging');
});
window.addEventListener('drop', (ev) => {
  ev.preventDefault();
  document.body.classList.remove('dragging');
  const files = Array.from(ev.dataTransfer?.files ?? []);
  if (files.length) void addFiles(files);
});

// ---------------------------------------------------------------- filter
let checkTimer: ReturnType<typeof setTimeout> | undefined;
filterBox.addEventListener('input', () => {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(async () => {
    const text = filterBox.value;
    if (text.trim() === '') {
      filterBox.className = '';
      return;
    }
    const r = await client.request({ type: 'check', text });
    if (r.type !== 'checked' || r.text !== filterBox.value) return;
    filterBox.className = r.error ? 'invalid' : r.warnings.length ? 'warning' : 'valid';
    filterBox.title = r.error ? r.error.message : r.warnings.join('\n');
  }, 150);
});
filterBox.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') void applyFilter();
});

function showFilterError(text: string, e: UiError): void {
  filterBox.className = 'invalid';
  const caret = e.column !== undefined && e.column >= 0 && e.column <= text.length
    ? h('pre', { class: 'caret' }, `${text}\n${' '.repeat(e.column)}^${'~'.repeat(Math.max(0, Math.min(e.length ?? 1, Math.max(1, text.length - e.column)) - 1))}`)
    : null;
  filterError.hidden = false;
  fill(filterError, h('div', { class: 'msg' }, `Invalid display filter: ${e.message}`), caret);
}

async function applyFilter(): Promise<void> {
  const text = filterBox.value;
  delete document.body.dataset.filtered;
  try {
    await runFilter(text);
  } finally {
    // for tests and automation: the filter that was last applied (or rejected)
    document.body.dataset.filtered = text;
  }
}

async function runFilter(text: string): Promise<void> {
  filterError.hidden = true;
  if (!capture) {
    if (text.trim()) {
      const r = await client.request({ type: 'check', text });
      if (r.type === 'checked' && r.error) showFilterError(text, r.error);
    }
    return;
  }
  if (text.trim() === '') {
    filterBox.className = '';
    list.setView(undefined);
    updateCounts();
    return;
  }
  working(true, 'Filtering…');
  const r = await client.request({ type: 'filter', text });
  if (r.type === 'cancelled') return working(false);
  if (r.type === 'filtered' && r.text === filterBox.value) {
    if (r.error) {
      showFilterError(text, r.error);
      working(false, 'Invalid display filter');
      return;
    }
    filterBox.className = r.warnings.length ? 'warning' : 'valid';
    if (r.warnings.length) {
      filterError.hidden = false;
      fill(filterError, h('div', { class: 'msg warn' }, r.warnings.join('\n')));
    }
    list.setView(r.matches);
    updateCounts();
    working(false, `Filter “${text}”: ${r.matches!.length} of ${store.count} packets`);
    if (!list.selectedFrame || !r.matches!.includes(list.selectedFrame)) {
      if (r.matches!.length) list.select(r.matches![0]!);
      else {
        tree.clear('No packet matches the filter.');
        hex.clear();
      }
    }
  } else working(false);
}

// ---------------------------------------------------------------- details
list.onSelect = (num) => {
  const st = store.stream[num - 1] ?? -1;
  for (const b of followBtns) b.disabled = st < 0;
  (document.getElementById('explain-selected') as HTMLButtonElement).disabled = !connectionStreams.includes(st);
  selInfo.textContent = `Frame ${num}${st >= 0 ? ` · tcp.stream ${st}` : ''}`;
  void (async () => {
    // a click far back in a big capture re-dissects from the start: show progress when it takes long
    let shown = false;
    const slow = setTimeout(() => {
      shown = true;
      working(true, 'Dissecting…');
    }, 150);
    const r: Reply = await client.request({ type: 'detail', num });
    clearTimeout(slow);
    if (shown) working(false);
    if (r.type === 'detail' && r.num === list.selectedFrame) {
      tree.show(r.tree);
      hex.show(r.sources);
      document.body.dataset.detail = String(r.num);
    } else if (r.type === 'error') tree.clear(errorText(r.error));
  })();
};
tree.onSelect = (n) => {
  hex.highlight(n);
  if (n) selInfo.textContent = `${n.field}${n.length ? ` · ${n.length} byte${n.length === 1 ? '' : 's'} at ${n.offset}${n.src ? ` of “${hex.sourceName(n.src)}”` : ''}` : ''}`;
};
hex.onByte = (src, off) => tree.selectByte(src, off);

function goToFrame(num: number): void {
  showTab('packets');
  if (list.rows !== store.count && filterBox.value) {
    filterBox.value = '';
    list.setView(undefined);
    updateCounts();
  }
  list.select(num, true);
}

// splitter between the list and the bottom panes
{
  const splitter = packetsView.querySelector<HTMLElement>('.splitter')!;
  splitter.addEventListener('pointerdown', (ev) => {
    splitter.setPointerCapture(ev.pointerId);
    const move = (e: PointerEvent) => {
      const r = packetsView.getBoundingClientRect();
      const y = Math.min(Math.max(e.clientY - r.top, 80), r.height - 120);
      packetsView.style.gridTemplateRows = `${y}px 6px 1fr`;
    };
    const up = () => {
      splitter.removeEventListener('pointermove', move);
      splitter.removeEventListener('pointerup', up);
    };
    splitter.addEventListener('pointermove', move);
    splitter.addEventListener('pointerup', up);
  });
}

// ---------------------------------------------------------------- HTTP, follow
async function loadHttp(): Promise<void> {
  httpLoaded = true;
  httpView.loading('Collecting HTTP requests and responses…');
  working(true, 'Collecting HTTP…');
  const r = await client.request({ type: 'http' });
  working(false);
  if (r.type === 'http') httpView.show(r.transactions);
  else if (r.type === 'error') httpView.loading(errorText(r.error));
  else httpLoaded = false;
}

function followSelected(mode: FollowMode): void {
  const st = store.stream[list.selectedFrame - 1] ?? -1;
  if (st >= 0) followStream(st, mode);
}

function followStream(stream: number, mode: FollowMode): void {
  followView.set(stream, mode);
  showTab('follow');
  if (!capture) return;
  followView.loading(`Following tcp.stream ${stream}…`);
  working(true, 'Following…');
  void client.request({ type: 'follow', stream, mode }).then((r) => {
    working(false);
    if (r.type === 'follow') followView.show(r.follow);
    else if (r.type === 'error') followView.loading(errorText(r.error));
  });
}

function explainStream(stream: number, lang: 'en' | 'zh'): void {
  if (!capture) return;
  explained = true;
  explainView.select(stream);
  explainView.loading(`Explaining tcp.stream ${stream}…`);
  working(true, 'Explaining…');
  void client.request({ type: 'explain', stream, lang }).then((r) => {
    working(false);
    if (r.type === 'explain') explainView.show(r.explanation, r.stream);
    else if (r.type === 'error') explainView.loading(errorText(r.error));
  });
}

// ---------------------------------------------------------------- `tlslens ui FILE`
// The CLI's server offers the capture (and keys) it was started with; a static host has no /api.
void (async () => {
  try {
    const res = await fetch('api/session');
    if (!res.ok) return;
    const s = (await res.json()) as { capture?: string; keys?: { name: string; password?: string }[]; prefs?: [string, string][]; decodeAs?: string[] };
    const ports = s.prefs?.find(([k]) => k === 'http.tls.port')?.[1];
    if (ports) httpPorts.value = ports;
    if (s.decodeAs?.length) decodeAs.value = s.decodeAs.join(' ');
    for (const [i, key] of (s.keys ?? []).entries()) {
      const k = await fetch(`api/key/${i}`);
      if (k.ok) keys.add(key.name, new Uint8Array(await k.arrayBuffer()), key.password);
    }
    if (s.capture) {
      const c = await fetch('api/capture');
      if (c.ok) {
        capture = { name: s.capture, bytes: new Uint8Array(await c.arrayBuffer()) };
        await openCapture();
      }
    }
  } catch {
    // no server API: nothing preloaded
  }
})();

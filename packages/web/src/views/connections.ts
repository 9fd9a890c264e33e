/**
 * "TLS connections": one row per TLS connection (core's analysis/handshakes) with SNI, version,
 * suite, ALPN, resumption, certificate and whether it was decrypted — and if not, why.
 */
import type { UiConnection } from '../protocol.ts';
import { fill, h } from '../ui/dom.ts';

export interface ConnectionActions {
  showPackets(stream: number): void;
  follow(stream: number, mode: 'tcp' | 'tls' | 'http'): void;
  explain(stream: number): void;
}

/** A suite name that may wrap after its underscores (TLS_ECDHE_RSA_WITH_…), copied without extra characters. */
function breakable(name: string): (string | HTMLElement)[] {
  return name.split('_').flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), `_${part}`]));
}

function badge(c: UiConnection): HTMLElement {
  const text = c.decryption === 'yes' ? 'decrypted' : c.decryption === 'no' ? 'not decrypted' : c.decryption;
  return h('span', { class: `badge b-${c.decryption.replace('/', '')}` }, text);
}

export class ConnectionsView {
  readonly el = h('div', { class: 'view connections', id: 'connections' });

  constructor(private readonly actions: ConnectionActions) {
    fill(this.el, h('div', { class: 'placeholder' }, 'Open a capture to see its TLS connections.'));
  }

  show(conns: readonly UiConnection[]): void {
    if (conns.length === 0) {
      fill(this.el, h('div', { class: 'placeholder' }, 'No TLS connections in this capture.'));
      return;
    }
    const head = h('tr', {}, ...['Stream', 'Client → Server', 'SNI', 'Version', 'Cipher suite', 'Group', 'ALPN', 'Resumed', 'Certificate', 'Decryption', ''].map((t) => h('th', {}, t)));
    const rows = conns.map((c) => {
      const why = c.decryption === 'yes' ? '' : c.decryptionStatus;
      return h('tr', { 'data-stream': String(c.stream) },
        h('td', { class: 'num' }, String(c.stream)),
        h('td', {}, h('div', {}, c.client), h('div', { class: 'dim' }, `→ ${c.server}`)),
        h('td', {}, c.sni || '–'),
        h('td', {}, c.version || '–', c.complete ? '' : h('div', { class: 'dim' }, 'incomplete')),
        h('td', { class: 'wrap' }, ...breakable(c.cipherSuite || '–')),
        h('td', {}, c.group || '–'),
        h('td', {}, c.alpn || '–'),
        h('td', {}, c.resumed || '–'),
        h('td', { class: 'wrap' }, c.certificate || '–'),
        h('td', { class: 'wrap' }, badge(c), why ? h('div', { class: 'why' }, why) : null, c.alerts ? h('div', { class: 'dim' }, `Alerts: ${c.alerts}`) : null),
        h('td', { class: 'actions' },
          h('button', { onclick: () => this.actions.showPackets(c.stream), title: `Filter: tcp.stream eq ${c.stream}` }, 'Packets'),
          h('button', { onclick: () => this.actions.follow(c.stream, c.decryption === 'yes' ? 'tls' : 'tcp') }, 'Follow'),
          h('button', { onclick: () => this.actions.explain(c.stream), title: 'Explain this handshake step by step' }, 'Explain')),
      );
    });
    fill(this.el,
      h('p', { class: 'intro' }, `${conns.length} TLS connection${conns.length === 1 ? '' : 's'}. `,
        'A connection decrypts when its key log (or the server\'s RSA key, for RSA key exchange) is loaded; the Decryption column says why when it does not. The browser has no trust store: chains get no trusted/untrusted verdict here (use ', h('code', {}, 'tlslens handshakes'), '); Explain still checks their signatures.'),
      h('table', { class: 'grid' }, h('thead', {}, head), h('tbody', {}, ...rows)));
  }
}

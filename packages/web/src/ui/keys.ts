/**
 * The key files of the session (NSS key logs, RSA private keys), shown as chips in the header.
 * What a file is comes from its content; an encrypted PEM key asks for its password.
 */
import { isEncryptedPem, keyKind } from '../detect.ts';
import type { KeyFile } from '../protocol.ts';
import { fill, h } from './dom.ts';

export class KeyChips {
  readonly el = h('div', { class: 'keys', id: 'keys' });
  readonly files: KeyFile[] = [];
  /** Called after the user removed a key. */
  onRemove: () => void = () => {};

  /** Adds (or replaces, by name) a key file; `password` for an RSA key given with one. */
  add(name: string, bytes: Uint8Array, password?: string): void {
    const kind = keyKind(bytes);
    let pass = password;
    if (kind === 'rsa' && pass === undefined && isEncryptedPem(bytes)) pass = window.prompt(`Password for the RSA key ${name}:`) ?? undefined;
    const k: KeyFile = kind === 'keylog'
      ? { name, kind, data: new TextDecoder().decode(bytes) }
      : { name, kind, data: bytes, ...(pass ? { password: pass } : {}) };
    const i = this.files.findIndex((f) => f.name === name);
    if (i >= 0) this.files[i] = k;
    else this.files.push(k);
    this.render();
  }

  private render(): void {
    fill(this.el, ...this.files.map((k, i) => h('span', { class: `chip ${k.kind}`, title: k.kind === 'rsa' ? 'RSA private key' : 'TLS key log' },
      h('span', { class: 'kind' }, k.kind === 'rsa' ? 'RSA key' : 'key log'), h('span', { class: 'name' }, k.name),
      h('button', {
        class: 'x', title: 'Remove', onclick: () => {
          this.files.splice(i, 1);
          this.render();
          this.onRemove();
        },
      }, '×'))));
  }
}

/**
 * The packet details tree (the same tree as `tlslens read -V`). Subtrees expand and collapse;
 * which ones are open is remembered by field path across packets, as Wireshark does. Selecting
 * a node tells the hex pane which bytes it covers.
 */
import type { UiNode } from '../protocol.ts';
import { fill, h } from './dom.ts';

/** Subtrees open until the user closes them: what a student looks for first (the decrypted HTTP). */
const AUTO_OPEN = new Set(['tls', 'tls.record', 'http', 'http2', 'http2.stream']);

export class DetailTree {
  readonly el: HTMLElement;
  /** Subtrees opened or closed by the user, by their path of field names ("frame", "tls/tls.record"). */
  private readonly open = new Set<string>();
  private readonly closed = new Set<string>();
  private selectedEl: HTMLElement | undefined;
  private nodes: UiNode[] = [];
  onSelect: (n: UiNode | undefined) => void = () => {};

  constructor() {
    this.el = h('div', { class: 'tree', id: 'tree', role: 'tree', tabindex: '0', 'aria-label': 'Packet details' });
    this.el.addEventListener('click', (ev) => {
      const t = ev.target as HTMLElement;
      const li = t.closest<HTMLElement>('li');
      if (!li) return;
      if (t.classList.contains('tw')) this.toggle(li);
      this.selectLi(li);
    });
    this.el.addEventListener('dblclick', (ev) => {
      const li = (ev.target as HTMLElement).closest<HTMLElement>('li');
      if (li && !(ev.target as HTMLElement).classList.contains('tw')) this.toggle(li);
    });
    this.el.addEventListener('keydown', (ev) => this.key(ev));
  }

  show(nodes: UiNode[]): void {
    this.nodes = nodes;
    this.selectedEl = undefined;
    fill(this.el, this.list(nodes, ''));
    this.onSelect(undefined);
  }

  clear(message = ''): void {
    this.nodes = [];
    this.selectedEl = undefined;
    fill(this.el, message ? h('div', { class: 'placeholder' }, message) : null);
  }

  private list(nodes: readonly UiNode[], path: string): HTMLElement {
    const ul = h('ul', { role: path ? 'group' : undefined });
    nodes.forEach((n, i) => {
      const p = path ? `${path}/${n.field}` : n.field;
      const kids = n.children;
      const li = h('li', { role: 'treeitem', 'data-path': p, 'data-i': String(i) },
        h('span', { class: kids ? 'tw' : 'tw leaf' }),
        h('span', { class: 'lbl', title: `${n.field}${n.length ? ` · ${n.length} byte${n.length === 1 ? '' : 's'}` : ''}` }, n.label));
      (li as HTMLElement & { uiNode?: UiNode }).uiNode = n;
      if (kids) {
        const isOpen = this.open.has(p) || (!this.closed.has(p) && AUTO_OPEN.has(n.field));
        li.classList.add(isOpen ? 'open' : 'closed');
        li.setAttribute('aria-expanded', String(isOpen));
        // children are built on first expansion (big certificates, long HTTP/2 header lists)
        if (isOpen) li.append(this.list(kids, p));
      }
      ul.append(li);
    });
    return ul;
  }

  private toggle(li: HTMLElement): void {
    const n = (li as HTMLElement & { uiNode?: UiNode }).uiNode;
    if (!n?.children) return;
    const p = li.dataset.path!;
    const isOpen = li.classList.contains('open');
    li.classList.toggle('open', !isOpen);
    li.classList.toggle('closed', isOpen);
    li.setAttribute('aria-expanded', String(!isOpen));
    if (isOpen) {
      this.open.delete(p);
      this.closed.add(p);
    } else {
      this.open.add(p);
      this.closed.delete(p);
      if (!li.querySelector(':scope > ul')) li.append(this.list(n.children, p));
    }
  }

  private selectLi(li: HTMLElement): void {
    this.selectedEl?.classList.remove('selected');
    this.selectedEl = li;
    li.classList.add('selected');
    this.onSelect((li as HTMLElement & { uiNode?: UiNode }).uiNode);
  }

  /** Selects the deepest shown node covering byte `offset` of source `src` (a click in the hex pane). */
  selectByte(src: number, offset: number): void {
    let best: HTMLElement | undefined;
    let bestLen = Infinity;
    const visit = (ul: Element | null) => {
      if (!ul) return;
      for (const li of Array.from(ul.children) as HTMLElement[]) {
        const n = (li as HTMLElement & { uiNode?: UiNode }).uiNode;
        if (!n) continue;
        if (n.src === src && n.length > 0 && offset >= n.offset && offset < n.offset + n.length && n.length <= bestLen) {
          best = li;
          bestLen = n.length;
        }
        visit(li.querySelector(':scope > ul'));
      }
    };
    visit(this.el.querySelector(':scope > ul'));
    if (best) {
      this.selectLi(best);
      best.scrollIntoView({ block: 'nearest' });
    }
  }

  private key(ev: KeyboardEvent): void {
    const items = Array.from(this.el.querySelectorAll<HTMLElement>('li')).filter((li) => li.offsetParent !== null);
    const i = this.selectedEl ? items.indexOf(this.selectedEl) : -1;
    let next: HTMLElement | undefined;
    if (ev.key === 'ArrowDown') next = items[Math.min(items.length - 1, i + 1)];
    else if (ev.key === 'ArrowUp') next = items[Math.max(0, i - 1)];
    else if ((ev.key === 'ArrowRight' && this.selectedEl?.classList.contains('closed')) || (ev.key === 'ArrowLeft' && this.selectedEl?.classList.contains('open')) || ev.key === 'Enter') {
      if (this.selectedEl) this.toggle(this.selectedEl);
    } else return;
    ev.preventDefault();
    if (next) {
      this.selectLi(next);
      next.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Expands every subtree (the "Expand all" button). */
  expandAll(): void {
    const walk = (nodes: readonly UiNode[], path: string) => {
      for (const n of nodes) {
        const p = path ? `${path}/${n.field}` : n.field;
        if (n.children) {
          this.open.add(p);
          this.closed.delete(p);
          walk(n.children, p);
        }
      }
    };
    walk(this.nodes, '');
    this.show(this.nodes);
  }

  collapseAll(): void {
    const walk = (nodes: readonly UiNode[], path: string) => {
      for (const n of nodes) {
        const p = path ? `${path}/${n.field}` : n.field;
        if (n.children) {
          this.closed.add(p);
          walk(n.children, p);
        }
      }
    };
    walk(this.nodes, '');
    this.open.clear();
    this.show(this.nodes);
  }
}

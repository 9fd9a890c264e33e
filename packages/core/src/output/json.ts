import type { Registry } from '../fields/registry.ts';
import { fieldText } from '../fields/format.ts';
import type { Packet, TreeNode } from '../packet.ts';

type JsonLayer = { [k: string]: string | string[] | JsonLayer | JsonLayer[] };

function put(obj: JsonLayer, key: string, v: string | JsonLayer): void {
  const cur = obj[key];
  if (cur === undefined) obj[key] = v;
  else if (Array.isArray(cur)) (cur as (string | JsonLayer)[]).push(v);
  else obj[key] = [cur, v] as string[] | JsonLayer[];
}

/** A packet as one element of tshark's `-T json` array ({"_source": {"layers": …}}). */
export function packetJson(reg: Registry, p: Packet): object {
  const conv = (nodes: readonly TreeNode[]): JsonLayer => {
    const o: JsonLayer = {};
    for (const n of nodes) {
      const f = reg.get(n.id);
      if (f.type === 'protocol') {
        put(o, f.abbrev, n.children ? conv(n.children) : {});
        continue;
      }
      put(o, f.abbrev, fieldText(f, n.value));
      if (n.children && n.children.length) put(o, `${f.abbrev}_tree`, conv(n.children));
    }
    return o;
  };
  const d = new Date(p.ts.s * 1000);
  const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return { _index: `packets-${day}`, _type: 'doc', _score: null, _source: { layers: conv(p.roots) } };
}

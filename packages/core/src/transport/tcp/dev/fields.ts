/**
 * Dev harness (Node only, not part of the library): prints -T fields style output for
 * the given fields, with `_ws.col.Info` support, straight from the Engine.
 *   node --import tsx packages/core/src/transport/tcp/dev/fields.ts CAP field...
 */
import { readFileSync } from 'node:fs';
import { Engine } from '../../../engine.ts';
import { readCaptureSync } from '../../../capture/read.ts';
import { fieldText } from '../../../fields/format.ts';

const [cap, ...names] = process.argv.slice(2);
const eng = new Engine();
const ids = names.map((n) => (n === '_ws.col.Info' ? -1 : eng.reg.lookup(n).id));
const want = new Uint8Array(eng.reg.size + 1);
for (const id of ids) if (id >= 0) want[id] = 1;
let num = 0;
const out: string[] = [];
for (const ev of readCaptureSync(new Uint8Array(readFileSync(cap!)))) {
  if (ev.kind !== 'frame') continue;
  const p = eng.dissect(ev.frame, ++num, { fields: want, tree: false, columns: ids.includes(-1) });
  out.push(ids.map((id) => {
    if (id < 0) return p.colInfo;
    const vs = p.values(id);
    if (!vs) return '';
    const f = eng.reg.get(id);
    // tshark prints "1" for FT_NONE (presence) — the shared formatter may not yet
    if (f.type === 'none') return vs.map(() => '1').join(',');
    return vs.map((v) => fieldText(f, v)).join(',');
  }).join('\t'));
}
process.stdout.write(out.join('\n') + '\n');

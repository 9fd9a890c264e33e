import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { GENERATED } from '../packet.ts';

/** Undissected payload: Wireshark's "data" protocol. */
export function createData(reg: Registry): Dissector {
  const proto = reg.protocol('data', 'Data');
  const f = reg.fields('data', {
    data: { name: 'Data', type: 'bytes' },
    len: { name: 'Length', type: 'int32' },
  });
  return (p, data, off, end) => {
    if (end <= off) return 0;
    p.protocols.push('data');
    p.proto(proto, data, off, end - off, () => `Data (${end - off} bytes)`);
    if (p.wants(f.data)) p.add(f.data, data.subarray(off, end), off, end - off);
    p.add(f.len, end - off, off, end - off, GENERATED);
    p.close();
    return end - off;
  };
}

import { gzipSync, gunzipSync } from 'fflate';
import { decodeBody } from '/work/main/packages/core/src/http/decompress.ts';
import zlib from 'node:zlib';
const big = new Uint8Array(1_000_000).fill(65);
const gz = gzipSync(big);
try { const o = gunzipSync(gz, { out: new Uint8Array(1000) }); console.log('fixed small ->', o.length); } catch (e) { console.log('throws', e instanceof RangeError, (e as Error).message, (e as any).code); }
console.log(decodeBody('gzip', gz, 100_000));
const r = decodeBody('gzip', gz); console.log(r.ok, r.ok && r.data.length);
const br = zlib.brotliCompressSync(Buffer.from('hello brotli '.repeat(100)));
const rb = decodeBody('br', br); console.log(rb.ok, rb.ok && Buffer.from(rb.data).toString().slice(0, 30));
console.log(decodeBody('br', zlib.brotliCompressSync(big), 100_000));
console.log(decodeBody('deflate', zlib.deflateRawSync(Buffer.from('raw deflate'))), decodeBody('deflate', zlib.deflateSync(Buffer.from('zlib deflate'))));
console.log(decodeBody('gzip', new Uint8Array([1,2,3,4,5])));
console.log(decodeBody('br', new Uint8Array([1,2,3,4,5])));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HUFFMAN_CODES, huffmanDecode } from './hpack.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const txt = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const pairs = (d: ReturnType<HpackDecoder['decodeBlock']>) => d.headers.map((h) => [txt(h.name), txt(h.value)]);

test('Huffman codes match RFC 7541 Appendix B samples', () => {
  assert.equal(HUFFMAN_CODES[48], 0x0); // '0' 00000
  assert.equal(HUFFMAN_CODES[32], 0x14); // ' '
  assert.equal(HUFFMAN_CODES[0], 0x1ff8);
  assert.equal(HUFFMAN_CODES[256], 0x3fffffff); // EOS
  assert.equal(HUFFMAN_CODES[255], 0x3ffffee);
});

test('Huffman decoding (C.4.1) and invalid padding', () => {
  assert.equal(txt(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff'), 0, 12)!), 'www.example.com');
  // padding longer than 7 bits / not all ones is an error
  assert.equal(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff ff'), 0, 13), undefined);
});

test('RFC 7541 C.3: requests without Huffman, dynamic table', () => {
  const d = new HpackDecoder();
  assert.deepEqual(pairs(d.decodeBlock(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'))), [
    [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'],
  ]);
  assert.equal(d.dynamicSize, 57);
  assert.deepEqual(pairs(d.decodeBlock(hex('8286 84be 5808 6e6f 2d63 6163 6865'))), [
    [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache'],
  ]);
  assert.equal(d.dynamicSize, 110);
  const third = d.decodeBlock(hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'));
  assert.deepEqual(pairs(third), [
    [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value'],
  ]);
  assert.equal(d.dynamicSize, 164);
  assert.equal(third.headers[4]!.repr, 'Literal Header Field with Incremental Indexing - New Name');
  assert.equal(third.headers[3]!.index, 63);
});

test('RFC 7541 C.4: requests with Huffman', () => {
  const d = new HpackDecoder();
  assert.deepEqual(pairs(d.decodeBlock(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).at(-1), [':authority', 'www.example.com']);
  assert.deepEqual(pairs(d.decodeBlock(hex('8286 84be 5886 a8eb 1064 9cbf'))).at(-1), ['cache-control', 'no-cache']);
  assert.deepEqual(pairs(d.decodeBlock(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).at(-1), ['custom-key', 'custom-value']);
  assert.equal(d.dynamicSize, 164);
});

test('RFC 7541 C.6: responses with Huffman and eviction (table size 256)', () => {
  const d = new HpackDecoder();
  d.maxSize = 256;
  const r1 = pairs(d.decodeBlock(hex('4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3')));
  assert.deepEqual(r1, [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']]);
  assert.equal(d.dynamicSize, 222);
  assert.deepEqual(pairs(d.decodeBlock(hex('4883 640e ffc1 c0bf')))[0], [':status', '307']);
  assert.equal(d.dynamicSize, 222);
  const r3 = pairs(d.decodeBlock(hex('88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07')));
  assert.deepEqual(r3.at(-1), ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1']);
  assert.equal(d.dynamicSize, 215);
});

test('hostile HPACK input never throws', () => {
  const d = new HpackDecoder({ maxTableSize: 8192 });
  assert.match(d.decodeBlock(hex('ff ff ff ff ff ff 0f')).error!, /index/); // huge index
  assert.match(d.decodeBlock(hex('3f e1 ff ff 7f')).error!, /table size|truncated/); // size update past the cap
  assert.match(d.decodeBlock(hex('40 7f ff ff ff 0f')).error!, /name/); // string length beyond the block
  assert.match(d.decodeBlock(hex('be')).error!, /index 62/); // empty dynamic table
  assert.equal(d.decodeBlock(hex('00')).error !== undefined, true); // truncated literal
  for (let i = 0; i < 2000; i++) {
    const junk = Uint8Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 131 + k * 29) & 0xff);
    d.decodeBlock(junk);
  }
  assert.ok(d.dynamicSize <= 8192);
});

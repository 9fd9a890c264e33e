import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReassemblyBudget, StreamReassembler } from './reassembly.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

test('in-order segments are delivered contiguously with their frames', () => {
  const r = new StreamReassembler(1);
  r.add(1, bytes('hello '), 10);
  r.add(7, bytes('world'), 11);
  assert.equal(r.available(), 11);
  assert.equal(text(r.peek(11)), 'hello world');
  assert.deepEqual(r.consume(8), [{ frame: 10, seq: 1, len: 6 }, { frame: 11, seq: 7, len: 2 }]);
  assert.equal(r.readPos, 9);
  assert.equal(text(r.peek(3)), 'rld');
  assert.equal(r.held, 3);
});

test('retransmitted bytes are not delivered twice; first copy wins on overlap', () => {
  const r = new StreamReassembler(1);
  r.add(1, bytes('abcdef'), 1);
  const res = r.add(4, bytes('XYZghi'), 2);
  assert.equal(res.duplicate, 3);
  assert.equal(res.fresh, 3);
  assert.equal(text(r.peek(r.available())), 'abcdefghi');
  const again = r.add(1, bytes('abc'), 3);
  assert.equal(again.fresh, 0);
  assert.equal(again.duplicate, 3);
});

test('out-of-order segments wait for the hole, conflicts are reported', () => {
  const r = new StreamReassembler(100);
  const a = r.add(105, bytes('fghij'), 2);
  assert.equal(a.outOfOrder, true);
  assert.equal(r.available(), 0);
  assert.equal(r.hasHole, true);
  const b = r.add(107, bytes('hX'), 3); // overlaps held bytes with a different byte
  assert.equal(b.conflict, true);
  r.add(100, bytes('abcde'), 4);
  assert.equal(text(r.peek(r.available())), 'abcdefghij');
  assert.deepEqual(r.consume(10).map((s) => s.frame), [4, 2]);
  assert.equal(r.hasHole, false);
});

test('a lost segment becomes an explicit gap, never glued over', () => {
  const r = new StreamReassembler(0);
  r.add(0, bytes('head'), 1);
  r.add(10, bytes('tail'), 3);
  assert.equal(r.available(), 4);
  assert.equal(r.need(5), false);
  r.consume(4);
  assert.equal(r.gap(), undefined);
  assert.equal(r.declareLost(14), 6);
  assert.deepEqual(r.gap(), { seq: 4, len: 6 });
  assert.equal(r.available(), 0);
  assert.equal(r.skipGap(), 6);
  assert.equal(r.readPos, 10);
  assert.equal(text(r.peek(4)), 'tail');
});

test('declareLost(Infinity) at end of capture turns holes into gaps', () => {
  const r = new StreamReassembler(0);
  r.add(5, bytes('x'), 1);
  r.declareLost(Infinity);
  assert.deepEqual(r.gap(), { seq: 0, len: 5 });
  r.skipGap();
  assert.equal(text(r.peek(1)), 'x');
});

test('per-stream cap drops what does not fit', () => {
  const r = new StreamReassembler(0, { maxStreamBytes: 8 });
  assert.equal(r.add(0, bytes('12345'), 1).dropped, 0);
  const res = r.add(5, bytes('67890'), 2);
  assert.equal(res.dropped, 5);
  assert.equal(r.droppedBytes, 5);
  assert.equal(r.available(), 5);
  r.consume(5);
  assert.equal(r.held, 0);
  // the dropped range is a hole; its retransmission now fits
  assert.equal(r.add(5, bytes('67890'), 3).fresh, 5);
});

test('the session budget is shared and released', () => {
  const budget = new ReassemblyBudget(10);
  const a = new StreamReassembler(0, { budget });
  const b = new StreamReassembler(0, { budget });
  a.add(0, bytes('aaaaaaaa'), 1);
  assert.equal(b.add(0, bytes('bbbb'), 2).dropped, 4);
  a.release();
  assert.equal(budget.used, 0);
  assert.equal(b.add(0, bytes('bbbb'), 3).fresh, 4);
  assert.equal(budget.used, 4);
});

test('peek returns a view for single-chunk ranges and a copy across chunks', () => {
  const r = new StreamReassembler(0);
  r.add(0, bytes('ab'), 1);
  r.add(2, bytes('cd'), 2);
  assert.equal(text(r.peek(2)), 'ab');
  assert.equal(text(r.peek(3)), 'abc');
  assert.equal(r.peek(5), undefined);
});

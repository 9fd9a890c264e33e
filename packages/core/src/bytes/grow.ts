/**
 * `buf` with room for `more` bytes after its first `used` ones: `buf` itself when they fit, else
 * a new array (its first `used` bytes copied) of at least twice the size (and `min`), so that
 * appending piece by piece stays linear.
 */
export function withRoom<T extends ArrayBufferLike>(buf: Uint8Array<T>, used: number, more: number, min = 0): Uint8Array<T> | Uint8Array<ArrayBuffer> {
  if (used + more <= buf.length) return buf;
  const nb = new Uint8Array(Math.max(used + more, buf.length * 2, min));
  nb.set(buf.subarray(0, used));
  return nb;
}

/**
 * Linear-time selection on Float32Array keys with deterministic tie-breaking (lower index first),
 * used by pruning (smallest |w|), gradient growth (largest |g|) and SNIP (global top-k).
 *
 * @module
 */

/**
 * The value of rank `k` (0-based) in ascending order of `a`. Reorders `a` (pass a copy).
 * Quickselect with median-of-three pivot and three-way partition (robust to many equal keys).
 * NaN keys must have been replaced beforehand.
 */
export function selectKth(a: Float32Array, k: number): number {
  if (k < 0 || k >= a.length) throw new RangeError(`selectKth: rank ${k} outside [0, ${a.length})`);
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let lt = lo, i = lo, gt = hi;
    while (i <= gt) {
      const v = a[i]!;
      if (v < p) {
        a[i] = a[lt]!;
        a[lt] = v;
        lt++;
        i++;
      } else if (v > p) {
        a[i] = a[gt]!;
        a[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return p;
  }
  return a[lo]!;
}

/**
 * Positions (into `candidates`) of the `count` smallest `keys`, ties broken by candidate order
 * (callers pass candidates in ascending index order, so ties go to the lower index).
 *
 * @param keys one key per candidate (NaN is treated as +Infinity: never selected first)
 * @param count how many to select, 0 <= count <= keys.length
 * @returns selected positions, ascending
 */
export function smallestPositions(keys: Float32Array, count: number): Int32Array {
  const n = keys.length;
  if (count < 0 || count > n) throw new RangeError(`smallestPositions: count ${count} of ${n}`);
  const out = new Int32Array(count);
  if (count === 0) return out;
  const work = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = keys[i]!;
    work[i] = Number.isNaN(v) ? Infinity : v;
  }
  const t = selectKth(work, count - 1);
  // NaN compares false with everything, so it is neither below nor tied with a finite t.
  let less = 0;
  for (let i = 0; i < n; i++) if (keys[i]! < t) less++;
  let ties = count - less;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const v = keys[i]!;
    if (v < t || ((v === t || (t === Infinity && Number.isNaN(v))) && ties-- > 0)) out[j++] = i;
  }
  return out;
}

/**
 * Plain-JS float32 matrix products with the loop order chosen per transpose case so that the
 * innermost loop always walks contiguous memory (V8 keeps it in registers and vectorizes nothing,
 * but avoids the strided indexing that makes tfjs-cpu's BatchMatMul slow for our shapes).
 *
 * @module
 */

/**
 * C[M,N] = op(A) · op(B) with op = identity or transpose, in plain JS. A is [M,K] (or [K,M] when
 * transposeA), B is [K,N] (or [N,K] when transposeB).
 */
export function matmulJs(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): Float32Array {
  const c = new Float32Array(m * n);
  if (!transposeA && !transposeB) {
    // c[i, :] += a[i, p] * b[p, :]
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      const ai = i * k;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p]!;
        if (av === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j]! += av * b[bp + j]!;
      }
    }
  } else if (!transposeA && transposeB) {
    // c[i, j] = dot(a[i, :], b[j, :]); 4 outputs per pass over a[i, :]
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      const ci = i * n;
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = 0; p < k; p++) {
          const av = a[ai + p]!;
          s0 += av * b[b0 + p]!;
          s1 += av * b[b1 + p]!;
          s2 += av * b[b2 + p]!;
          s3 += av * b[b3 + p]!;
        }
        c[ci + j] = s0;
        c[ci + j + 1] = s1;
        c[ci + j + 2] = s2;
        c[ci + j + 3] = s3;
      }
      for (; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
        c[ci + j] = s;
      }
    }
  } else if (transposeA && !transposeB) {
    // a is [K, M]: c[i, :] += a[p, i] * b[p, :]
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const bp = p * n;
      for (let i = 0; i < m; i++) {
        const av = a[ap + i]!;
        if (av === 0) continue;
        const ci = i * n;
        for (let j = 0; j < n; j++) c[ci + j]! += av * b[bp + j]!;
      }
    }
  } else {
    // both transposed: c[i, j] = Σ_p a[p, i] b[j, p]
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[p * m + i]! * b[j * k + p]!;
        c[i * n + j] = s;
      }
    }
  }
  return c;
}

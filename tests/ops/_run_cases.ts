/**
 * Shared body of the cpu / webgpu parity tests: for every case, compute tfjs's cpu reference,
 * then our forward, dx and dW on `backend`, and compare (rel tol 1e-4).
 *
 * @module
 */
import { tf } from "../../lib/tf.ts";
import {
  type DepthwiseOptions,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
} from "../../lib/ops/mod.ts";
import { assertClose, CASES, caseTensors, tfjsReference } from "./_shapes.ts";

/** Runs all parity cases with our kernels on `backend` (already registered). */
export async function checkAllCases(
  backend: "cpu" | "webgpu",
  opts: DepthwiseOptions = {},
): Promise<void> {
  for (const [i, shape] of CASES.entries()) {
    await tf.setBackend("cpu");
    const { x, filter, dy } = caseTensors(shape, 100 + 7 * i);
    const ref = tfjsReference(x, filter, dy);
    await tf.setBackend(backend);
    const label = `${backend} ${opts.family ?? "auto"} x[${shape.slice(0, 4)}] ` +
      `k${shape[4]}x${shape[5]}`;
    const y = largeKernelDepthwiseConv2d(x, filter, opts);
    const dx = largeKernelDepthwiseBackpropInput(dy, filter, opts);
    const dw = largeKernelDepthwiseBackpropFilter(x, dy, filter.shape, opts);
    assertClose(await y.data(), ref.y, `${label} forward`);
    assertClose(await dx.data(), ref.dx, `${label} dx`);
    assertClose(await dw.data(), ref.dw, `${label} dW`);
    tf.dispose([x, filter, dy, y, dx, dw]);
  }
}

/** tf.grads through our op equals tf.grads through tf.depthwiseConv2d (cpu reference). */
export async function checkGrads(
  backend: "cpu" | "webgpu",
  opts: DepthwiseOptions = {},
): Promise<void> {
  await tf.setBackend("cpu");
  const { x, filter, dy } = caseTensors([2, 9, 7, 6, 11, 5], 900);
  const loss = (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy))
    );
  const [rx, rw] = loss((a, b) => tf.depthwiseConv2d(a, b, 1, "same"))([x, filter]);
  if (!rx || !rw) throw new Error("tf.grads (tfjs reference) returned fewer than 2 gradients");
  const want = [await rx.data(), await rw.data()] as const;
  await tf.setBackend(backend);
  const [gx, gw] = loss((a, b) => largeKernelDepthwiseConv2d(a, b, opts))([x, filter]);
  if (!gx || !gw) throw new Error("tf.grads (our op) returned fewer than 2 gradients");
  const label = `${backend} ${opts.family ?? "auto"}`;
  assertClose(await gx.data(), want[0], `${label} tf.grads dx`);
  assertClose(await gw.data(), want[1], `${label} tf.grads dW`);
  tf.dispose([x, filter, dy, rx, rw, gx, gw]);
}

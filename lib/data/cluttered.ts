/**
 * The cluttered large-canvas variant of a small-item data set (after DeepMind's cluttered MNIST):
 * the item is pasted at a random place on an empty S×S canvas, over random crops of other items
 * pasted at random places as distractors. Overlaps are max-blended, so the item itself is always
 * intact. Every draw comes from the sample's own generator, so any sample can be made alone.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";

/** Where things went on one canvas. */
export interface CanvasLayout {
  /** Top-left corner of the item. */
  item: { y: number; x: number };
  /** Distractors: source item, crop corner in it, and canvas corner. */
  distractors: { source: number; cy: number; cx: number; y: number; x: number }[];
}

/** Canvas parameters. */
export interface CanvasSpec {
  /** Canvas side S. */
  size: number;
  /** Number of distractor crops. */
  distractors: number;
  /** Side of each square crop. */
  distractorSize: number;
}

/**
 * Draws a layout: distractors first (source index, crop corner, canvas corner), then the item's
 * corner. Distractor sources are drawn among the `count` items other than `index`.
 */
export function drawLayout(
  spec: CanvasSpec,
  item: { h: number; w: number },
  index: number,
  count: number,
  rng: Rng,
): CanvasLayout {
  const distractors: CanvasLayout["distractors"] = [];
  const d = spec.distractorSize;
  if (count > 1) {
    for (let k = 0; k < spec.distractors; k++) {
      let source = rng.int(count - 1);
      if (source >= index) source++;
      distractors.push({
        source,
        cy: rng.int(item.h - d + 1),
        cx: rng.int(item.w - d + 1),
        y: rng.int(spec.size - d + 1),
        x: rng.int(spec.size - d + 1),
      });
    }
  }
  return {
    item: { y: rng.int(spec.size - item.h + 1), x: rng.int(spec.size - item.w + 1) },
    distractors,
  };
}

function pasteMax(
  canvas: Uint8Array,
  size: number,
  src: Uint8Array,
  srcW: number,
  box: { sy: number; sx: number; h: number; w: number; y: number; x: number },
): void {
  for (let r = 0; r < box.h; r++) {
    const o = (box.y + r) * size + box.x;
    const s = (box.sy + r) * srcW + box.sx;
    for (let c = 0; c < box.w; c++) {
      const v = src[s + c]!;
      if (v > canvas[o + c]!) canvas[o + c] = v;
    }
  }
}

/**
 * Renders a layout onto a new S×S gray canvas.
 * @param get returns the gray h×w bytes of item `i`
 */
export function renderCanvas(
  spec: CanvasSpec,
  item: { h: number; w: number },
  layout: CanvasLayout,
  target: Uint8Array,
  get: (i: number) => Uint8Array,
): Uint8Array {
  const canvas = new Uint8Array(spec.size * spec.size);
  const d = spec.distractorSize;
  for (const t of layout.distractors) {
    pasteMax(canvas, spec.size, get(t.source), item.w, {
      sy: t.cy,
      sx: t.cx,
      h: d,
      w: d,
      y: t.y,
      x: t.x,
    });
  }
  pasteMax(canvas, spec.size, target, item.w, {
    sy: 0,
    sx: 0,
    h: item.h,
    w: item.w,
    y: layout.item.y,
    x: layout.item.x,
  });
  return canvas;
}

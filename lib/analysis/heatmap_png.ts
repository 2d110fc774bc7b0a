/**
 * PNG rendering of ERF maps: a heatmap of the log-scaled map with a colour bar (0 at the bottom,
 * 1 at the top, labelled), and a side-by-side comparison of several maps, each panel numbered and
 * followed by its area ratios (threshold, ratio) drawn with a tiny built-in digit font.
 *
 * @module
 */
import { encode } from "fast-png";

/** RGB image, row-major, 3 bytes per pixel. */
interface Canvas {
  width: number;
  height: number;
  data: Uint8Array;
}

const STOPS: [number, number, number, number][] = [
  [0, 0, 0, 4],
  [0.25, 87, 16, 110],
  [0.5, 188, 55, 84],
  [0.75, 249, 142, 9],
  [1, 252, 255, 164],
];

/** Colour of v ∈ [0, 1]: black → purple → red → orange → pale yellow. */
export function colormap(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  for (let i = 1; i < STOPS.length; i++) {
    const [t1, r1, g1, b1] = STOPS[i]!;
    if (x <= t1) {
      const [t0, r0, g0, b0] = STOPS[i - 1]!;
      const f = (x - t0) / (t1 - t0);
      return [r0 + f * (r1 - r0), g0 + f * (g1 - g0), b0 + f * (b1 - b0)].map(Math.round) as [
        number,
        number,
        number,
      ];
    }
  }
  return [252, 255, 164];
}

function canvas(width: number, height: number): Canvas {
  return { width, height, data: new Uint8Array(width * height * 3).fill(255) };
}

function put(c: Canvas, x: number, y: number, rgb: readonly number[]): void {
  if (x < 0 || y < 0 || x >= c.width || y >= c.height) return;
  const i = (y * c.width + x) * 3;
  c.data[i] = rgb[0]!;
  c.data[i + 1] = rgb[1]!;
  c.data[i + 2] = rgb[2]!;
}

// 3×5 glyphs, rows top to bottom, 3 bits each (MSB = left).
const GLYPHS: Record<string, number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 1, 1, 1],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  ".": [0, 0, 0, 0, 2],
  "-": [0, 0, 7, 0, 0],
  " ": [0, 0, 0, 0, 0],
};

/** Draws digits / '.' / '-' at (x, y), each glyph 3×5 cells of `scale` pixels. */
function text(c: Canvas, x: number, y: number, s: string, scale = 2): void {
  let cx = x;
  for (const ch of s) {
    const g = GLYPHS[ch] ?? GLYPHS[" "]!;
    for (let r = 0; r < 5; r++) {
      for (let b = 0; b < 3; b++) {
        if (!((g[r]! >> (2 - b)) & 1)) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            put(c, cx + b * scale + dx, y + r * scale + dy, [0, 0, 0]);
          }
        }
      }
    }
    cx += 4 * scale;
  }
}

/** Draws a log-scaled map (values in [0, 1]) at (x0, y0), nearest-neighbour scaled to `size`. */
function drawMap(
  c: Canvas,
  map: Float32Array,
  h: number,
  w: number,
  x0: number,
  y0: number,
  size: number,
): void {
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.floor((y * h) / size));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.floor((x * w) / size));
      put(c, x0 + x, y0 + y, colormap(map[sy * w + sx]!));
    }
  }
}

/** Colour bar of height `size` at (x0, y0), labelled 0, 0.5 and 1. */
function drawBar(c: Canvas, x0: number, y0: number, size: number): void {
  for (let y = 0; y < size; y++) {
    const rgb = colormap(1 - y / Math.max(1, size - 1));
    for (let x = 0; x < 14; x++) put(c, x0 + x, y0 + y, rgb);
  }
  text(c, x0 + 18, y0, "1");
  text(c, x0 + 18, y0 + (size >> 1) - 5, "0.5");
  text(c, x0 + 18, y0 + size - 10, "0");
}

function png(c: Canvas): Uint8Array {
  return encode({ width: c.width, height: c.height, data: c.data, channels: 3, depth: 8 });
}

function panelSize(h: number, w: number): number {
  return Math.max(128, Math.min(512, Math.max(h, w)));
}

/** PNG of one log-scaled ERF map (values in [0, 1]) with a colour bar. */
export function erfPng(scaled: Float32Array, h: number, w: number): Uint8Array {
  const size = panelSize(h, w);
  const pad = 8;
  const c = canvas(size + 2 * pad + 50, size + 2 * pad);
  drawMap(c, scaled, h, w, pad, pad, size);
  drawBar(c, size + 2 * pad, pad, size);
  return png(c);
}

/** One panel of a comparison: a log-scaled map and its area ratios. */
export interface ComparePanel {
  scaled: Float32Array;
  h: number;
  w: number;
  /** Threshold → area ratio. */
  areaRatio: Record<string, number>;
}

/**
 * PNG of several log-scaled maps side by side, each numbered (1, 2, ...) above and followed by
 * its "threshold ratio" lines below, with one colour bar on the right.
 */
export function comparePng(panels: readonly ComparePanel[]): Uint8Array {
  const size = 256;
  const pad = 10;
  const top = 22;
  const rows = Math.max(...panels.map((p) => Object.keys(p.areaRatio).length));
  const bottom = 8 + rows * 14;
  const c = canvas(panels.length * (size + pad) + pad + 50, top + size + bottom + pad);
  panels.forEach((p, i) => {
    const x0 = pad + i * (size + pad);
    text(c, x0, 4, String(i + 1), 3);
    drawMap(c, p.scaled, p.h, p.w, x0, top, size);
    Object.entries(p.areaRatio).forEach(([t, r], j) => {
      text(c, x0, top + size + 8 + j * 14, `${t.padEnd(4)} ${r.toFixed(4)}`);
    });
  });
  drawBar(c, panels.length * (size + pad) + pad, top, size);
  return png(c);
}

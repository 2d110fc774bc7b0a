/**
 * PNG rendering of ERF maps: a heatmap of the log-scaled map with a colour bar (0 at the bottom,
 * 1 at the top, labelled), and a side-by-side comparison of several maps, each panel titled (the
 * model or row it shows) and followed by its area ratios (threshold, ratio), drawn with a tiny
 * built-in 3×5 font (digits, upper-case letters — text is upper-cased — and a few signs).
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
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4],
  Q: [2, 5, 5, 6, 3],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
  "_": [0, 0, 0, 0, 7],
  "/": [1, 1, 2, 4, 4],
  "(": [1, 2, 2, 2, 1],
  ")": [4, 2, 2, 2, 4],
  ":": [0, 2, 0, 2, 0],
  "=": [0, 7, 0, 7, 0],
  "+": [0, 2, 7, 2, 0],
  ",": [0, 0, 0, 2, 4],
  "%": [5, 1, 2, 4, 5],
  "×": [0, 5, 2, 5, 0],
  "±": [2, 7, 2, 0, 7],
  "?": [7, 1, 2, 0, 2],
};

/** The characters of `s` (upper-cased) that the built-in font cannot draw (drawn as "?"). */
export function unknownGlyphs(s: string): string[] {
  return [...new Set([...s.toUpperCase()].filter((ch) => !(ch in GLYPHS)))];
}

/** Width in pixels of `s` drawn at `scale`. */
export function textWidth(s: string, scale = 2): number {
  return [...s].length * 4 * scale;
}

/** Draws `s` (upper-cased) at (x, y), each glyph 3×5 cells of `scale` pixels. */
function text(c: Canvas, x: number, y: number, s: string, scale = 2): void {
  let cx = x;
  for (const ch of s.toUpperCase()) {
    const g = GLYPHS[ch] ?? GLYPHS["?"]!;
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

/** One panel of a comparison: its title, a log-scaled map and its area ratios. */
export interface ComparePanel {
  /** The model or table row the panel shows (drawn above it, upper-cased, cut to fit). */
  title: string;
  scaled: Float32Array;
  h: number;
  w: number;
  /** Threshold → area ratio. */
  areaRatio: Record<string, number>;
}

/** A text drawn on a figure: where, what, and the glyph scale. */
export interface PlacedText {
  x: number;
  y: number;
  text: string;
  scale: number;
}

/** The layout of a comparison figure (what {@link comparePng} draws). */
export interface CompareLayout {
  width: number;
  height: number;
  /** Side of each (square) map panel. */
  size: number;
  /** Top-left corner of each panel's map. */
  maps: { x: number; y: number }[];
  /** Panel titles first (one per panel, in order), then the area-ratio lines. */
  texts: PlacedText[];
  /** Top-left corner of the colour bar. */
  bar: { x: number; y: number };
}

/** `title` cut to at most `width` pixels at `scale` (ending in ".." when cut). */
export function fitText(title: string, width: number, scale: number): string {
  const max = Math.floor(width / (4 * scale));
  const chars = [...title];
  return chars.length <= max ? title : chars.slice(0, Math.max(0, max - 2)).join("") + "..";
}

/**
 * Layout of several maps side by side: each panel's title above its map, its "threshold ratio"
 * lines below, one colour bar on the right.
 */
export function compareLayout(panels: readonly ComparePanel[]): CompareLayout {
  const size = 256;
  const pad = 10;
  const top = 22;
  const rows = Math.max(0, ...panels.map((p) => Object.keys(p.areaRatio).length));
  const bottom = 8 + rows * 14;
  const maps = panels.map((_, i) => ({ x: pad + i * (size + pad), y: top }));
  const titles = panels.map((p, i) => ({
    x: maps[i]!.x,
    y: 5,
    text: fitText(p.title, size, 2),
    scale: 2,
  }));
  const ratios = panels.flatMap((p, i) =>
    Object.entries(p.areaRatio).map(([t, r], j) => ({
      x: maps[i]!.x,
      y: top + size + 8 + j * 14,
      text: `${t.padEnd(4)} ${r.toFixed(4)}`,
      scale: 2,
    }))
  );
  return {
    width: panels.length * (size + pad) + pad + 50,
    height: top + size + bottom + pad,
    size,
    maps,
    texts: [...titles, ...ratios],
    bar: { x: panels.length * (size + pad) + pad, y: top },
  };
}

/** PNG of several log-scaled maps side by side (see {@link compareLayout}). */
export function comparePng(panels: readonly ComparePanel[]): Uint8Array {
  const l = compareLayout(panels);
  const c = canvas(l.width, l.height);
  panels.forEach((p, i) => drawMap(c, p.scaled, p.h, p.w, l.maps[i]!.x, l.maps[i]!.y, l.size));
  for (const t of l.texts) text(c, t.x, t.y, t.text, t.scale);
  drawBar(c, l.bar.x, l.bar.y, l.size);
  return png(c);
}

/**
 * ImageFolder loader throughput with each JPEG decoder and each training transform:
 * `deno run -A tests/data/imagefolder_throughput.ts [images]`. Writes a temporary tree of
 * 500×375 JPEGs (ImageNet's typical size), then times `Loader.next()` at 224 px in a child
 * process per setting (the decoder is chosen at import, by `SLAK_JPEG_DECODER`; worker threads
 * by `SLAK_DATA_WORKERS`). Prints img/s and the ratios to the jpeg-js + basic baseline measured
 * in the same run; compare ratios, not absolute numbers, on a shared machine.
 */
import jpeg from "jpeg-js";
import { jpegDecoder } from "../../lib/data/image_decode.ts";
import { Loader, openDataset } from "../../lib/data/mod.ts";

const W = 500;
const H = 375;

async function writeTree(dir: string, n: number): Promise<void> {
  for (const split of ["train", "val"]) {
    for (const cls of ["a", "b"]) {
      await Deno.mkdir(`${dir}/${split}/${cls}`, { recursive: true });
      const count = split === "train" ? n / 2 : 1;
      for (let k = 0; k < count; k++) {
        const rgba = new Uint8Array(W * H * 4);
        for (let i = 0; i < W * H; i++) {
          const x = i % W;
          const y = Math.floor(i / W);
          rgba[i * 4] = (x * 3 + k * 17) & 255;
          rgba[i * 4 + 1] = (Math.sin((x + y) / 13 + k) * 100 + 128) | 0;
          rgba[i * 4 + 2] = ((x ^ y) + k) & 255;
          rgba[i * 4 + 3] = 255;
        }
        const jpg = jpeg.encode({ width: W, height: H, data: rgba }, 90).data;
        await Deno.writeFile(`${dir}/${split}/${cls}/${k}.jpg`, new Uint8Array(jpg));
      }
    }
  }
}

async function measure(dir: string, paper: boolean, images: number): Promise<number> {
  const ds = await openDataset({
    kind: "imagefolder",
    path: dir,
    size: 224,
    ...(paper ? { trainTransform: { kind: "paper" as const } } : {}),
  });
  const loader = new Loader(ds, { split: "train", batchSize: 8, seed: 0, prefetch: false });
  await loader.next(); // warm-up
  const t0 = performance.now();
  let n = 0;
  while (n < images) n += (await loader.next()).n;
  loader.close();
  ds.close?.();
  return (n * 1000) / (performance.now() - t0);
}

if (Deno.env.get("SLAK_THROUGHPUT_CHILD") !== undefined) {
  const [dir, images] = [Deno.args[0]!, Number(Deno.args[1])];
  const basic = await measure(dir, false, images);
  const paper = await measure(dir, true, images);
  const workers = Deno.env.get("SLAK_DATA_WORKERS") ?? "0";
  console.log(JSON.stringify({ decoder: `${jpegDecoder()} w${workers}`, basic, paper }));
} else {
  const images = Number(Deno.args[0] ?? 48);
  const workers = String(navigator.hardwareConcurrency);
  const dir = await Deno.makeTempDir({ prefix: "slak-throughput-" });
  try {
    await writeTree(dir, images);
    const rows: { decoder: string; basic: number; paper: number }[] = [];
    const settings: Record<string, string>[] = [
      { SLAK_JPEG_DECODER: "jpeg-js" },
      {},
      { SLAK_DATA_WORKERS: workers },
    ];
    for (const env of settings) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL(import.meta.url).pathname, dir, String(images)],
        env: { ...env, SLAK_THROUGHPUT_CHILD: "1" },
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error("child failed");
      rows.push(JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!));
    }
    const base = rows[0]!.basic;
    for (const r of rows) {
      console.log(
        `${r.decoder.padEnd(18)} basic ${r.basic.toFixed(1)} img/s (x${
          (r.basic / base).toFixed(2)
        })` +
          `  paper ${r.paper.toFixed(1)} img/s (x${(r.paper / base).toFixed(2)})`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

import assert from "node:assert/strict";
import { readConfigFile } from "../../lib/config/layering.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { runFiles, TrainInterrupted, trainRun } from "../../lib/train/run.ts";
import {
  eventFileName,
  eventFilesIn,
  EventWriter,
  FILE_VERSION,
  readEventFile,
  type TfEvent,
} from "../../lib/train/tfevents.ts";
import { decodeEvent, encodeEvent, SESSION_START } from "../../lib/train/tfevents_proto.ts";
import { DataError } from "../../lib/util/errors.ts";
import { runCli } from "../cli/_run.ts";
import { SMOKE, TINY_SETS } from "./_util.ts";

await initBackend("cpu");

Deno.test("encodeEvent() writes the Event/Summary/Value protobuf fields byte for byte", () => {
  // Hand-encoded from event.proto / summary.proto: wall_time=1 (fixed64 double 1.5),
  // step=2 (varint 300 = ac 02), summary=5 { value=1 { tag=1 "a", simple_value=2 (float 0.5) } }.
  const want = [
    0x09,
    0,
    0,
    0,
    0,
    0,
    0,
    0xf8,
    0x3f,
    0x10,
    0xac,
    0x02,
    0x2a,
    0x0a,
    0x0a,
    0x08,
    0x0a,
    0x01,
    0x61,
    0x15,
    0,
    0,
    0,
    0x3f,
  ];
  const got = encodeEvent({ wallTime: 1.5, step: 300, values: [{ tag: "a", value: 0.5 }] });
  assert.deepEqual([...got], want);
  // file_version=3 "brain.Event:2"; step 0 is the proto default and is left out.
  const fv = encodeEvent({ wallTime: 0, step: 0, fileVersion: FILE_VERSION });
  assert.deepEqual([...fv.subarray(9)], [0x1a, 13, ...new TextEncoder().encode("brain.Event:2")]);
  // session_log=6 { status=1 START }.
  const sl = encodeEvent({ wallTime: 0, step: 7, sessionStatus: SESSION_START });
  assert.deepEqual([...sl.subarray(9)], [0x10, 7, 0x32, 2, 0x08, 1]);
});

Deno.test("decodeEvent() reads what encodeEvent() writes and skips unknown fields", () => {
  const ev: TfEvent = {
    wallTime: 1_700_000_000.25,
    step: 2 ** 40 + 3,
    values: [{ tag: "epoch/top1", value: 0.8125 }, { tag: "ünï/lr", value: 1e-4 }],
  };
  const bytes = encodeEvent(ev);
  const back = decodeEvent(bytes, "x");
  assert.equal(back.wallTime, ev.wallTime);
  assert.equal(back.step, ev.step);
  assert.deepEqual(back.values, ev.values!.map((v) => ({ ...v, value: Math.fround(v.value) })));
  // An unknown field (number 9, varint) and an unknown length-delimited one (10) are skipped.
  const extra = new Uint8Array([...bytes, 0x48, 0x96, 0x01, 0x52, 0x02, 0x61, 0x62]);
  assert.deepEqual(decodeEvent(extra, "x"), back);
  assert.throws(() => decodeEvent(new Uint8Array([0x0a, 0x05, 0x61]), "f record 3"), DataError);
});

Deno.test("EventWriter: version record first, new file per start, START event on resume", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-tfevents-" });
  try {
    const now = () => 1_700_000_000_500;
    const a = await EventWriter.open(dir, { now, host: "node/1" });
    assert.equal(a.path, `${dir}/events.out.tfevents.1700000000.node_1`);
    await a.scalars(1, [{ tag: "step/loss", value: 0.7 }, { tag: "bad", value: NaN }]);
    await a.scalars(2, [{ tag: "step/loss", value: 0.6 }]);
    const b = await EventWriter.open(dir, { now, host: "node/1", resumedAt: 1 });
    assert.equal(b.path, `${a.path}.1`);
    await b.scalars(2, [{ tag: "step/loss", value: 0.65 }]);
    assert.deepEqual(eventFilesIn(dir), [
      "events.out.tfevents.1700000000.node_1",
      "events.out.tfevents.1700000000.node_1.1",
    ]);

    const ea = await readEventFile(a.path);
    assert.deepEqual(ea[0], { wallTime: 1_700_000_000.5, step: 0, fileVersion: "brain.Event:2" });
    assert.deepEqual(ea.slice(1).map((e) => [e.step, e.values]), [
      [1, [{ tag: "step/loss", value: Math.fround(0.7) }]], // NaN left out
      [2, [{ tag: "step/loss", value: Math.fround(0.6) }]],
    ]);
    const eb = await readEventFile(b.path);
    assert.equal(eb[0]!.fileVersion, FILE_VERSION);
    assert.equal(eb[1]!.sessionStatus, SESSION_START);
    assert.equal(eb[1]!.step, 2); // the first step the resumed run recomputes
    assert.deepEqual(tensorboardView([ea, eb]).get("step/loss"), [
      [1, Math.fround(0.7)],
      [2, Math.fround(0.65)],
    ]);

    // A flipped byte is a CRC error naming the file.
    const bytes = await Deno.readFile(a.path);
    bytes[bytes.length - 6] = bytes[bytes.length - 6]! ^ 0x10;
    await Deno.writeFile(a.path, bytes);
    await assert.rejects(readEventFile(a.path), /node_1: record 2 at byte \d+: data CRC mismatch/);
    assert.equal(eventFileName(12.9, ""), "events.out.tfevents.12.localhost");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Scalars by tag as TensorBoard shows them: files in order, a SessionLog START at step s drops the
 * events already read at steps >= s.
 */
function tensorboardView(files: TfEvent[][]): Map<string, [number, number][]> {
  const byTag = new Map<string, [number, number][]>();
  for (const events of files) {
    for (const e of events) {
      if (e.sessionStatus === SESSION_START) {
        for (const [t, pts] of byTag) byTag.set(t, pts.filter(([s]) => s < e.step));
      }
      for (const v of e.values ?? []) {
        byTag.set(v.tag, [...(byTag.get(v.tag) ?? []), [e.step, v.value]]);
      }
    }
  }
  return byTag;
}

Deno.test("trainRun() writes event files matching metrics.jsonl, per step with logEvery, across a resume", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-train-tb-" });
  try {
    const config = resolveTrainConfig(await readConfigFile(SMOKE), SMOKE, TINY_SETS);
    const ctrl = new AbortController();
    await assert.rejects(
      trainRun(config, {
        outDir: out,
        logEvery: 3,
        signal: ctrl.signal,
        onProgress: (ev) => {
          if (ev.type === "step" && ev.step === 10) ctrl.abort();
        },
      }),
      TrainInterrupted,
    );
    assert.equal(eventFilesIn(out).length, 1);
    const result = await trainRun(config, { outDir: out, resume: true, logEvery: 3 });
    const names = eventFilesIn(out);
    assert.equal(names.length, 2);
    const files = await Promise.all(names.map((n) => readEventFile(`${out}/${n}`)));
    for (const f of files) assert.equal(f[0]!.fileVersion, FILE_VERSION);
    assert.equal(files[1]![1]!.sessionStatus, SESSION_START);
    assert.equal(files[1]![1]!.step, 11); // checkpointed at step 10 by the interrupt

    const metrics = Deno.readTextFileSync(runFiles(out).metrics).trim().split("\n")
      .map((l) => JSON.parse(l));
    const steps = metrics.filter((m) => m.type === "step");
    assert.deepEqual(steps.map((m) => m.step), [3, 6, 9, 12, 15]);
    const epochs = metrics.filter((m) => m.type === "epoch");
    assert.equal(epochs.length, 2);

    const tb = tensorboardView(files);
    const f32 = Math.fround;
    assert.deepEqual(tb.get("step/loss"), steps.map((m) => [m.step, f32(m.loss)]));
    assert.deepEqual(tb.get("step/lr"), steps.map((m) => [m.step, f32(m.lr)]));
    assert.deepEqual(tb.get("step/density"), steps.map((m) => [m.step, f32(m.density)]));
    assert.deepEqual(tb.get("epoch/top1"), epochs.map((m) => [m.step, f32(m.top1)]));
    assert.deepEqual(tb.get("epoch/train_loss"), epochs.map((m) => [m.step, f32(m.loss)]));
    assert.deepEqual(tb.get("epoch/density"), epochs.map((m) => [m.step, f32(m.density)]));
    assert.deepEqual(tb.get("epoch/img_per_sec")?.map(([s]) => s), epochs.map((m) => m.step));
    assert.equal(tb.get("epoch/top1")!.at(-1)![1], f32(result.top1));
    const topo = metrics.filter((m) => m.type === "topology");
    assert.ok(topo.length > 0);
    assert.deepEqual(tb.get("topology/density"), topo.map((m) => [m.step, f32(m.density)]));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("slak train --log-every K writes step records and an event file; K must be positive", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-cli-tb-" });
  try {
    const sets = TINY_SETS.flatMap((s) => ["--set", s]);
    const base = ["train", "--config", SMOKE, ...sets, "--backend", "cpu", "--quiet"];
    const bad = await runCli([...base, "--out", `${out}/bad`, "--log-every", "0"]);
    assert.equal(bad.code, 64, bad.stderr);
    assert.match(bad.stderr, /'--log-every' must be a positive integer, got "0"/);
    const ok = await runCli([...base, "--out", `${out}/run`, "--log-every", "4"]);
    assert.equal(ok.code, 0, ok.stderr);
    const metrics = Deno.readTextFileSync(`${out}/run/metrics.jsonl`).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(metrics.filter((m) => m.type === "step").map((m) => m.step), [4, 8, 12, 16]);
    const [name, ...more] = eventFilesIn(`${out}/run`);
    assert.deepEqual(more, []);
    assert.match(name!, /^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9._-]+$/);
    const events = await readEventFile(`${out}/run/${name}`);
    const steps = events.filter((e) => e.values?.some((v) => v.tag === "step/loss"));
    assert.deepEqual(steps.map((e) => e.step), [4, 8, 12, 16]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

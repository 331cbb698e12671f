import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { createAdmission } from "./admission";
import { inferenceServiceClient } from "./grpc-definition";
import { checkInferRequestWire, checkJsonText, MAX_JSON_DEPTH } from "./limits";

const encode = inferenceServiceClient().service.ModelInfer!.requestSerialize as (v: unknown) => Buffer;

/** A small deterministic PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FIELDS = [
  "bool_contents",
  "int_contents",
  "int64_contents",
  "uint_contents",
  "uint64_contents",
  "fp32_contents",
  "fp64_contents",
  "bytes_contents",
] as const;

function sample(field: (typeof FIELDS)[number], i: number): unknown {
  if (field === "bool_contents") return i % 2 === 0;
  if (field === "bytes_contents") return Buffer.from(i % 3 === 0 ? "" : `v${i}`);
  if (field === "int64_contents" || field === "uint64_contents") return String(i * 1_000_003);
  if (field === "int_contents") return i % 2 === 0 ? -i : i;
  return i * 1.5;
}

function randomRequest(rand: () => number) {
  const inputs = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => {
    const field = FIELDS[Math.floor(rand() * FIELDS.length)]!;
    const n = Math.floor(rand() * 300);
    const shape = [n, 1 + Math.floor(rand() * 3)];
    return {
      name: `in${k}`,
      datatype: "FP32",
      shape: shape.map(String),
      parameters: rand() < 0.5 ? { p: { int64_param: "7" } } : {},
      contents: { [field]: Array.from({ length: Math.floor(rand() * 400) }, (_, i) => sample(field, i)) },
    };
  });
  return {
    model_name: "m",
    id: "x",
    inputs,
    outputs: rand() < 0.5 ? [{ name: "out" }] : [],
    raw_input_contents: rand() < 0.3 ? [Buffer.alloc(8)] : [],
  };
}

const errorOf = (fn: () => void): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe("checkInferRequestWire", () => {
  it("counts exactly the elements and shapes protobuf would decode (random requests, every contents field)", () => {
    const rand = prng(18);
    for (let round = 0; round < 300; round++) {
      const request = randomRequest(rand);
      const bytes = encode(request);
      const elements = request.inputs.reduce((n, t) => n + Object.values(t.contents)[0]!.length, 0);
      const shaped = request.inputs.reduce((n, t) => n + t.shape.map(Number).reduce((a, b) => a * b, 1), 0);
      const most = Math.max(elements, shaped);
      expect(() => checkInferRequestWire(bytes, most), `seed 18 round ${round}`).not.toThrow();
      if (most > 0) {
        const e = errorOf(() => checkInferRequestWire(bytes, most - 1));
        expect(isUserError(e) && e.code, `seed 18 round ${round}`).toBe("payload_too_large");
      }
    }
  });

  it("throws only UserErrors on truncated or corrupted messages", () => {
    const rand = prng(7);
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(encode(randomRequest(rand)));
      const cut = bytes.subarray(0, Math.floor(rand() * bytes.length));
      for (let k = 0; k < 3 && cut.length > 0; k++) cut[Math.floor(rand() * cut.length)] = Math.floor(rand() * 256);
      const e = errorOf(() => checkInferRequestWire(cut, 1 << 20));
      if (e !== undefined) expect(isUserError(e), String(e)).toBe(true);
    }
  });

  it("counts unpacked repeated fields and bytes elements one by one", () => {
    // fp32_contents written unpacked (wire type 5), as some encoders may.
    const contents = Buffer.concat(Array.from({ length: 10 }, () => Buffer.from([(6 << 3) | 5, 0, 0, 0x80, 0x3f])));
    const input = Buffer.concat([Buffer.from([(5 << 3) | 2, contents.length]), contents]);
    const request = Buffer.concat([Buffer.from([(5 << 3) | 2, input.length]), input]);
    expect(() => checkInferRequestWire(request, 10)).not.toThrow();
    expect(() => checkInferRequestWire(request, 9)).toThrow(/10 elements/);
  });
});

describe("checkJsonText", () => {
  it("refuses nesting past the limit with a 400 and lets strings hold brackets", () => {
    const ok = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(() => checkJsonText(Buffer.from(ok), 100)).not.toThrow();
    const deep = errorOf(() => checkJsonText(Buffer.from(`[${ok}]`), 100));
    expect(isUserError(deep) && deep.code).toBe("bad_request");
    expect(String(deep)).toMatch(/nested deeper than 64 levels/);
    expect(() => checkJsonText(Buffer.from(`["${"[".repeat(1000)}\\"[", 1]`), 100)).not.toThrow();
  });

  it("refuses more values than the element budget allows, before parsing", () => {
    const many = `[${Array.from({ length: 100_000 }, () => "0").join(",")}]`;
    expect(() => checkJsonText(Buffer.from(many), 10_000)).toThrow(/more than the server's limit of 10000 elements/);
    expect(() => checkJsonText(Buffer.from(many), 100_000)).not.toThrow();
  });
});

describe("admission", () => {
  it("runs at most maxConcurrency at once, queues up to maxQueue, and answers busy past it", async () => {
    const a = createAdmission({ maxConcurrency: 1, maxQueue: 1, maxPendingBytes: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const first = a.run(async () => {
      order.push("first");
      await gate;
    });
    const second = a.run(async () => {
      order.push("second");
    });
    const third = a.run(async () => {});
    await expect(third).rejects.toThrow(/busy/);
    expect(a.queued).toBe(1);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first", "second"]);
    expect(a.running).toBe(0);
  });

  it("gives heavy requests slots and a queue of their own: a light request never waits behind them", async () => {
    const a = createAdmission({ maxConcurrency: 1, maxQueue: 1, maxPendingBytes: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const heavy = a.run(() => gate, "heavy");
    const queuedHeavy = a.run(async () => {}, "heavy");
    await expect(a.run(async () => {}, "heavy")).rejects.toThrow(/busy/);
    // The heavy lane is full and its queue too; a light request still runs at once.
    await expect(a.run(async () => "light")).resolves.toBe("light");
    release();
    await Promise.all([heavy, queuedHeavy]);
    expect(a.running).toBe(0);
  });

  it("grants the first reservation whatever its size, then holds to the byte budget", () => {
    const a = createAdmission({ maxConcurrency: 1, maxQueue: 0, maxPendingBytes: 100 });
    a.reserve(500);
    expect(() => a.reserve(1)).toThrow(/busy/);
    a.free(500);
    a.reserve(60);
    a.reserve(40);
    expect(() => a.reserve(1)).toThrow(/--max-pending-bytes/);
    expect(a.pendingBytes).toBe(100);
  });
});

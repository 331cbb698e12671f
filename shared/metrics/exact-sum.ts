/**
 * An exact floating-point sum whose result does not depend on the order of the terms: Shewchuk's
 * non-overlapping partials ("Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
 * Predicates", 1997), rounded once at the end as Python's `math.fsum` does (Modules/mathmodule.c,
 * `math_fsum`). The state (the partials) merges exactly, so a metric summed over shards, spilled runs or
 * batches of any size is the same double as summed in one pass: that is what makes a sharded or
 * memory-bounded evaluation equal a single-machine one bit for bit.
 *
 * Written out rather than taken from a library: the npm packages for robust arithmetic (robust-sum,
 * two-sum) build a new array per operation, which is too slow to call once per row.
 */
export class ExactSum {
  private partials: number[] = [];
  /** Sum of the non-finite terms (±Infinity, NaN), kept apart as fsum does. */
  private special = 0;
  private hasSpecial = false;
  /**
   * Terms not yet folded into the partials, binned by binary exponent: a term x = m·2^(e−1075) with an
   * integer m < 2^53 adds m's high 27 bits to hi[e] and its low 26 bits to lo[e], both exactly (integers
   * far below 2^53), so `add` costs a few operations per row; the bins are folded exactly into the
   * partials before 2^25 terms could make a bin inexact.
   */
  private hi: Float64Array | undefined;
  private lo: Float64Array | undefined;
  private binned = 0;

  add(x: number): void {
    if (x === 0) return;
    if (x - x !== 0) {
      this.special += x;
      this.hasSpecial = true;
      return;
    }
    F64[0] = x;
    const e = Math.max(1, (U32[1]! >>> 20) & 0x7ff);
    const m = x * UNSCALE[e]! * UNSCALE2[e]!; // exact: an integer of at most 53 bits
    const mh = Math.trunc(m * 2 ** -26);
    if (!this.hi) {
      this.hi = new Float64Array(2048);
      this.lo = new Float64Array(2048);
    }
    this.hi[e]! += mh;
    this.lo![e]! += m - mh * 2 ** 26;
    if (++this.binned === 1 << 25) this.fold();
  }

  /** Fold the bins into the partials (exact: each bin times a power of two is a double). */
  private fold(): void {
    if (this.binned === 0) return;
    const hi = this.hi!;
    const lo = this.lo!;
    for (let e = 0; e < 2048; e++) {
      if (hi[e] !== 0) this.addPartial(hi[e]! * 2 ** 26 * SCALE[e]!);
      if (lo[e] !== 0) this.addPartial(lo[e]! * SCALE[e]!);
    }
    hi.fill(0);
    lo.fill(0);
    this.binned = 0;
  }

  private addPartial(x: number): void {
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** Adds a·b exactly (Dekker's product with Veltkamp's split; |a|, |b| below ~1e300). */
  addProduct(a: number, b: number): void {
    const p = a * b;
    if (p - p !== 0) {
      this.add(p);
      return;
    }
    const [ah, al] = split(a);
    const [bh, bl] = split(b);
    const err = al * bl - (p - ah * bh - al * bh - ah * bl);
    this.add(p);
    if (err !== 0) this.add(err);
  }

  merge(other: ExactSum): void {
    other.fold();
    for (const x of other.partials) this.addPartial(x);
    if (other.hasSpecial) {
      this.special += other.special;
      this.hasSpecial = true;
    }
  }

  /** The exact sum, correctly rounded to the nearest double (ties to even). */
  value(): number {
    this.fold();
    if (this.hasSpecial) return this.special;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-way case: make the rounding of hi + lo agree with the sign of the rest.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  /** The partials, for writing a mergeable state (JSON keeps doubles exactly). */
  toJSON(): ExactSumJSON {
    this.fold();
    // JSON has no NaN or Infinity: the non-finite part is written as text.
    return this.hasSpecial
      ? { partials: [...this.partials], special: String(this.special) }
      : { partials: [...this.partials] };
  }

  static fromJSON(j: ExactSumJSON): ExactSum {
    const s = new ExactSum();
    for (const x of j.partials) s.addPartial(x);
    if (j.special !== undefined) {
      s.special = Number(j.special);
      s.hasSpecial = true;
    }
    return s;
  }

  /** The partials themselves (non-overlapping, increasing magnitude): an exact representation of the sum. */
  terms(): readonly number[] {
    this.fold();
    return this.partials;
  }
}

export interface ExactSumJSON {
  partials: number[];
  special?: string;
}

const SPLITTER = 134217729; // 2^27 + 1

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** 2^(e − 1075) and its inverse, for the biased exponents e of doubles (e = 1 also serves the subnormals). */
const SCALE = Float64Array.from({ length: 2048 }, (_, e) => 2 ** (Math.max(1, e) - 1075));
// 2^(1075 − e) in two factors: past 2^1023 one factor would overflow.
const UNSCALE = Float64Array.from({ length: 2048 }, (_, e) => 2 ** Math.min(1000, 1075 - Math.max(1, e)));
const UNSCALE2 = Float64Array.from(
  { length: 2048 },
  (_, e) => 2 ** (1075 - Math.max(1, e) - Math.min(1000, 1075 - Math.max(1, e))),
);

function split(a: number): [number, number] {
  const c = SPLITTER * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** Σ of an array, exactly rounded and independent of order. */
export function exactSum(values: ArrayLike<number>): number {
  const s = new ExactSum();
  for (let i = 0; i < values.length; i++) s.add(values[i]!);
  return s.value();
}

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

  add(x: number): void {
    if (x - x !== 0) {
      this.special += x;
      this.hasSpecial = true;
      return;
    }
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
    const err = al * bl - (((p - ah * bh) - al * bh) - ah * bl);
    this.add(p);
    if (err !== 0) this.add(err);
  }

  merge(other: ExactSum): void {
    for (const x of other.partials) this.add(x);
    if (other.hasSpecial) {
      this.special += other.special;
      this.hasSpecial = true;
    }
  }

  /** The exact sum, correctly rounded to the nearest double (ties to even). */
  value(): number {
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
    // JSON has no NaN or Infinity: the non-finite part is written as text.
    return this.hasSpecial ? { partials: [...this.partials], special: String(this.special) } : { partials: [...this.partials] };
  }

  static fromJSON(j: ExactSumJSON): ExactSum {
    const s = new ExactSum();
    for (const x of j.partials) s.add(x);
    if (j.special !== undefined) {
      s.special = Number(j.special);
      s.hasSpecial = true;
    }
    return s;
  }

  /** The partials themselves (non-overlapping, increasing magnitude): an exact representation of the sum. */
  terms(): readonly number[] {
    return this.partials;
  }
}

export interface ExactSumJSON {
  partials: number[];
  special?: string;
}

const SPLITTER = 134217729; // 2^27 + 1

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

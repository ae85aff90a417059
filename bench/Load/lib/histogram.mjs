// A log-linear bucket histogram in the style of HdrHistogram (written here: the HdrHistogram NuGet
// package does not restore from our feed, and the generator is Node anyway).
//
// Values are non-negative integers (the generator records microseconds). Below 2^(P+1) every value
// has its own bucket; above, each power of two is split into 2^P equal sub-buckets, so a bucket's
// width is at most 1/2^P of its value: with P = 10 any reported value is within 0.1% of the truth,
// and the whole range up to 2^MAX_EXP takes (MAX_EXP - P + 1) * 2^P counters, whatever the count.

const P = 10;
const SUB = 1 << P;
const MAX_EXP = 36; // 2^36 µs is 19 hours: nothing the generator measures is longer
const MAX_VALUE = 2 ** MAX_EXP - 1;
const BUCKETS = (MAX_EXP - P + 1) * SUB;

/** Bucket index of a value: exact below 2^(P+1), then 2^P sub-buckets per power of two. */
export function indexOf(value) {
  if (value < 2 * SUB) return value;
  const exponent = Math.floor(Math.log2(value));
  // Math.log2 can round up just below a power of two; correct it so sub stays in [2^P, 2^(P+1)).
  const e = 2 ** exponent > value ? exponent - 1 : exponent;
  const shift = e - P;
  const sub = Math.floor(value / 2 ** shift);
  return shift * SUB + sub;
}

/** The lowest value that falls into bucket `index`. */
export function lowestOf(index) {
  if (index < 2 * SUB) return index;
  const shift = Math.floor(index / SUB) - 1;
  const sub = index - shift * SUB;
  return sub * 2 ** shift;
}

/** The highest value that falls into bucket `index`. */
export function highestOf(index) {
  return lowestOf(index + 1) - 1;
}

export class Histogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.total = 0;
    this.min = Infinity;
    this.max = 0;
    this.sum = 0;
  }

  record(value, count = 1) {
    let v = Math.round(value);
    if (!(v >= 0)) v = 0;
    if (v > MAX_VALUE) v = MAX_VALUE;
    this.counts[indexOf(v)] += count;
    this.total += count;
    this.sum += v * count;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  add(other) {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The value at a percentile (0..100): the highest value of the bucket holding the rank-th smallest
   * recording, capped by the exact maximum (HdrHistogram reports the bucket's highest equivalent value).
   */
  valueAt(percentile) {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(highestOf(i), this.max);
    }
    return this.max;
  }

  /** p50/p90/p99/p99.9/max and the count, in the unit recorded. */
  summary() {
    return {
      count: this.total,
      p50: this.valueAt(50),
      p90: this.valueAt(90),
      p99: this.valueAt(99),
      p999: this.valueAt(99.9),
      max: this.total ? this.max : 0,
      mean: this.total ? Math.round(this.sum / this.total) : 0,
    };
  }

  /** The percentile curve (percentile, value) at HdrHistogram's "ticks per half distance" spacing. */
  percentileCurve(ticksPerHalf = 5) {
    const points = [];
    if (this.total === 0) return points;
    for (let half = 0; half < 20; half++) {
      const start = 100 * (1 - 0.5 ** half);
      const end = 100 * (1 - 0.5 ** (half + 1));
      for (let t = 0; t < ticksPerHalf; t++) {
        const p = start + ((end - start) * t) / ticksPerHalf;
        points.push([p, this.valueAt(p)]);
      }
      if (1 - end / 100 < 1 / this.total) break;
    }
    points.push([100, this.max]);
    return points;
  }

  /** A compact form for the results file: the non-empty buckets as [lowest value, count] pairs. */
  toJSON() {
    const buckets = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) buckets.push([lowestOf(i), this.counts[i]]);
    return { precisionBits: P, total: this.total, min: this.total ? this.min : 0, max: this.max, sum: this.sum, buckets };
  }

  static fromJSON(json) {
    const h = new Histogram();
    for (const [value, count] of json.buckets) h.counts[indexOf(value)] += count;
    h.total = json.total;
    h.min = json.total ? json.min : Infinity;
    h.max = json.max;
    h.sum = json.sum;
    return h;
  }
}

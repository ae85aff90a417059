// The histogram must place every value in a bucket no wider than 0.1% of it and report percentiles
// by rank, the way HdrHistogram does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram, highestOf, indexOf, lowestOf } from "../lib/histogram.mjs";

test("small values are recorded exactly", () => {
  const h = new Histogram();
  for (let v = 0; v < 2048; v++) h.record(v);
  assert.equal(h.valueAt(50), 1023);
  assert.equal(h.min, 0);
  assert.equal(h.max, 2047);
  for (let v = 0; v < 2048; v++) assert.equal(indexOf(v), v);
});

test("bucket boundaries are continuous and every value lies inside its own bucket", () => {
  let previousHigh = -1;
  for (let i = 0; i < 30_000; i++) {
    const low = lowestOf(i);
    assert.equal(low, previousHigh + 1, `bucket ${i} starts right after bucket ${i - 1}`);
    previousHigh = highestOf(i);
  }
  for (const v of [2048, 2049, 4095, 4096, 123_456, 2 ** 20 - 1, 2 ** 20, 2 ** 31 + 7, 2 ** 35 + 12_345]) {
    const i = indexOf(v);
    assert.ok(lowestOf(i) <= v && v <= highestOf(i), `${v} in [${lowestOf(i)}, ${highestOf(i)}]`);
    assert.ok((highestOf(i) - lowestOf(i)) / v <= 1 / 1024, `bucket of ${v} is at most 0.1% wide`);
  }
});

test("percentiles of a uniform distribution are within 0.1%", () => {
  const h = new Histogram();
  for (let v = 1; v <= 1_000_000; v++) h.record(v);
  for (const [p, expected] of [[50, 500_000], [90, 900_000], [99, 990_000], [99.9, 999_000]]) {
    const actual = h.valueAt(p);
    assert.ok(Math.abs(actual - expected) / expected <= 0.001, `p${p}: ${actual} vs ${expected}`);
  }
  assert.equal(h.valueAt(100), 1_000_000);
  assert.equal(h.summary().max, 1_000_000);
});

test("a single outlier is the maximum and shows at p100, not at p99", () => {
  const h = new Histogram();
  for (let i = 0; i < 999; i++) h.record(1_000);
  h.record(5_000_000);
  assert.equal(h.valueAt(99), 1_000);
  assert.equal(h.summary().max, 5_000_000);
  assert.equal(h.valueAt(99.95), 5_000_000);
});

test("histograms add and survive the results file", () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let v = 0; v < 5_000; v++) a.record(v * 3);
  for (let v = 0; v < 5_000; v++) b.record(v * 7 + 100_000);
  const sum = new Histogram();
  sum.add(a);
  sum.add(b);
  assert.equal(sum.total, 10_000);
  const copy = Histogram.fromJSON(JSON.parse(JSON.stringify(sum)));
  assert.deepEqual(copy.summary(), sum.summary());
  assert.equal(copy.min, 0);
});

test("per-worker histograms merge through their results-file form, an empty one included", () => {
  const busy = new Histogram();
  for (const v of [250, 4_000, 90_000]) busy.record(v);
  const merged = new Histogram();
  for (const h of [busy, new Histogram()]) merged.add(Histogram.fromJSON(structuredClone(h.toJSON())));
  assert.deepEqual(merged.summary(), busy.summary());
  assert.equal(merged.min, 250);
});

test("negative and fractional values are clamped and rounded", () => {
  const h = new Histogram();
  h.record(-5);
  h.record(2.6);
  assert.equal(h.min, 0);
  assert.equal(h.max, 3);
});

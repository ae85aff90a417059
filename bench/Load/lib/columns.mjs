// Per-message bookkeeping in growable typed arrays: a run of hundreds of thousands of messages keeps a
// few bytes per message instead of an object each, so the generator's own memory and GC stay small.

export class Column {
  constructor(Type, capacity = 64) {
    this.Type = Type;
    this.data = new Type(capacity);
  }

  get(i) { return i < this.data.length ? this.data[i] : 0; }

  set(i, value) {
    if (i >= this.data.length) {
      let size = this.data.length * 2;
      while (size <= i) size *= 2;
      const grown = new this.Type(size);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = value;
  }

  add(i, delta) { this.set(i, this.get(i) + delta); }
}

/** A small seeded generator (mulberry32), so a run's choice of contacts and senders can be repeated. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Per-message bookkeeping in typed arrays: a run of hundreds of thousands of messages keeps about 20
// bytes per message instead of an object each, so the generator's own memory and GC stay small.
//
// The arrays live in SharedArrayBuffers because the simulated users are spread over worker threads
// (lib/chat-worker.mjs): a message is one row, its slot, written by its sender's worker, marked
// delivered by its recipient's worker (often another one), and read by the main thread for the books.
// Every cell has one writer at a time: from/to/sendAt/state/retried the sender's worker, live the
// recipient's worker, caughtUp the main thread after the workers are done. The Uint8 and Int32 cells
// go through Atomics: the sender writes from/to/sendAt first and then stores state with Atomics, so
// a worker that reads a non-zero state with Atomics.load also sees the plain cells written before it.

/** Message states in the sender's book (0: the slot was never used). */
export const SENT = 1;
export const ACKED = 2;
export const FAILED = 3;
export const INTERRUPTED = 4; // the sender's connection was dropped by the workload before the ack; retried

/**
 * The message table of a run: `capacity` slots (slot 0 is never used) and a per-user `dropped` flag.
 * A plain object of typed arrays, so it can be passed to workers as it is (workerData shares the
 * memory of SharedArrayBuffer-backed arrays instead of copying it).
 */
export function createBooks(capacity, users) {
  const shared = (Type, length) => new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
  return {
    capacity,
    next: shared(Int32Array, 1),          // slots handed out so far (Atomics.add)
    from: shared(Int32Array, capacity),   // sender's user index
    to: shared(Int32Array, capacity),     // recipient's user index
    sendAt: shared(Float64Array, capacity), // lib/clock.mjs milliseconds of the first invoke
    state: shared(Uint8Array, capacity),
    live: shared(Uint8Array, capacity),   // deliveries seen as `message` events by the recipient
    caughtUp: shared(Uint8Array, capacity), // found in history by a recipient that had been disconnected
    retried: shared(Uint8Array, capacity),
    dropped: shared(Uint8Array, users),   // the user was disconnected by the workload at least once
  };
}

/** A fresh slot for a new message, or 0 when the table is full. */
export function allocate(books) {
  const slot = Atomics.add(books.next, 0, 1) + 1;
  return slot < books.capacity ? slot : 0;
}

/** The highest slot handed out. */
export const lastSlot = (books) => Math.min(Atomics.load(books.next, 0), books.capacity - 1);

/**
 * The slot of a message whose client id `${senderIndex}.${slot}` names a message this run booked (up to
 * slot `last`), or 0. Atomics.load of the state first: a booked slot's plain cells are then visible too.
 */
export function slotOf(m, ids, books, last = books.capacity - 1) {
  const id = m.clientMessageId;
  const dot = typeof id === "string" ? id.indexOf(".") : -1;
  if (dot <= 0) return 0;
  const sender = Number(id.slice(0, dot));
  const slot = Number(id.slice(dot + 1));
  if (!(slot >= 1 && slot <= last) || Atomics.load(books.state, slot) === 0 || books.from[slot] !== sender || ids[sender] !== m.senderId) return 0;
  return slot;
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

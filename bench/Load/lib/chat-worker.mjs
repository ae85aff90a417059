// One worker thread of the chat engine (lib/chat.mjs). Its share of the simulated users has its hub
// connections here: the worker sends on their behalf, books each send in the shared message table
// (lib/columns.mjs) and books every `message` event its users receive, whichever worker sent it.
// Spreading users over threads gives each event loop a fraction of the server's bursts (a group
// commit completes hundreds of sends at once), so the generator's own delay in timing them shrinks.
//
// Conversation with the main thread: the worker connects and posts `connected`; `start` begins the
// sending schedule; `stop` ends it and is answered, once the workload's reconnects are done, with
// `stopped` (event-loop delay); `close` closes the connections and is answered with `closed` (counters,
// errors, histograms, conversations). `log` and `failed` may come at any time.
import { parentPort, workerData } from "node:worker_threads";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pool } from "./api.mjs";
import { closeHub, isConnected, openHub } from "./hub.mjs";
import { ACKED, FAILED, INTERRUPTED, SENT, allocate, random, slotOf } from "./columns.mjs";
import { Histogram } from "./histogram.mjs";
import { clock } from "./clock.mjs";
import { serveCommands } from "./worker-commands.mjs";

const { worker, url, orgId, ids, share, p, books, loopResolutionMs } = workerData;
const { from, to, sendAt, state, live, retried, dropped } = books;
const rnd = random(p.seed + 1 + worker);
const body = "x".repeat(Math.max(1, p.bodyBytes));
const closedLoop = !(p.rate > 0);
const log = (message) => parentPort.postMessage({ type: "log", message });

// This worker's users; a user is known everywhere by its global index (ids[index] is its id).
// With `resume`, a user keeps the last cursor its device got (any event's second argument, or
// `messages:offline:stop`'s) and reconnects with it; until `messages:offline:stop` it is `replaying`.
const users = share.map((a) => ({
  index: a.index, id: ids[a.index], token: a.token, contacts: a.contacts, device: undefined, up: false, inflight: 0, retry: [],
  cursor: p.resume ? 0 : undefined, replaying: false, connectingAt: 0, replayedTo: 0,
}));

const ackLatency = new Histogram();
const e2eLatency = new Histogram();
const replayLatency = new Histogram(); // reconnect (before the handshake) to `messages:offline:stop`
const conversations = new Map(); // conversationId -> [userIndexA, userIndexB]
const counters = {
  sent: 0, acked: 0, failed: 0, retries: 0, interrupted: 0, deliveredLive: 0, duplicatesLive: 0,
  echoes: 0, misrouted: 0, unknown: 0, outOfOrder: 0, conversationChanges: 0, reads: 0,
  ackedInWindow: 0, deliveredInWindow: 0, shortfall: 0, tableFull: 0, unexpectedCloses: 0, drops: 0, reconnects: 0,
  replayed: 0, duplicatesReplayed: 0, replays: 0, snapshots: 0, replayedEvents: 0, cursorNotIncreasing: 0, atOrBelowReplay: 0,
};
const errors = {};
const countError = (kind, message) => {
  const key = `${kind}: ${String(message).slice(0, 120)}`;
  errors[key] = (errors[key] ?? 0) + 1;
};
const lastSort = new Map(); // `${recipient}|${conversation}` -> last sortNumber received live
const loopDelay = monitorEventLoopDelay({ resolution: loopResolutionMs });

let windowFrom = Infinity;
let windowTo = Infinity;
let sending = false;
const inWindow = (t) => t >= windowFrom && t <= windowTo;
const tasks = [];
const timers = [];

/** Keeps the device's cursor; every event's must be above the last one it got. */
function advance(u, cursor) {
  if (cursor == null || u.cursor === undefined) return;
  if (cursor <= u.cursor) {
    counters.cursorNotIncreasing++;
    // Live after a replay, but at or below where the replay ended: the replay had sent it already.
    if (!u.replaying && cursor <= u.replayedTo) counters.atOrBelowReplay++;
  } else u.cursor = cursor;
}

const onMessage = (recipient) => (m, cursor) => {
  const now = clock();
  advance(recipient, cursor);
  if (m.senderId === recipient.id) { counters.echoes++; return; }
  const slot = slotOf(m, ids, books);
  if (slot === 0) { counters.unknown++; return; }
  if (to[slot] !== recipient.index || m.recipientId !== recipient.id) { counters.misrouted++; return; }
  const key = `${recipient.index}|${m.conversationId}`;
  if ((lastSort.get(key) ?? 0) >= m.sortNumber) counters.outOfOrder++;
  else lastSort.set(key, m.sortNumber);
  const seen = Atomics.load(live, slot);
  Atomics.store(live, slot, Math.min(255, seen + 1));
  if (seen > 0) { counters.duplicatesLive++; if (recipient.replaying) counters.duplicatesReplayed++; return; }
  if (recipient.replaying) { counters.replayed++; return; }
  counters.deliveredLive++;
  const sentAt = sendAt[slot];
  if (inWindow(now)) counters.deliveredInWindow++;
  if (inWindow(sentAt) && !Atomics.load(retried, slot)) e2eLatency.record((now - sentAt) * 1000);
};

const handlersFor = (u) => ({
  message: onMessage(u),
  "conversation:change": (_, cursor) => { advance(u, cursor); counters.conversationChanges++; },
  "message:read": (_, cursor) => { advance(u, cursor); counters.reads++; },
  "message:delivered": (_, cursor) => advance(u, cursor),
  "messages:offline:stop": (stop) => {
    if (!u.replaying) { countError("replay", "messages:offline:stop without a replay"); return; }
    u.replaying = false;
    counters.replays++;
    counters.replayedEvents += stop.replayed;
    if (u.connectingAt) replayLatency.record((clock() - u.connectingAt) * 1000);
    if (stop.cursor < u.cursor) counters.cursorNotIncreasing++;
    else u.cursor = stop.cursor;
    u.replayedTo = stop.cursor;
    // A snapshot means the feed cannot tell what was missed: the user catches up from history instead.
    if (stop.snapshotRequired) { counters.snapshots++; Atomics.store(dropped, u.index, 1); }
  },
});

async function connect(u, reconnecting = false) {
  u.replaying = u.cursor !== undefined;
  u.connectingAt = reconnecting ? clock() : 0;
  u.device = await openHub(url, u.token, handlersFor(u), (error) => {
    // The server (not the workload) closed this connection: count it; sends fail until the end.
    counters.unexpectedCloses++;
    u.up = false;
    countError("connection closed", error?.message ?? "without error");
  }, u.cursor);
  u.up = true;
}

function send(u, slot, isRetry) {
  const recipient = to[slot];
  u.inflight++;
  counters.sent++;
  if (isRetry) { counters.retries++; Atomics.store(retried, slot, 1); }
  Atomics.store(state, slot, SENT);
  const clientMessageId = `${u.index}.${slot}`;
  u.device.connection.invoke("SendMessage", {
    organizationId: orgId, recipientId: ids[recipient], body, clientMessageId,
  }).then((m) => {
    const now = clock();
    u.inflight--;
    Atomics.store(state, slot, ACKED);
    counters.acked++;
    if (m?.clientMessageId !== clientMessageId || m?.senderId !== u.id || m?.recipientId !== ids[recipient]) {
      countError("ack", "acknowledged message does not match the request");
    }
    if (m?.conversationId && !conversations.has(m.conversationId)) conversations.set(m.conversationId, [u.index, recipient]);
    const sentAt = sendAt[slot];
    if (inWindow(now)) counters.ackedInWindow++;
    if (inWindow(sentAt) && !Atomics.load(retried, slot)) ackLatency.record((now - sentAt) * 1000);
    if (closedLoop) pump(u);
  }, (error) => {
    u.inflight--;
    if (!u.up) {
      // Our own drop cut the call: whether the server stored it is unknown, so the client retries
      // with the same client message id after reconnecting, as an app would.
      counters.interrupted++;
      Atomics.store(state, slot, INTERRUPTED);
      u.retry.push(slot);
    } else {
      counters.failed++;
      Atomics.store(state, slot, FAILED);
      countError("send", error?.message ?? error);
      if (closedLoop) pump(u);
    }
  });
}

/** Books and sends a new message; false when the message table is full (counted as shortfall). */
function sendNew(u) {
  const slot = allocate(books);
  if (slot === 0) {
    if (counters.tableFull++ === 0) log(`the message table (${books.capacity} slots) is full: no more new sends`);
    counters.shortfall++;
    return false;
  }
  from[slot] = u.index;
  to[slot] = u.contacts[Math.floor(rnd() * u.contacts.length)];
  sendAt[slot] = clock();
  send(u, slot, false);
  return true;
}

function pump(u) {
  while (sending && u.up && u.inflight < p.inflight) if (!sendNew(u)) break;
}

async function drop(u) {
  u.up = false;
  // Without a cursor, what a dropped user missed is only in history (read back at the end).
  if (u.cursor === undefined) Atomics.store(dropped, u.index, 1);
  counters.drops++;
  const device = u.device;
  u.device = undefined;
  await closeHub(device);
}

async function reconnect(u) {
  await connect(u, true);
  counters.reconnects++;
  const pending = u.retry.splice(0);
  for (const slot of pending) send(u, slot, true);
  if (closedLoop) pump(u);
}

function start({ t0 }) {
  windowFrom = t0 + p.warmup * 1000;
  windowTo = t0 + p.duration * 1000;
  sending = true;
  timers.push(setTimeout(() => loopDelay.enable(), Math.max(0, windowFrom - clock())));

  if (closedLoop) {
    for (const u of users) pump(u);
  } else {
    // This worker's part of the total rate, in proportion to its users, so every user sends at the
    // same rate whatever worker it is on. The schedule is kept against t0, so a late tick catches up.
    const rate = (p.rate * users.length) / ids.length;
    const maxOutstanding = Math.ceil((p.maxOutstanding * users.length) / ids.length);
    let issued = 0;
    timers.push(setInterval(() => {
      const due = Math.floor(((clock() - t0) / 1000) * rate) - issued;
      for (let k = 0; k < due; k++) {
        issued++;
        if (counters.sent - counters.acked - counters.failed - counters.interrupted >= maxOutstanding) { counters.shortfall++; continue; }
        let u = users[Math.floor(rnd() * users.length)];
        for (let tries = 0; !u.up && tries < 8; tries++) u = users[Math.floor(rnd() * users.length)];
        if (!u.up) { counters.shortfall++; continue; }
        sendNew(u);
      }
    }, 2));
  }

  if (p.dropPercent > 0) {
    timers.push(setInterval(() => {
      // Exactly dropPercent% of this worker's connected users (at least one), chosen at random.
      const up = users.filter((u) => u.up);
      for (let i = up.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [up[i], up[j]] = [up[j], up[i]];
      }
      const victims = up.slice(0, Math.max(1, Math.round((up.length * p.dropPercent) / 100)));
      log(`dropping ${victims.length} connections`);
      for (const u of victims) {
        tasks.push(drop(u)
          .then(() => new Promise((r) => setTimeout(r, p.downtimeMs)))
          .then(() => reconnect(u))
          .catch((e) => countError("reconnect", e?.message ?? e)));
      }
    }, p.dropEvery * 1000));
  }
}

async function stop() {
  sending = false;
  for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
  loopDelay.disable();
  // Reconnects still under way finish (and retry their cut sends) before the main thread drains.
  await Promise.all(tasks);
  return { type: "stopped", loopP99Ms: loopDelay.percentile(99) / 1e6, loopMaxMs: loopDelay.max / 1e6 };
}

async function close() {
  const stillConnected = users.filter((u) => isConnected(u.device)).length;
  const stillReplaying = users.filter((u) => u.replaying).length;
  await pool(users.length, 500, (i) => closeHub(users[i].device).catch(() => {}));
  return {
    type: "closed",
    counters,
    errors,
    stillConnected,
    stillReplaying,
    conversations: [...conversations],
    histograms: { ack: ackLatency.toJSON(), e2e: e2eLatency.toJSON(), replay: replayLatency.toJSON() },
  };
}

serveCommands({ start, stop, close });

// A failed connect ends the worker with an error, which fails the run in the main thread.
await pool(users.length, Math.max(1, Math.ceil(p.connectConcurrency / workerData.workers)), (i) => connect(users[i]));
parentPort.postMessage({ type: "connected" });

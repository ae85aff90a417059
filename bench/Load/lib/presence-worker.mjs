// One worker thread of the presence workload (workloads/presence.mjs): its share of the users has its hub
// connections here. It subscribes them to their users, flaps the flappers among them (SetActive false/true on
// a fixed period) and books every `presence:change` its users receive: the last status seen per subscription
// (by the event's server time `at`, as a client orders them), and the delay from the flap call to the event.
// A flap's time is written, on the shared clock (lib/clock.mjs), into a table every worker reads
// (`flapAt`: per flapper, its latest call to each status), so a subscriber on any thread times its event.
//
// Conversation with the main thread: the worker connects and posts `connected`; `subscribe` is answered with
// `subscribed`; `start` begins the flapping; `stop` ends it and is answered, once every flap call is answered,
// with `stopped` (event-loop delay, flaps per flapper); `close` compares every subscriber's last seen status
// with what its users ended in, closes the connections and is answered with `closed`.
import { parentPort, workerData } from "node:worker_threads";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pool } from "./api.mjs";
import { closeHub, isConnected, openHub } from "./hub.mjs";
import { Histogram } from "./histogram.mjs";
import { clock } from "./clock.mjs";
import { serveCommands } from "./worker-commands.mjs";

const { worker, url, ids, share, p, flappers, books, loopResolutionMs } = workerData;
const { flapAt, finalStatus, received } = books;

/** Status codes in the books (0: nothing seen). */
const AVAILABLE = 1;
const UNAVAILABLE = 2;
const codes = { AVAILABLE, UNAVAILABLE, DND: 3, UNKNOWN: 4 };
const names = ["none", "AVAILABLE", "UNAVAILABLE", "DND", "UNKNOWN"];
const SUBSCRIBE_PER_CALL = 50; // the server's limit on users named by one Subscribe call

// This worker's users; a user is known everywhere by its global index (ids[index] is its id). Users 0..flappers-1 flap.
const users = share.map((a) => {
  const n = a.subscriptions.length;
  return {
    index: a.index, id: ids[a.index], token: a.token, subscriptions: a.subscriptions, device: undefined,
    seen: new Uint8Array(n), seenAt: new Float64Array(n), events: new Int32Array(n),
    flaps: 0, active: true, ackedActive: true,
  };
});
const flapping = users.filter((u) => u.index < flappers);

const delay = new Histogram();
const flapAck = new Histogram();
const counters = {
  connected: 0, unexpectedCloses: 0, subscriptions: 0, seedNotAvailable: 0, subscribedEvents: 0,
  flaps: 0, flapsAcked: 0, flapsFailed: 0, flapsInWindow: 0,
  events: 0, eventsInWindow: 0, stale: 0, overtaken: 0, unmatched: 0, fromSteady: 0, unknown: 0,
};
const errors = {};
const countError = (kind, message) => {
  const key = `${kind}: ${String(message).slice(0, 120)}`;
  errors[key] = (errors[key] ?? 0) + 1;
};
const loopDelay = monitorEventLoopDelay({ resolution: loopResolutionMs });

let windowFrom = Infinity;
let windowTo = Infinity;
let flapsPending = 0;
let flappingOn = false;
const inWindow = (t) => t >= windowFrom && t <= windowTo;
const timers = [];

/** The index of a user id of this run (`u<index>-<run>`), or -1. */
function indexOf(userId) {
  const i = Number.parseInt(String(userId).slice(1), 10);
  return i >= 0 && i < ids.length && ids[i] === userId ? i : -1;
}

/** Takes a presence into the subscriber's view unless it is older (by the server's `at`) than the one held. */
function note(u, k, presence) {
  const at = Date.parse(presence.at);
  if (at < u.seenAt[k]) { counters.stale++; return; }
  u.seen[k] = codes[presence.status] ?? 0;
  u.seenAt[k] = at;
}

const onPresence = (u) => (presence) => {
  const now = clock();
  counters.events++;
  Atomics.add(received, 0, 1);
  if (inWindow(now)) counters.eventsInWindow++;
  const from = indexOf(presence?.userId);
  const k = from < 0 ? -1 : u.subscriptions.indexOf(from);
  if (k < 0) { counters.unknown++; return; }
  u.events[k]++;
  note(u, k, presence);
  if (from >= flappers) { counters.fromSteady++; return; }
  const code = codes[presence.status];
  const sentAt = code === AVAILABLE || code === UNAVAILABLE ? flapAt[from * 2 + code - 1] : 0;
  if (!(sentAt > 0)) { counters.unmatched++; return; }
  // The flapper has flapped again since (the event took longer than a period): still timed against the latest
  // call to this status, which is right as long as the event takes less than two periods.
  const other = flapAt[from * 2 + (code === AVAILABLE ? 1 : 0)];
  if (other > sentAt) counters.overtaken++;
  if (inWindow(sentAt)) delay.record((now - sentAt) * 1000);
};

async function connect(u) {
  u.device = await openHub(url, u.token, {
    "presence:change": onPresence(u),
    "user:subscribed": () => { counters.subscribedEvents++; },
  }, (error) => {
    counters.unexpectedCloses++;
    countError("connection closed", error?.message ?? "without error");
  });
  counters.connected++;
}

async function subscribe() {
  const started = clock();
  await pool(users.length, Math.max(1, Math.ceil(p.subscribeConcurrency / p.workers)), async (i) => {
    const u = users[i];
    for (let from = 0; from < u.subscriptions.length; from += SUBSCRIBE_PER_CALL) {
      const chunk = Array.from(u.subscriptions.subarray(from, from + SUBSCRIBE_PER_CALL), (j) => ids[j]);
      try {
        const presences = await u.device.connection.invoke("Subscribe", chunk);
        for (const presence of presences) {
          const k = u.subscriptions.indexOf(indexOf(presence.userId));
          if (k < 0) { counters.unknown++; continue; }
          counters.subscriptions++;
          if (presence.status !== "AVAILABLE") counters.seedNotAvailable++;
          note(u, k, presence);
        }
      } catch (e) {
        countError("subscribe", e?.message ?? e);
      }
    }
  });
  return { type: "subscribed", seconds: (clock() - started) / 1000 };
}

function flap(u) {
  if (!isConnected(u.device)) { countError("SetActive", "the flapper is not connected"); return; }
  u.active = !u.active;
  const active = u.active;
  const sentAt = clock();
  flapAt[u.index * 2 + (active ? AVAILABLE : UNAVAILABLE) - 1] = sentAt;
  u.flaps++;
  counters.flaps++;
  if (inWindow(sentAt)) counters.flapsInWindow++;
  flapsPending++;
  u.device.connection.invoke("SetActive", active).then(() => {
    flapsPending--;
    counters.flapsAcked++;
    u.ackedActive = active;
    if (inWindow(sentAt)) flapAck.record((clock() - sentAt) * 1000);
  }, (error) => {
    flapsPending--;
    counters.flapsFailed++;
    countError("SetActive", error?.message ?? error);
  });
}

function start({ t0 }) {
  windowFrom = t0 + p.warmup * 1000;
  windowTo = t0 + p.duration * 1000;
  flappingOn = true;
  timers.push(setTimeout(() => loopDelay.enable(), Math.max(0, windowFrom - clock())));
  // Flapper i flaps at t0 + (i / flappers + j) * period: the flappers' phases spread evenly over one period, so
  // the server sees a steady rate of changes rather than one burst per period. Even flappers make an odd number of
  // calls and end in the background (UNAVAILABLE), odd ones an even number and end where they started (AVAILABLE),
  // so the check at the end sees both kinds of last change.
  const period = p.flapPeriod * 1000;
  for (const u of flapping) {
    const phase = u.index / flappers;
    let count = Math.max(0, Math.ceil(p.duration * 1000 / period - phase));
    if (count % 2 !== (u.index % 2 === 0 ? 1 : 0)) count--;
    let j = 0;
    const next = () => {
      const at = t0 + (phase + j) * period;
      if (!flappingOn || j >= count) return;
      timers.push(setTimeout(() => {
        if (!flappingOn) return;
        flap(u);
        j++;
        next();
      }, Math.max(0, at - clock())));
    };
    next();
  }
}

async function stop() {
  flappingOn = false;
  for (const t of timers) clearTimeout(t);
  loopDelay.disable();
  const deadline = clock() + p.drainTimeout * 1000;
  while (flapsPending > 0 && clock() < deadline) await new Promise((r) => setTimeout(r, 20));
  // What each flapper ended in, as far as its answered calls say; the subscribers' views are checked against it.
  for (const u of flapping) Atomics.store(finalStatus, u.index, u.ackedActive ? AVAILABLE : UNAVAILABLE);
  return {
    type: "stopped",
    loopP99Ms: loopDelay.percentile(99) / 1e6,
    loopMaxMs: loopDelay.max / 1e6,
    flapsPending,
    flapsBy: flapping.map((u) => [u.index, u.flaps]),
  };
}

/** Every subscriber's last seen status of each user it follows against what that user ended in. */
function check() {
  const result = { pairs: 0, flapperPairs: 0, mismatches: 0, silentPairs: 0, kinds: {}, examples: [] };
  for (const u of users) {
    if (!isConnected(u.device)) continue; // a closed connection is failed on its own
    u.subscriptions.forEach((from, k) => {
      const expected = from < flappers ? Atomics.load(finalStatus, from) : AVAILABLE;
      result.pairs++;
      if (from < flappers) {
        result.flapperPairs++;
        if (u.events[k] === 0) result.silentPairs++;
      }
      if (u.seen[k] === expected) return;
      result.mismatches++;
      const kind = `${from < flappers ? "flapper" : "steady user"} ended ${names[expected]}, subscriber saw ${names[u.seen[k]]}`;
      result.kinds[kind] = (result.kinds[kind] ?? 0) + 1;
      if (result.examples.length < 5) result.examples.push({ subscriber: u.id, user: ids[from], expected: names[expected], seen: names[u.seen[k]], events: u.events[k] });
    });
  }
  return result;
}

async function close() {
  const verification = check();
  await pool(users.length, 500, (i) => closeHub(users[i].device).catch(() => {}));
  return { type: "closed", counters, errors, verification, histograms: { delay: delay.toJSON(), flapAck: flapAck.toJSON() } };
}

serveCommands({ subscribe, start, stop, close });

await pool(users.length, Math.max(1, Math.ceil(p.connectConcurrency / p.workers)), async (i) => {
  try {
    await connect(users[i]);
  } catch (e) {
    countError("connect", e?.message ?? e);
  }
});
parentPort.postMessage({ type: "connected", worker, connected: counters.connected });

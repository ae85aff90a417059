// The 1-1 chat engine behind `chat-1to1` and `reconnect`: simulated users send to their contacts over
// the hub, every send and every delivery is booked per message, and at the end the books are checked
// exactly: each acknowledged message reached its recipient once (live, or from history after a
// reconnect) and is in the conversation's persisted history once, with gap-free sort numbers.
//
// The main thread provisions the users over REST, keeps the timeline and checks the books; the hub
// connections and the sending are spread over `--workers` worker threads (lib/chat-worker.mjs), user i
// on worker i % workers, all booking into one shared message table (lib/columns.mjs) on one clock
// (lib/clock.mjs).
import { Worker } from "node:worker_threads";
import { pool, provision, readHistory, restClient } from "./api.mjs";
import { ACKED, SENT, createBooks, lastSlot, random, slotOf } from "./columns.mjs";
import { Histogram } from "./histogram.mjs";
import { ProcessSampler, SelfCpu, round2 } from "./proc.mjs";
import { clock } from "./clock.mjs";

export const LOOP_RESOLUTION_MS = 10;

/** Parameters every chat workload understands, with their defaults. */
export const chatDefaults = {
  users: 1000,          // simulated users, one device (hub connection) each
  contacts: 5,          // each user writes to this many fixed, randomly chosen contacts
  rate: 4000,           // messages/s over all users (open loop); 0 = saturation (closed loop)
  inflight: 1,          // closed loop only: unacknowledged sends per user
  duration: 30,         // seconds of sending, warm-up included
  warmup: 5,            // first seconds not counted in latency and throughput
  bodyBytes: 40,        // message body length
  drainTimeout: 15,     // seconds to wait for deliveries after the last send
  maxOutstanding: 50000, // open loop: never more unacknowledged sends than this (counted as shortfall)
  verifyHistory: true,  // read back every conversation and check it against the books
  connectConcurrency: 200,
  provisionConcurrency: 32,
  seed: 42,
  // Worker threads the users are spread over (each has its own event loop); see README.md for why 2.
  workers: 2,
  // reconnect only: every `dropEvery` seconds `dropPercent`% of connections are closed and reopened
  // `downtimeMs` later; 0 disables.
  dropPercent: 0,
  dropEvery: 5,
  downtimeMs: 500,
  // Devices keep the last feed cursor they got and reconnect with `?cursor=`: what they missed is
  // replayed before `messages:offline:stop` (counted as replayed), instead of read from history.
  resume: false,
};

/**
 * Runs one chat workload against ctx.url; ctx.serverPid is sampled. Returns the result record
 * (see lib/report.mjs for how it is written).
 */
export async function runChat(ctx, p, log) {
  const rnd = random(p.seed);
  const closedLoop = !(p.rate > 0);
  const workerCount = Math.max(1, Math.min(Math.floor(p.workers) || 1, p.users));

  log(`provisioning ${p.users} users`);
  const { orgId, users: accounts, timing: provisionTiming } = await provision(ctx.url, ctx.adminKey, p.users, { concurrency: p.provisionConcurrency });
  const users = accounts.map((a) => ({ ...a, contacts: pickContacts(a.index, p.users, p.contacts, rnd) }));
  const ids = users.map((u) => u.id);

  // Room for every message the run can send: the open loop's schedule with a margin; the closed loop
  // at 50,000 msgs/s, beyond what the server reaches on our machines. A full table stops new sends
  // and shows as shortfall (20 bytes a message: 1.5 million messages are 30 MB).
  const capacity = Math.ceil((closedLoop ? 50_000 : p.rate * 1.1) * (p.duration + 2)) + 1024;
  const books = createBooks(capacity, p.users);

  log(`connecting ${p.users} hub connections from ${workerCount} worker thread${workerCount > 1 ? "s" : ""}`);
  const workers = [];
  try {
    for (let w = 0; w < workerCount; w++) {
      const share = users.filter((u) => u.index % workerCount === w).map((u) => ({ index: u.index, token: u.token, contacts: u.contacts }));
      workers.push(startWorker({ worker: w, workers: workerCount, url: ctx.url, orgId, ids, share, p, books, loopResolutionMs: LOOP_RESOLUTION_MS }, log));
    }
    await Promise.all(workers.map((w) => w.reply("connected")));

    const sampler = new ProcessSampler(ctx.serverPid).start();
    log(`sending for ${p.duration}s (${closedLoop ? `saturation, ${p.inflight} in flight per user` : `${p.rate} msgs/s`})`);
    const { t0Local, sendEnd, generatorCores, server } = await sendingWindow(workers, p, sampler, ctx.onMeasureStart);

    // Drain: reconnects still under way finish (and retry) in the workers, then every acknowledged
    // message has its chance to arrive.
    log("draining");
    const stopped = await Promise.all(workers.map((w) => w.reply("stopped")));
    const drainDeadline = performance.now() + p.drainTimeout * 1000;
    for (;;) {
      const { inFlight, undelivered } = scanBooks(books);
      if ((inFlight === 0 && undelivered === 0) || performance.now() > drainDeadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainSeconds = round2((performance.now() - sendEnd) / 1000);
    sampler.stop();

    // Each worker closes its connections and hands over what it counted.
    log("closing connections");
    const reports = await Promise.all(workers.map((w) => w.reply("closed", { type: "close" })));
    const counters = {};
    const errors = {};
    const conversations = new Map(); // conversationId -> [userIndexA, userIndexB]
    const ackLatency = new Histogram();
    const e2eLatency = new Histogram();
    const replayLatency = new Histogram();
    let stillConnected = 0;
    let stillReplaying = 0;
    for (const r of reports) {
      for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
      for (const [id, pair] of r.conversations) if (!conversations.has(id)) conversations.set(id, pair);
      ackLatency.add(Histogram.fromJSON(r.histograms.ack));
      e2eLatency.add(Histogram.fromJSON(r.histograms.e2e));
      replayLatency.add(Histogram.fromJSON(r.histograms.replay));
      stillConnected += r.stillConnected;
      stillReplaying += r.stillReplaying;
    }
    const last = lastSlot(books);
    const { state, live, caughtUp: caught, dropped } = books;

    // Catch-up: a recipient that was disconnected reads its conversations' history, as an app does
    // after a reconnect, and counts what it finds there that never came live.
    let caughtUp = 0;
    const catchUpUsers = users.filter((u) => dropped[u.index]);
    if (catchUpUsers.length > 0) {
      log(`catching up ${catchUpUsers.length} reconnected users from history`);
      await pool(catchUpUsers.length, 16, async (i) => {
        const r = catchUpUsers[i];
        const client = restClient(ctx.url, { token: r.token });
        const list = await client.get(`/v1/organizations/${encodeURIComponent(orgId)}/conversations`);
        const items = Array.isArray(list) ? list : (list.items ?? list.conversations ?? []);
        for (const c of items) {
          for (const m of await readHistory(client, c.id ?? c.conversationId)) {
            if (m.recipientId !== r.id) continue;
            const slot = slotOf(m, ids, books, last);
            if (slot && live[slot] === 0 && caught[slot] === 0) { caught[slot] = 1; caughtUp++; }
          }
        }
      });
    }

    // Persistence: every acknowledged message is in its conversation's history once, numbered 1..n.
    const stored = new Uint8Array(last + 1); // times each slot was found in history
    const history = { checked: false, conversations: conversations.size, messages: 0, missing: 0, duplicated: 0, gaps: 0, unacknowledgedStored: 0, seconds: 0 };
    if (p.verifyHistory) {
      log(`reading back ${conversations.size} conversations`);
      const started = performance.now();
      const entries = [...conversations.entries()];
      await pool(entries.length, 16, async (i) => {
        const [conversationId, [a]] = entries[i];
        const messages = await readHistory(restClient(ctx.url, { token: users[a].token }), conversationId);
        history.messages += messages.length;
        messages.forEach((m, k) => { if (m.sortNumber !== k + 1) history.gaps++; });
        for (const m of messages) {
          const slot = slotOf(m, ids, books, last);
          if (!slot) { history.unacknowledgedStored++; continue; }
          if (stored[slot] > 0) history.duplicated++;
          stored[slot] = Math.min(255, stored[slot] + 1);
          if (state[slot] !== ACKED) history.unacknowledgedStored++;
        }
      });
      history.checked = true;
      history.seconds = round2((performance.now() - started) / 1000);
    }

    // The books: each acknowledged message reached its recipient exactly once and is stored; a message
    // that is both undelivered and unstored counts once. The workers have ended their sends, so plain
    // reads see their last writes (every reply they posted came after them).
    let lost = 0;
    let lostLive = 0;
    const duplicated = counters.duplicatesLive + history.duplicated;
    let unacknowledged = 0;
    let deliveredUnacked = 0;
    for (let slot = 1; slot <= last; slot++) {
      if (state[slot] === 0) continue; // handed out when the table was full, never used
      const got = live[slot] + caught[slot];
      if (state[slot] === ACKED) {
        const missing = history.checked && stored[slot] === 0;
        if (missing) history.missing++;
        if (got === 0) lostLive++;
        if (got === 0 || missing) lost++;
      } else {
        unacknowledged++;
        if (got > 0) deliveredUnacked++;
      }
    }

    const windowSeconds = (Math.min(sendEnd - t0Local, p.duration * 1000) - p.warmup * 1000) / 1000;
    const errorCount = Object.values(errors).reduce((x, y) => x + y, 0);
    return {
      params: { ...p, workers: workerCount },
      orgId,
      provisioning: provisionTiming,
      measured: { windowSeconds: round2(windowSeconds), drainSeconds },
      messages: {
        sent: counters.sent - counters.retries,
        attempts: counters.sent,
        acked: counters.acked,
        failed: counters.failed,
        interrupted: counters.interrupted,
        retries: counters.retries,
        unacknowledged,
        deliveredLive: counters.deliveredLive,
        replayed: counters.replayed,
        caughtUpFromHistory: caughtUp,
        deliveredUnacked,
        echoes: counters.echoes,
        misrouted: counters.misrouted,
        unknown: counters.unknown,
        outOfOrder: counters.outOfOrder,
        conversationChanges: counters.conversationChanges,
        shortfall: counters.shortfall,
      },
      throughput: {
        targetPerSec: closedLoop ? null : p.rate,
        ackedPerSec: Math.round(counters.ackedInWindow / windowSeconds),
        deliveredPerSec: Math.round(counters.deliveredInWindow / windowSeconds),
      },
      latencyUs: { ack: ackLatency.summary(), e2e: e2eLatency.summary(), ...(p.resume ? { replay: replayLatency.summary() } : {}) },
      histograms: { ack: ackLatency.toJSON(), e2e: e2eLatency.toJSON() },
      verification: {
        lost, lostLive, notPersisted: history.missing, duplicated, duplicatedLive: counters.duplicatesLive,
        duplicatedInReplay: counters.duplicatesReplayed, cursorNotIncreasing: counters.cursorNotIncreasing,
        liveAtOrBelowReplay: counters.atOrBelowReplay, history,
      },
      connections: {
        drops: counters.drops, reconnects: counters.reconnects, unexpectedCloses: counters.unexpectedCloses, stillConnected,
        ...(p.resume ? { replays: counters.replays, replayedEvents: counters.replayedEvents, snapshots: counters.snapshots, stillReplaying } : {}),
      },
      errors: { count: errorCount, kinds: errors },
      server: serverFigures(server, sampler.series(t0Local), windowSeconds, counters.deliveredInWindow),
      generator: generatorFigures(generatorCores, workerCount, stopped),
      ok: lost === 0 && duplicated === 0 && errorCount === 0 && counters.misrouted === 0 && counters.unknown === 0
        && history.gaps === 0 && unacknowledged === 0 && counters.acked > 0
        && counters.cursorNotIncreasing === 0 && stillReplaying === 0,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * A worker thread (lib/chat-worker.mjs unless `script` names another): `post(command)`, and `reply(type, command?)` that posts the
 * command if given and resolves with the worker's next message of that type. A worker's error, a
 * `failed` message or its early exit rejects every reply awaited from it, so the run fails.
 */
export function startWorker(workerData, log, script = new URL("./chat-worker.mjs", import.meta.url)) {
  const worker = new Worker(script, { workerData });
  const arrived = new Map(); // type -> message that came before anyone asked for it
  const waiting = new Map(); // type -> { resolve, reject }
  let failure;
  const fail = (error) => {
    failure ??= error;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  worker.on("message", (m) => {
    if (m.type === "log") { log(`worker ${workerData.worker}: ${m.message}`); return; }
    if (m.type === "failed") { fail(new Error(`worker ${workerData.worker}: ${m.error}`)); return; }
    const w = waiting.get(m.type);
    if (w) { waiting.delete(m.type); w.resolve(m); } else arrived.set(m.type, m);
  });
  worker.on("error", (e) => fail(e));
  worker.on("exit", (code) => fail(new Error(`worker ${workerData.worker} exited (code ${code})`)));
  return {
    post: (command) => worker.postMessage(command),
    reply(type, command) {
      if (command) worker.postMessage(command);
      if (arrived.has(type)) { const m = arrived.get(type); arrived.delete(type); return Promise.resolve(m); }
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.set(type, { resolve, reject }));
    },
    terminate: () => worker.terminate(),
  };
}

/** Sends still awaiting their ack, and acknowledged messages not yet delivered to a recipient that stayed connected. */
function scanBooks(books) {
  const { state, live, to, dropped } = books;
  let inFlight = 0;
  let undelivered = 0;
  for (let slot = 1, last = lastSlot(books); slot <= last; slot++) {
    const s = Atomics.load(state, slot);
    if (s === SENT) inFlight++;
    else if (s === ACKED && Atomics.load(live, slot) === 0 && !Atomics.load(dropped, to[slot])) undelivered++;
  }
  return { inFlight, undelivered };
}

/** `k` distinct users other than `self` (of `count`), at random. */
export function pickContacts(self, count, k, rnd) {
  const wanted = Math.min(k, count - 1);
  const chosen = new Set();
  while (chosen.size < wanted) {
    const c = Math.floor(rnd() * count);
    if (c !== self) chosen.add(c);
  }
  return Int32Array.from(chosen);
}

/**
 * Starts every worker's sending at one t0, stops it after `duration` seconds, and measures from `warmup` on: the
 * server's samples and the generator's CPU (process.cpuUsage() is the whole process's, so every worker thread's).
 * The sampler's marks are this thread's performance.now(); the workers' are the shared clock.
 */
export async function sendingWindow(workers, p, sampler, onMeasureStart) {
  let self;
  const t0 = clock();
  const t0Local = performance.now();
  for (const w of workers) w.post({ type: "start", t0 });
  const warmupTimer = setTimeout(() => { self = new SelfCpu(); onMeasureStart?.(); }, p.warmup * 1000);
  await new Promise((r) => setTimeout(r, p.duration * 1000));
  for (const w of workers) w.post({ type: "stop" });
  clearTimeout(warmupTimer);
  const sendEnd = performance.now();
  return { t0Local, sendEnd, generatorCores: self?.cores() ?? null, server: sampler.window(t0Local + p.warmup * 1000, sendEnd) };
}

/** The server's figures over the measured window: CPU (also per delivered message), memory, disk, threads. */
export function serverFigures(server, series, windowSeconds, delivered) {
  const perDelivered = (total) => (total != null && delivered ? (total * windowSeconds) / delivered : null);
  const cpuUs = perDelivered(server.cpuCores == null ? null : server.cpuCores * 1e6);
  return {
    cpuCores: server.cpuCores,
    cpuUsPerDelivered: cpuUs == null ? null : Math.round(cpuUs),
    rssMaxMB: mb(server.rssMaxBytes),
    rssLastMB: mb(server.rssLastBytes),
    diskWriteMBPerSec: server.diskWriteBytesPerSec == null ? null : Math.round(server.diskWriteBytesPerSec / 104857.6) / 10,
    diskWriteKBPerDelivered: perDelivered(server.diskWriteBytesPerSec) == null ? null : Math.round(perDelivered(server.diskWriteBytesPerSec) / 102.4) / 10,
    threadsMax: server.threadsMax,
    series,
  };
}

/**
 * The generator's own load. Node's monitor counts its own 10 ms timer in each value: the lag is what lies beyond it.
 * A lagging loop delays the `message` timestamps, so this bounds the generator's share of a latency; with several
 * workers, the worst worker's figure is the bound.
 */
export function generatorFigures(cpuCores, workers, stopped) {
  const lag = (ms) => round2(Math.max(0, ms - LOOP_RESOLUTION_MS));
  return {
    cpuCores,
    workers,
    eventLoopLagP99Ms: Math.max(0, ...stopped.map((s) => lag(s.loopP99Ms))),
    eventLoopLagMaxMs: Math.max(0, ...stopped.map((s) => lag(s.loopMaxMs))),
    eventLoopLagP99MsByWorker: stopped.map((s) => lag(s.loopP99Ms)),
  };
}

export const mb = (bytes) => (bytes == null ? null : Math.round((bytes / 1048576) * 10) / 10);

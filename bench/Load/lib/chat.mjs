// The 1-1 chat engine behind `chat-1to1` and `reconnect`: simulated users send to their contacts over
// the hub, every send and every delivery is booked per message, and at the end the books are checked
// exactly: each acknowledged message reached its recipient once (live, or from history after a
// reconnect) and is in the conversation's persisted history once, with gap-free sort numbers.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pool, provision, readHistory, restClient } from "./api.mjs";
import { closeHub, isConnected, openHub } from "./hub.mjs";
import { Column, random } from "./columns.mjs";
import { Histogram } from "./histogram.mjs";
import { ProcessSampler, SelfCpu, round2 } from "./proc.mjs";

// Message states in the sender's book.
const SENT = 1;
const ACKED = 2;
const FAILED = 3;
const INTERRUPTED = 4; // the sender's connection was dropped by the workload before the ack; retried
const LOOP_RESOLUTION_MS = 10;

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
  // reconnect only: every `dropEvery` seconds `dropPercent`% of connections are closed and reopened
  // `downtimeMs` later; 0 disables.
  dropPercent: 0,
  dropEvery: 5,
  downtimeMs: 500,
};

/**
 * Runs one chat workload against ctx.url; ctx.serverPid is sampled. Returns the result record
 * (see lib/report.mjs for how it is written).
 */
export async function runChat(ctx, p, log) {
  const rnd = random(p.seed);
  const body = "x".repeat(Math.max(1, p.bodyBytes));
  const closedLoop = !(p.rate > 0);

  log(`provisioning ${p.users} users`);
  const { orgId, users: accounts, timing: provisionTiming } = await provision(ctx.url, ctx.adminKey, p.users, { concurrency: p.provisionConcurrency });
  const users = accounts.map((a) => ({
    ...a,
    device: undefined,
    up: false,
    dropped: false, // was disconnected at least once during the run
    contacts: pickContacts(a.index, p.users, p.contacts, rnd),
    seq: 0,
    inflight: 0,
    retry: [],
    sendAt: new Column(Float64Array),
    to: new Column(Int32Array),
    state: new Column(Uint8Array),
    live: new Column(Uint8Array),   // deliveries seen as `message` events by the recipient
    caughtUp: new Column(Uint8Array), // found in history by a recipient that had been disconnected
    retried: new Column(Uint8Array),
  }));
  const byId = new Map(users.map((u) => [u.id, u]));

  const ackLatency = new Histogram();
  const e2eLatency = new Histogram();
  const conversations = new Map(); // conversationId -> [userIndexA, userIndexB]
  const counters = {
    sent: 0, acked: 0, failed: 0, retries: 0, interrupted: 0, deliveredLive: 0, duplicatesLive: 0,
    echoes: 0, misrouted: 0, unknown: 0, outOfOrder: 0, conversationChanges: 0, reads: 0,
    ackedInWindow: 0, deliveredInWindow: 0, shortfall: 0, unexpectedCloses: 0, drops: 0, reconnects: 0,
  };
  const errors = {};
  const countError = (kind, message) => {
    const key = `${kind}: ${String(message).slice(0, 120)}`;
    errors[key] = (errors[key] ?? 0) + 1;
  };
  const lastSort = new Map(); // `${recipient}|${conversation}` -> last sortNumber received live

  let t0 = 0;
  let windowFrom = Infinity;
  let windowTo = Infinity;
  let sending = false;
  const inWindow = (t) => t >= windowFrom && t <= windowTo;

  const onMessage = (recipient) => (m) => {
    const now = performance.now();
    if (m.senderId === recipient.id) { counters.echoes++; return; }
    const dot = typeof m.clientMessageId === "string" ? m.clientMessageId.indexOf(".") : -1;
    const sender = dot > 0 ? users[Number(m.clientMessageId.slice(0, dot))] : undefined;
    const seq = dot > 0 ? Number(m.clientMessageId.slice(dot + 1)) : 0;
    if (!sender || sender.id !== m.senderId || seq < 1 || seq > sender.seq) { counters.unknown++; return; }
    if (users[sender.to.get(seq)] !== recipient || m.recipientId !== recipient.id) { counters.misrouted++; return; }
    const key = `${recipient.index}|${m.conversationId}`;
    if ((lastSort.get(key) ?? 0) >= m.sortNumber) counters.outOfOrder++;
    else lastSort.set(key, m.sortNumber);
    const seen = sender.live.get(seq);
    sender.live.set(seq, Math.min(255, seen + 1));
    if (seen > 0) { counters.duplicatesLive++; return; }
    counters.deliveredLive++;
    const sentAt = sender.sendAt.get(seq);
    if (inWindow(now)) counters.deliveredInWindow++;
    if (inWindow(sentAt) && !sender.retried.get(seq)) e2eLatency.record((now - sentAt) * 1000);
  };

  const handlersFor = (u) => ({
    message: onMessage(u),
    "conversation:change": () => { counters.conversationChanges++; },
    "message:read": () => { counters.reads++; },
  });

  async function connect(u) {
    u.device = await openHub(ctx.url, u.token, handlersFor(u), (error) => {
      // The server (not the workload) closed this connection: count it; sends fail until the end.
      counters.unexpectedCloses++;
      u.up = false;
      countError("connection closed", error?.message ?? "without error");
    });
    u.up = true;
  }

  function send(u, seq, isRetry) {
    const to = users[u.to.get(seq)];
    u.inflight++;
    counters.sent++;
    if (isRetry) { counters.retries++; u.retried.set(seq, 1); }
    u.state.set(seq, SENT);
    u.device.connection.invoke("SendMessage", {
      organizationId: orgId, recipientId: to.id, body, clientMessageId: `${u.index}.${seq}`,
    }).then((m) => {
      const now = performance.now();
      u.inflight--;
      u.state.set(seq, ACKED);
      counters.acked++;
      if (m?.clientMessageId !== `${u.index}.${seq}` || m?.senderId !== u.id || m?.recipientId !== to.id) {
        countError("ack", "acknowledged message does not match the request");
      }
      if (m?.conversationId && !conversations.has(m.conversationId)) conversations.set(m.conversationId, [u.index, to.index]);
      const sentAt = u.sendAt.get(seq);
      if (inWindow(now)) counters.ackedInWindow++;
      if (inWindow(sentAt) && !u.retried.get(seq)) ackLatency.record((now - sentAt) * 1000);
      if (closedLoop) pump(u);
    }, (error) => {
      u.inflight--;
      if (!u.up) {
        // Our own drop cut the call: whether the server stored it is unknown, so the client retries
        // with the same client message id after reconnecting, as an app would.
        counters.interrupted++;
        u.state.set(seq, INTERRUPTED);
        u.retry.push(seq);
      } else {
        counters.failed++;
        u.state.set(seq, FAILED);
        countError("send", error?.message ?? error);
        if (closedLoop) pump(u);
      }
    });
  }

  function sendNew(u) {
    const seq = ++u.seq;
    u.to.set(seq, u.contacts[Math.floor(rnd() * u.contacts.length)]);
    u.sendAt.set(seq, performance.now());
    send(u, seq, false);
  }

  function pump(u) {
    while (sending && u.up && u.inflight < p.inflight) sendNew(u);
  }

  async function drop(u) {
    u.up = false;
    u.dropped = true;
    counters.drops++;
    const device = u.device;
    u.device = undefined;
    await closeHub(device);
  }

  async function reconnect(u) {
    await connect(u);
    counters.reconnects++;
    const pending = u.retry.splice(0);
    for (const seq of pending) send(u, seq, true);
    if (closedLoop) pump(u);
  }

  log(`connecting ${p.users} hub connections`);
  await pool(users.length, p.connectConcurrency, (i) => connect(users[i]));

  const sampler = new ProcessSampler(ctx.serverPid).start();
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const tasks = [];
  let self;
  log(`sending for ${p.duration}s (${closedLoop ? `saturation, ${p.inflight} in flight per user` : `${p.rate} msgs/s`})`);
  t0 = performance.now();
  windowFrom = t0 + p.warmup * 1000;
  windowTo = t0 + p.duration * 1000;
  sending = true;
  const warmupTimer = setTimeout(() => { self = new SelfCpu(); loopDelay.enable(); ctx.onMeasureStart?.(); }, p.warmup * 1000);

  let ticker;
  if (closedLoop) {
    for (const u of users) pump(u);
  } else {
    let issued = 0;
    ticker = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * p.rate) - issued;
      for (let k = 0; k < due; k++) {
        issued++;
        if (counters.sent - counters.acked - counters.failed - counters.interrupted >= p.maxOutstanding) { counters.shortfall++; continue; }
        let u = users[Math.floor(rnd() * users.length)];
        for (let tries = 0; !u.up && tries < 8; tries++) u = users[Math.floor(rnd() * users.length)];
        if (!u.up) { counters.shortfall++; continue; }
        sendNew(u);
      }
    }, 2);
  }

  let dropper;
  if (p.dropPercent > 0) {
    dropper = setInterval(() => {
      // Exactly dropPercent% of the connected users (at least one), chosen at random.
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
    }, p.dropEvery * 1000);
  }

  await new Promise((r) => setTimeout(r, p.duration * 1000));
  sending = false;
  clearInterval(ticker);
  clearInterval(dropper);
  clearTimeout(warmupTimer);
  const sendEnd = performance.now();
  const generatorCores = self?.cores() ?? null;
  loopDelay.disable();
  const server = sampler.window(windowFrom, sendEnd);

  // Drain: reconnects still under way finish (and retry), then every acknowledged message has its
  // chance to arrive.
  log("draining");
  await Promise.all(tasks);
  const drainDeadline = performance.now() + p.drainTimeout * 1000;
  for (;;) {
    const outstanding = counters.sent - counters.acked - counters.failed - counters.interrupted;
    const undelivered = countUndelivered(users);
    if ((outstanding <= 0 && undelivered === 0) || performance.now() > drainDeadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const drainSeconds = round2((performance.now() - sendEnd) / 1000);
  sampler.stop();

  // Catch-up: a recipient that was disconnected reads its conversations' history, as an app does
  // after a reconnect, and counts what it finds there that never came live.
  let caughtUp = 0;
  const catchUpUsers = users.filter((u) => u.dropped);
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
          const parsed = parseClientId(m, users);
          if (!parsed) continue;
          const { sender, seq } = parsed;
          if (sender.live.get(seq) === 0 && sender.caughtUp.get(seq) === 0) { sender.caughtUp.set(seq, 1); caughtUp++; }
        }
      }
    });
  }

  // Persistence: every acknowledged message is in its conversation's history once, numbered 1..n.
  const found = new Map(); // sender index -> Set of the seqs found in history
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
        const parsed = parseClientId(m, users);
        if (!parsed) { history.unacknowledgedStored++; continue; }
        let seen = found.get(parsed.sender.index);
        if (!seen) found.set(parsed.sender.index, (seen = new Set()));
        if (seen.has(parsed.seq)) history.duplicated++;
        seen.add(parsed.seq);
        if (parsed.sender.state.get(parsed.seq) !== ACKED) history.unacknowledgedStored++;
      }
    });
    history.checked = true;
    history.seconds = round2((performance.now() - started) / 1000);
  }

  // The books: each acknowledged message reached its recipient exactly once and is stored; a message
  // that is both undelivered and unstored counts once.
  let lost = 0;
  let lostLive = 0;
  let duplicated = counters.duplicatesLive + history.duplicated;
  let unacknowledged = 0;
  let deliveredUnacked = 0;
  for (const u of users) {
    const stored = found.get(u.index);
    for (let seq = 1; seq <= u.seq; seq++) {
      const state = u.state.get(seq);
      const got = u.live.get(seq) + u.caughtUp.get(seq);
      if (state === ACKED) {
        const missing = history.checked && !stored?.has(seq);
        if (missing) history.missing++;
        if (got === 0) lostLive++;
        if (got === 0 || missing) lost++;
      } else {
        unacknowledged++;
        if (got > 0) deliveredUnacked++;
      }
    }
  }

  log("closing connections");
  await pool(users.length, 500, (i) => closeHub(users[i].device).catch(() => {}));

  const windowSeconds = (Math.min(sendEnd, windowTo) - windowFrom) / 1000;
  const lostTotal = lost;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    params: p,
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
    latencyUs: { ack: ackLatency.summary(), e2e: e2eLatency.summary() },
    histograms: { ack: ackLatency.toJSON(), e2e: e2eLatency.toJSON() },
    verification: { lost: lostTotal, lostLive, notPersisted: history.missing, duplicated, duplicatedLive: counters.duplicatesLive, history },
    connections: { drops: counters.drops, reconnects: counters.reconnects, unexpectedCloses: counters.unexpectedCloses, stillConnected: users.filter((u) => isConnected(u.device)).length },
    errors: { count: errorCount, kinds: errors },
    server: {
      cpuCores: server.cpuCores,
      cpuUsPerDelivered: server.cpuCores && counters.deliveredInWindow ? Math.round((server.cpuCores * 1e6 * windowSeconds) / counters.deliveredInWindow) : null,
      rssMaxMB: mb(server.rssMaxBytes),
      rssLastMB: mb(server.rssLastBytes),
      diskWriteMBPerSec: server.diskWriteBytesPerSec == null ? null : Math.round(server.diskWriteBytesPerSec / 104857.6) / 10,
      diskWriteKBPerDelivered: server.diskWriteBytesPerSec == null || !counters.deliveredInWindow ? null : Math.round((server.diskWriteBytesPerSec * windowSeconds) / counters.deliveredInWindow / 102.4) / 10,
      threadsMax: server.threadsMax,
      series: sampler.series(t0),
    },
    // Node's monitor counts its own 10 ms timer in each value: the lag is what lies beyond it. A
    // lagging loop delays the `message` timestamps, so this bounds the generator's share of a latency.
    generator: {
      cpuCores: generatorCores,
      eventLoopLagP99Ms: round2(Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS)),
      eventLoopLagMaxMs: round2(Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS)),
    },
    ok: lostTotal === 0 && duplicated === 0 && errorCount === 0 && counters.misrouted === 0 && counters.unknown === 0
      && history.gaps === 0 && unacknowledged === 0 && counters.acked > 0,
  };
}

function pickContacts(self, count, k, rnd) {
  const wanted = Math.min(k, count - 1);
  const chosen = new Set();
  while (chosen.size < wanted) {
    const c = Math.floor(rnd() * count);
    if (c !== self) chosen.add(c);
  }
  return Int32Array.from(chosen);
}

function countUndelivered(users) {
  let n = 0;
  for (const u of users) {
    for (let seq = 1; seq <= u.seq; seq++) {
      if (u.state.get(seq) === ACKED && u.live.get(seq) === 0 && !users[u.to.get(seq)].dropped) n++;
    }
  }
  return n;
}

function parseClientId(m, users) {
  const id = m.clientMessageId;
  const dot = typeof id === "string" ? id.indexOf(".") : -1;
  if (dot <= 0) return undefined;
  const sender = users[Number(id.slice(0, dot))];
  const seq = Number(id.slice(dot + 1));
  if (!sender || sender.id !== m.senderId || !(seq >= 1 && seq <= sender.seq)) return undefined;
  return { sender, seq };
}

export const mb = (bytes) => (bytes == null ? null : Math.round((bytes / 1048576) * 10) / 10);

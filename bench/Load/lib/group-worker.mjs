// One worker thread of the group engine (lib/groups.mjs): its share of the members has its hub
// connections here; it sends for the senders among them and books every `message` event in the shared
// table (per group and sortNumber: acknowledged at, received by how many). A message carries its send
// time (the shared clock, lib/clock.mjs) at the start of its body, so any worker can time its delivery.
// The conversation with the main thread is lib/chat-worker.mjs's: connected, start, stop/stopped, close/closed.
import { parentPort, workerData } from "node:worker_threads";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pool } from "./api.mjs";
import { closeHub, openHub } from "./hub.mjs";
import { random } from "./columns.mjs";
import { Histogram } from "./histogram.mjs";
import { clock } from "./clock.mjs";
import { serveCommands } from "./worker-commands.mjs";

const { worker, url, share, p, books, loopResolutionMs } = workerData;
const { capacity, ackedAt, receipts, inFlight } = books;
const rnd = random(p.seed + 1 + worker);
const closedLoop = !(p.rate > 0);
const padding = "x".repeat(Math.max(1, p.bodyBytes - 20));

const users = share.map((u) => ({ ...u, device: undefined, inflight: 0, next: 0, seen: new Uint8Array(capacity), lastSortNumber: 0 }));
const senders = users.filter((u) => u.sends);
const ackLatency = new Histogram();
const e2eLatency = new Histogram();
const counters = {
  sent: 0, acked: 0, failed: 0, deliveredLive: 0, duplicatesLive: 0, echoes: 0, unknown: 0, outOfOrder: 0,
  conversationChanges: 0, ackedInWindow: 0, deliveredInWindow: 0, shortfall: 0,
};
const errors = {};
const countError = (kind, message) => {
  const key = `${kind}: ${String(message).slice(0, 120)}`;
  errors[key] = (errors[key] ?? 0) + 1;
};
const loopDelay = monitorEventLoopDelay({ resolution: loopResolutionMs });

let windowFrom = Infinity;
let windowTo = Infinity;
let sending = false;
const inWindow = (t) => t >= windowFrom && t <= windowTo;
const timers = [];

const onMessage = (u) => (m) => {
  const now = clock();
  if (m.type !== "text") return; // membership changes while the groups were set up
  if (m.conversationId !== u.conversationId || !(m.sortNumber > 0 && m.sortNumber < capacity)) { counters.unknown++; return; }
  if (m.senderId === u.id) { counters.echoes++; return; }
  if (u.seen[m.sortNumber]++ > 0) { counters.duplicatesLive++; return; }
  if (m.sortNumber < u.lastSortNumber) counters.outOfOrder++;
  u.lastSortNumber = Math.max(u.lastSortNumber, m.sortNumber);
  Atomics.add(receipts, u.group * capacity + m.sortNumber, 1);
  counters.deliveredLive++;
  if (inWindow(now)) counters.deliveredInWindow++;
  const sentAt = Number(m.body.slice(0, m.body.indexOf("|")));
  if (inWindow(sentAt)) e2eLatency.record((now - sentAt) * 1000);
};

async function connect(u) {
  u.device = await openHub(url, u.token, {
    message: onMessage(u),
    "conversation:change": () => { counters.conversationChanges++; },
  }, (error) => countError("connection closed", error?.message ?? "without error"));
}

function send(u) {
  const sentAt = clock();
  const clientMessageId = `${u.index}.${++u.next}`;
  u.inflight++;
  Atomics.add(inFlight, 0, 1);
  counters.sent++;
  u.device.connection.invoke("SendToConversation", u.conversationId, { body: `${sentAt}|${padding}`, clientMessageId }).then((m) => {
    const now = clock();
    u.inflight--;
    Atomics.sub(inFlight, 0, 1);
    counters.acked++;
    if (m?.clientMessageId !== clientMessageId || m?.senderId !== u.id || !(m.sortNumber < capacity)) {
      countError("ack", "acknowledged message does not match the request, or the table is full");
    } else {
      ackedAt[u.group * capacity + m.sortNumber] = sentAt;
    }
    if (inWindow(now)) counters.ackedInWindow++;
    if (inWindow(sentAt)) ackLatency.record((now - sentAt) * 1000);
    if (closedLoop) pump(u);
  }, (error) => {
    u.inflight--;
    Atomics.sub(inFlight, 0, 1);
    counters.failed++;
    countError("send", error?.message ?? error);
    if (closedLoop) pump(u);
  });
}

function pump(u) {
  while (sending && u.inflight < p.inflight) send(u);
}

function start({ t0 }) {
  windowFrom = t0 + p.warmup * 1000;
  windowTo = t0 + p.duration * 1000;
  sending = true;
  timers.push(setTimeout(() => loopDelay.enable(), Math.max(0, windowFrom - clock())));
  if (senders.length === 0) return;
  if (closedLoop) {
    for (const u of senders) pump(u);
    return;
  }

  // This worker's part of the total rate, in proportion to its senders; kept against t0, so a late tick catches up.
  const rate = (p.rate * senders.length) / (p.senders * p.groups);
  let issued = 0;
  timers.push(setInterval(() => {
    const due = Math.floor(((clock() - t0) / 1000) * rate) - issued;
    for (let k = 0; k < due; k++) {
      issued++;
      send(senders[Math.floor(rnd() * senders.length)]);
    }
  }, 2));
}

function stop() {
  sending = false;
  for (const t of timers) clearTimeout(t);
  loopDelay.disable();
  return Promise.resolve({ type: "stopped", loopP99Ms: loopDelay.percentile(99) / 1e6, loopMaxMs: loopDelay.max / 1e6 });
}

async function close() {
  await pool(users.length, 500, (i) => closeHub(users[i].device).catch(() => {}));
  return { type: "closed", counters, errors, histograms: { ack: ackLatency.toJSON(), e2e: e2eLatency.toJSON() } };
}

serveCommands({ start, stop, close });

await pool(users.length, Math.max(1, Math.ceil(p.connectConcurrency / p.workers)), (i) => connect(users[i]));
parentPort.postMessage({ type: "connected" });

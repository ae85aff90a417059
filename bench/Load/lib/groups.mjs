// The group chat engine behind `group-chat` and `forum`: `--groups` groups (or forums) of `--members`
// users each, every member connected with its own device, `--senders` members per group sending to the
// group's conversation at a total `--rate` (0: saturation, closed loop). Every member's `message`
// events are booked per group and sortNumber in a shared table (lib/group-worker.mjs), so at the end
// the books say exactly: each acknowledged message reached every other member once, and the group's
// persisted history holds each once, numbered without a gap.
import { pool, provision, readHistory, restClient } from "./api.mjs";
import { Histogram } from "./histogram.mjs";
import { ProcessSampler, round2 } from "./proc.mjs";
import { LOOP_RESOLUTION_MS, generatorFigures, sendingWindow, serverFigures, startWorker } from "./chat.mjs";

const MEMBERS_PER_CALL = 100; // the server's limit on members named by one create or add call
const BROADCAST_ABOVE = 100; // the server's GroupLimits.BroadcastAbove

export const groupDefaults = {
  groups: 20,           // groups, each with its own members
  members: 50,          // users per group, one device (hub connection) each
  senders: 50,          // members per group that send
  type: "group",        // "group" or "forum"
  rate: 100,            // messages/s over all groups (open loop); 0 = saturation (closed loop)
  inflight: 1,          // closed loop only: unacknowledged sends per sender
  duration: 30,         // seconds of sending, warm-up included
  warmup: 5,            // first seconds not counted in latency and throughput
  bodyBytes: 40,
  drainTimeout: 15,     // seconds to wait for deliveries after the last send
  connectConcurrency: 200,
  provisionConcurrency: 32,
  seed: 42,
  workers: 2,
  // Seconds from the groups' creation to the first send: a group that turned broadcast still sends through its
  // members' rosters for the server's grace (Silo:Groups:BroadcastGrace, 12 s) while the hosts subscribe.
  settle: 13,
};

export async function runGroups(ctx, p, log) {
  const closedLoop = !(p.rate > 0);
  const senders = Math.min(p.senders, p.members);
  const userCount = p.groups * p.members;
  const workerCount = Math.max(1, Math.min(Math.floor(p.workers) || 1, userCount));

  log(`provisioning ${userCount} users`);
  const { orgId, users, timing: provisionTiming } = await provision(ctx.url, ctx.adminKey, userCount, { concurrency: p.provisionConcurrency });
  log(`creating ${p.groups} ${p.type}s of ${p.members}`);
  const groups = [];
  await pool(p.groups, 4, async (g) => {
    const members = users.slice(g * p.members, (g + 1) * p.members);
    const owner = restClient(ctx.url, { token: members[0].token });
    const others = members.slice(1).map((u) => u.id);
    const created = await owner.post(`/v1/organizations/${encodeURIComponent(orgId)}/groups`, {
      name: `Load ${p.type} ${g}`, type: p.type, memberIds: others.slice(0, MEMBERS_PER_CALL - 1),
    });
    const [, groupId] = created.group.id.split(":");
    for (let i = MEMBERS_PER_CALL - 1; i < others.length; i += MEMBERS_PER_CALL) {
      await owner.post(`/v1/organizations/${encodeURIComponent(orgId)}/groups/${groupId}/members`, { userIds: others.slice(i, i + MEMBERS_PER_CALL) });
    }
    groups[g] = { id: created.group.id, owner: members[0] };
  });
  const settleUntil = performance.now() + (p.members > BROADCAST_ABOVE ? p.settle * 1000 : 0);

  // Room for every sortNumber a group can reach: the membership changes, then the open loop's schedule
  // with a margin, or the closed loop at 20,000 msgs/s. Per group and sortNumber: when the message was
  // sent (0 until acknowledged) and how many members got it live.
  const setupMessages = Math.ceil(p.members / MEMBERS_PER_CALL) + 2;
  const capacity = setupMessages + Math.ceil(((closedLoop ? 20_000 : p.rate * 1.2) * (p.duration + 2)) / p.groups) + 256;
  const books = {
    capacity,
    ackedAt: new Float64Array(new SharedArrayBuffer(8 * p.groups * capacity)),
    receipts: new Int32Array(new SharedArrayBuffer(4 * p.groups * capacity)),
    inFlight: new Int32Array(new SharedArrayBuffer(4)), // sends not answered yet, over all workers
  };

  log(`connecting ${userCount} hub connections from ${workerCount} worker thread${workerCount > 1 ? "s" : ""}`);
  const workers = [];
  try {
    // With few senders among many members (a forum), the senders get a worker thread of their own: the others'
    // event loops are busy with the deliveries, and a sender there would time its acknowledgements late.
    const sendsOf = (u) => u.index % p.members < senders;
    const apart = workerCount > 1 && senders * p.groups * 10 <= userCount;
    const workerOf = (u) => (!apart ? u.index % workerCount : sendsOf(u) ? 0 : 1 + (u.index % (workerCount - 1)));
    for (let w = 0; w < workerCount; w++) {
      const share = users.filter((u) => workerOf(u) === w).map((u) => {
        const g = Math.floor(u.index / p.members);
        return { index: u.index, id: u.id, token: u.token, group: g, conversationId: groups[g].id, sends: sendsOf(u) };
      });
      const workerData = { worker: w, url: ctx.url, share, p: { ...p, senders }, books, loopResolutionMs: LOOP_RESOLUTION_MS };
      workers.push(startWorker(workerData, log, new URL("./group-worker.mjs", import.meta.url)));
    }
    await Promise.all(workers.map((w) => w.reply("connected")));
    if (performance.now() < settleUntil) {
      log(`waiting ${Math.ceil((settleUntil - performance.now()) / 1000)} s for the broadcast grace to end`);
      await new Promise((r) => setTimeout(r, settleUntil - performance.now()));
    }

    const sampler = new ProcessSampler(ctx.serverPid).start();
    log(`sending for ${p.duration}s (${closedLoop ? `saturation, ${p.inflight} in flight per sender` : `${p.rate} msgs/s`}) from ${senders * p.groups} senders`);
    const { t0Local, sendEnd, generatorCores, server } = await sendingWindow(workers, p, sampler);

    log("draining");
    const stopped = await Promise.all(workers.map((w) => w.reply("stopped")));
    const drainDeadline = performance.now() + p.drainTimeout * 1000;
    while ((Atomics.load(books.inFlight, 0) > 0 || undelivered(books, p) > 0) && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 100));
    const drainSeconds = round2((performance.now() - sendEnd) / 1000);
    sampler.stop();

    log("closing connections");
    const reports = await Promise.all(workers.map((w) => w.reply("closed", { type: "close" })));
    const counters = {};
    const errors = {};
    const ackLatency = new Histogram();
    const e2eLatency = new Histogram();
    for (const r of reports) {
      for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
      ackLatency.add(Histogram.fromJSON(r.histograms.ack));
      e2eLatency.add(Histogram.fromJSON(r.histograms.e2e));
    }

    // The books: every acknowledged message reached each of the other members once.
    let lost = 0;
    let acked = 0;
    for (let g = 0; g < p.groups; g++) {
      for (let s = 1; s < capacity; s++) {
        if (books.ackedAt[g * capacity + s] > 0) {
          acked++;
          lost += Math.max(0, p.members - 1 - books.receipts[g * capacity + s]);
        }
      }
    }

    // The history: sortNumbers 1..n, every acknowledged message stored once, nothing stored unacknowledged.
    log(`reading back ${p.groups} histories`);
    const history = { checked: true, conversations: p.groups, messages: 0, missing: 0, duplicated: 0, gaps: 0, unacknowledgedStored: 0, seconds: 0 };
    const started = performance.now();
    await pool(p.groups, 4, async (g) => {
      const messages = await readHistory(restClient(ctx.url, { token: groups[g].owner.token }), groups[g].id);
      history.messages += messages.length;
      messages.forEach((m, k) => { if (m.sortNumber !== k + 1) history.gaps++; });
      const found = new Set();
      for (const m of messages.filter((m) => m.type === "text")) {
        if (found.has(m.sortNumber)) history.duplicated++;
        found.add(m.sortNumber);
        if (!(books.ackedAt[g * capacity + m.sortNumber] > 0)) history.unacknowledgedStored++;
      }
      for (let s = 1; s < capacity; s++) if (books.ackedAt[g * capacity + s] > 0 && !found.has(s)) history.missing++;
    });
    history.seconds = round2((performance.now() - started) / 1000);

    const windowSeconds = (Math.min(sendEnd - t0Local, p.duration * 1000) - p.warmup * 1000) / 1000;
    const errorCount = Object.values(errors).reduce((x, y) => x + y, 0);
    const duplicated = counters.duplicatesLive + history.duplicated;
    return {
      params: { ...p, senders, workers: workerCount },
      orgId,
      provisioning: provisionTiming,
      measured: { windowSeconds: round2(windowSeconds), drainSeconds },
      messages: {
        sent: counters.sent, attempts: counters.sent, acked, failed: counters.failed, interrupted: 0, retries: 0, unacknowledged: counters.sent - acked - counters.failed,
        deliveredLive: counters.deliveredLive, caughtUpFromHistory: 0, echoes: counters.echoes, unknown: counters.unknown,
        outOfOrder: counters.outOfOrder, conversationChanges: counters.conversationChanges, shortfall: counters.shortfall,
      },
      throughput: {
        targetPerSec: closedLoop ? null : p.rate,
        ackedPerSec: Math.round(counters.ackedInWindow / windowSeconds),
        deliveredPerSec: Math.round(counters.deliveredInWindow / windowSeconds),
      },
      latencyUs: { ack: ackLatency.summary(), e2e: e2eLatency.summary() },
      histograms: { ack: ackLatency.toJSON(), e2e: e2eLatency.toJSON() },
      verification: { lost, lostLive: lost, notPersisted: history.missing, duplicated, duplicatedLive: counters.duplicatesLive, history },
      errors: { count: errorCount, kinds: errors },
      server: {
        ...serverFigures(server, sampler.series(t0Local), windowSeconds, counters.deliveredInWindow),
        cpuUsPerSent: server.cpuCores && counters.ackedInWindow ? Math.round((server.cpuCores * 1e6 * windowSeconds) / counters.ackedInWindow) : null,
      },
      generator: generatorFigures(generatorCores, workerCount, stopped),
      ok: lost === 0 && duplicated === 0 && errorCount === 0 && counters.unknown === 0 && counters.echoes === 0 && counters.sent === acked + counters.failed
        && history.gaps === 0 && history.missing === 0 && history.unacknowledgedStored === 0 && acked > 0,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Deliveries still owed: acknowledged messages that some other member has not received yet. */
function undelivered(books, p) {
  let owed = 0;
  for (let i = 0; i < books.ackedAt.length; i++) {
    if (books.ackedAt[i] > 0) owed += Math.max(0, p.members - 1 - Atomics.load(books.receipts, i));
  }
  return owed;
}

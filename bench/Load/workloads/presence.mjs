// presence: `--users` users of one organization, all connected, each subscribed to `--subscriptions` (20) others
// chosen at random; `--flap-percent` (10%) of them flap: their device goes to the background and back
// (`SetActive(false)` / `SetActive(true)`), one call every `--flap-period` seconds. Measured: the server's CPU per
// presence change and per `presence:change` delivered, and the delay from the flap call to a subscriber's event.
//
// The default period, 2.5 s, is longer than the server's coalesce window (Silo:Presence:CoalesceWindow, 1 s), so
// every flap is published at once and each flapper's subscribers should get one event per flap; a period shorter
// than the window (`--flap-period=0.3`) measures the coalescing instead, and then the delay is timed against the
// flapper's latest call to the status the event carries. Checked: once the flapping stopped and one window passed,
// every subscriber's last seen status of every user it follows (by the event's server time `at`, as a client
// orders them) is what that user ended in; a single mismatch, or a flapper's subscriber that heard nothing, fails
// the run.
//
// The users are spread over `--workers` worker threads (lib/presence-worker.mjs), user i on worker i % workers;
// users 0 .. flappers-1 flap (the subscriptions are random, so which users flap does not matter).
import { provision } from "../lib/api.mjs";
import { Histogram } from "../lib/histogram.mjs";
import { ProcessSampler, round2 } from "../lib/proc.mjs";
import { random } from "../lib/columns.mjs";
import { LOOP_RESOLUTION_MS, generatorFigures, mb, pickContacts, sendingWindow, startWorker } from "../lib/chat.mjs";

export const description = "--users (10,000) connected, each subscribed to --subscriptions (20) others, --flap-percent (10%) flapping foreground/background every --flap-period s";
export const defaults = {
  users: 10000,
  subscriptions: 20,     // users each user is subscribed to, chosen at random in the organization
  flapPercent: 10,       // share of the users whose device flaps
  flapPeriod: 2.5,       // seconds between one flapper's calls (longer than the coalesce window: every flap is published)
  coalesceWindow: 1,     // the server's Silo:Presence:CoalesceWindow in seconds: how long to wait after the last flap
  duration: 30,          // seconds of flapping, warm-up included
  warmup: 3,             // first seconds not counted
  settle: 5,             // seconds of quiet after subscribing, before the idle reading
  idle: 5,               // seconds over which the server's idle CPU is read (everyone connected and subscribed)
  drainTimeout: 20,      // seconds to wait for the last calls and events
  connectConcurrency: 200,
  subscribeConcurrency: 100,
  provisionConcurrency: 32,
  seed: 42,
  workers: 2,
};
export const smoke = { users: 50, subscriptions: 20, flapPercent: 10, flapPeriod: 1.5, duration: 6, warmup: 1, settle: 1, idle: 1, drainTimeout: 10 };

export async function run(ctx, p, log) {
  const rnd = random(p.seed);
  const flappers = Math.max(1, Math.round((p.users * p.flapPercent) / 100));
  const workerCount = Math.max(1, Math.min(Math.floor(p.workers) || 1, p.users));
  if (p.subscriptions >= p.users) throw new Error(`--subscriptions (${p.subscriptions}) must be below --users (${p.users})`);

  log(`provisioning ${p.users} users`);
  const { orgId, users, timing: provisionTiming } = await provision(ctx.url, ctx.adminKey, p.users, { concurrency: p.provisionConcurrency });
  const ids = users.map((u) => u.id);
  const subscribers = new Int32Array(p.users); // how many follow each user
  for (const u of users) {
    u.subscriptions = pickContacts(u.index, p.users, p.subscriptions, rnd);
    for (const s of u.subscriptions) subscribers[s]++;
  }

  const shared = (Type, length) => new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
  const books = {
    flapAt: shared(Float64Array, flappers * 2), // per flapper: clock time of its latest call to AVAILABLE, UNAVAILABLE
    finalStatus: shared(Int8Array, flappers),   // per flapper: the status its answered calls left it in
    received: shared(Int32Array, 1),            // presence:change events received, over all workers
  };

  log(`connecting ${p.users} hub connections from ${workerCount} worker thread${workerCount > 1 ? "s" : ""}`);
  const workers = [];
  try {
    const connectStarted = performance.now();
    for (let w = 0; w < workerCount; w++) {
      const share = users.filter((u) => u.index % workerCount === w).map((u) => ({ index: u.index, token: u.token, subscriptions: u.subscriptions }));
      workers.push(startWorker({ worker: w, url: ctx.url, ids, share, p: { ...p, workers: workerCount }, flappers, books, loopResolutionMs: LOOP_RESOLUTION_MS }, log,
        new URL("../lib/presence-worker.mjs", import.meta.url)));
    }
    const connected = (await Promise.all(workers.map((w) => w.reply("connected")))).reduce((n, r) => n + r.connected, 0);
    const connectSeconds = round2((performance.now() - connectStarted) / 1000);

    log(`${connected} connected in ${connectSeconds}s; subscribing each to ${p.subscriptions} users`);
    const sampler = new ProcessSampler(ctx.serverPid).start();
    const subscribeFrom = performance.now();
    const subscribeSeconds = round2(Math.max(...(await Promise.all(workers.map((w) => w.reply("subscribed", { type: "subscribe" })))).map((r) => r.seconds)));
    const subscribing = sampler.window(subscribeFrom);
    log(`subscribed in ${subscribeSeconds}s; ${p.settle}s to settle, ${p.idle}s of idle reading`);
    await sleep(p.settle * 1000);
    const idleFrom = performance.now();
    await sleep(p.idle * 1000);
    const idle = sampler.window(idleFrom);

    log(`flapping ${flappers} users every ${p.flapPeriod}s for ${p.duration}s (${Math.round(flappers / p.flapPeriod)} changes/s)`);
    const { t0Local, sendEnd, generatorCores, server } = await sendingWindow(workers, p, sampler, ctx.onMeasureStart);

    log("draining");
    const stopped = await Promise.all(workers.map((w) => w.reply("stopped")));
    // One coalesce window for the last merged change to go out, then until no event has come for a second.
    await sleep((p.coalesceWindow + 0.25) * 1000);
    const drainDeadline = performance.now() + p.drainTimeout * 1000;
    let last = -1;
    while (Atomics.load(books.received, 0) !== last && performance.now() < drainDeadline) {
      last = Atomics.load(books.received, 0);
      await sleep(1000);
    }
    const drainSeconds = round2((performance.now() - sendEnd) / 1000);
    sampler.stop();

    log("checking every subscriber's view and closing connections");
    const reports = await Promise.all(workers.map((w) => w.reply("closed", { type: "close" })));
    const counters = {};
    const errors = {};
    const verification = { pairs: 0, flapperPairs: 0, mismatches: 0, silentPairs: 0, kinds: {}, examples: [] };
    const delay = new Histogram();
    const flapAck = new Histogram();
    for (const r of reports) {
      for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
      for (const k of ["pairs", "flapperPairs", "mismatches", "silentPairs"]) verification[k] += r.verification[k];
      for (const [k, v] of Object.entries(r.verification.kinds)) verification.kinds[k] = (verification.kinds[k] ?? 0) + v;
      verification.examples.push(...r.verification.examples.slice(0, 5 - verification.examples.length));
      delay.add(Histogram.fromJSON(r.histograms.delay));
      flapAck.add(Histogram.fromJSON(r.histograms.flapAck));
    }

    // Each flap goes to the flapper's subscribers: that many events if none is merged (a period above the window).
    let expected = 0;
    for (const s of stopped) for (const [index, flaps] of s.flapsBy) expected += flaps * subscribers[index];
    const windowSeconds = (Math.min(sendEnd - t0Local, p.duration * 1000) - p.warmup * 1000) / 1000;
    const cpuUs = (cores, count) => (cores != null && count ? Math.round((cores * 1e6 * windowSeconds) / count) : null);
    const aboveIdle = server.cpuCores != null && idle.cpuCores != null ? Math.max(0, server.cpuCores - idle.cpuCores) : null;
    const errorCount = Object.values(errors).reduce((x, y) => x + y, 0);
    const flapperSubscribers = Array.from(subscribers.subarray(0, flappers)).reduce((a, b) => a + b, 0);
    return {
      params: { ...p, workers: workerCount },
      orgId,
      provisioning: provisionTiming,
      connections: {
        connected, connectSeconds, connectsPerSec: Math.round(connected / connectSeconds),
        subscriptions: counters.subscriptions, subscribeSeconds, subscriptionsPerSec: Math.round(counters.subscriptions / subscribeSeconds),
        subscribeServerCores: subscribing.cpuCores, unexpectedCloses: counters.unexpectedCloses,
      },
      measured: { windowSeconds: round2(windowSeconds), drainSeconds },
      presence: {
        flappers,
        flapPeriodSeconds: p.flapPeriod,
        subscribersPerFlapper: round2(flapperSubscribers / flappers),
        flaps: counters.flaps,
        flapsAnswered: counters.flapsAcked,
        flapsFailed: counters.flapsFailed,
        flapsPerSec: Math.round(counters.flapsInWindow / windowSeconds),
        events: counters.events,
        eventsIfNoneMerged: expected,
        eventsPerSec: Math.round(counters.eventsInWindow / windowSeconds),
        eventsPerFlap: counters.flaps ? round2(counters.events / counters.flaps) : null,
        staleEvents: counters.stale,          // older (by `at`) than the status already held: ignored, as a client does
        overtakenEvents: counters.overtaken,  // arrived after the flapper had flapped again
        unmatchedEvents: counters.unmatched,  // a status no flap call had asked for
        eventsFromSteadyUsers: counters.fromSteady,
        unknownEvents: counters.unknown,
        subscribedEvents: counters.subscribedEvents,
        seedNotAvailable: counters.seedNotAvailable,
      },
      latencyUs: { delay: delay.summary(), flapAck: flapAck.summary() },
      histograms: { delay: delay.toJSON(), flapAck: flapAck.toJSON() },
      verification,
      errors: { count: errorCount, kinds: errors },
      server: {
        cpuCores: server.cpuCores,
        idleCpuCores: idle.cpuCores,
        cpuUsPerFlap: cpuUs(server.cpuCores, counters.flapsInWindow),
        cpuUsPerEvent: cpuUs(server.cpuCores, counters.eventsInWindow),
        cpuUsPerFlapAboveIdle: cpuUs(aboveIdle, counters.flapsInWindow),
        cpuUsPerEventAboveIdle: cpuUs(aboveIdle, counters.eventsInWindow),
        rssMaxMB: mb(server.rssMaxBytes),
        threadsMax: server.threadsMax,
        series: sampler.series(t0Local),
      },
      generator: { ...generatorFigures(generatorCores, workerCount, stopped), rssMB: mb(process.memoryUsage().rss) },
      ok: connected === p.users && counters.unexpectedCloses === 0 && errorCount === 0 && counters.subscriptions === p.users * p.subscriptions
        && counters.flapsInWindow > 0 && counters.eventsInWindow > 0 && counters.unknown === 0
        && verification.mismatches === 0 && verification.silentPairs === 0,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

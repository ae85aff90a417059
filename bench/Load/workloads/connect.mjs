// connect: provisions N users, connects them all as fast as possible, holds them idle and measures
// the server's resident memory against the empty server's and the provisioned-but-unconnected one's.
import { pool, provision } from "../lib/api.mjs";
import { closeHub, isConnected, openHub } from "../lib/hub.mjs";
import { Histogram } from "../lib/histogram.mjs";
import { ProcessSampler, readProcess, round2 } from "../lib/proc.mjs";
import { mb } from "../lib/chat.mjs";

export const description = "connect N users as fast as possible, hold them idle, measure server memory";
export const defaults = {
  users: 10000,
  concurrency: 500,      // connection handshakes under way at once
  hold: 15,              // seconds to hold every connection idle before measuring
  settle: 3,             // seconds of quiet before each memory reading
  probes: 20,            // messages sent between random connected users at the end, all must arrive
  provisionConcurrency: 32,
};
export const smoke = { users: 8, concurrency: 8, hold: 1, settle: 1, probes: 4 };

export async function run(ctx, p, log) {
  const sampler = new ProcessSampler(ctx.serverPid).start();
  const rssEmpty = await steadyRss(ctx.serverPid, p.settle);

  log(`provisioning ${p.users} users`);
  const { orgId, users, timing } = await provision(ctx.url, ctx.adminKey, p.users, { concurrency: p.provisionConcurrency });
  const rssProvisioned = await steadyRss(ctx.serverPid, p.settle);

  log(`connecting ${p.users} users, ${p.concurrency} at a time`);
  const connectLatency = new Histogram();
  const errors = {};
  let unexpectedCloses = 0;
  const received = new Set();
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(p.concurrency, users.length) }, async () => {
    while (next < users.length) {
      const u = users[next++];
      const t = performance.now();
      try {
        u.device = await openHub(ctx.url, u.token, { message: (m) => received.add(m.clientMessageId) }, () => { unexpectedCloses++; });
        connectLatency.record((performance.now() - t) * 1000);
      } catch (e) {
        const key = String(e?.message ?? e).slice(0, 120);
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  }));
  const connectSeconds = (performance.now() - started) / 1000;
  const connected = users.filter((u) => isConnected(u.device)).length;
  log(`${connected} connected in ${round2(connectSeconds)}s; holding ${p.hold}s`);

  const holdFrom = performance.now();
  await new Promise((r) => setTimeout(r, Math.max(0, p.hold - p.settle) * 1000));
  const rssConnected = await steadyRss(ctx.serverPid, p.settle);
  const idle = sampler.window(holdFrom);
  const stillConnected = users.filter((u) => isConnected(u.device)).length;

  // Every held connection must still work: a few messages between random users must all arrive.
  let probesDelivered = 0;
  const live = users.filter((u) => isConnected(u.device));
  if (live.length >= 2 && p.probes > 0) {
    const sent = [];
    for (let i = 0; i < p.probes; i++) {
      const a = live[Math.floor(Math.random() * live.length)];
      let b = live[Math.floor(Math.random() * live.length)];
      if (b === a) b = live[(live.indexOf(a) + 1) % live.length];
      const clientMessageId = `probe-${i}`;
      sent.push(clientMessageId);
      try {
        await a.device.connection.invoke("SendMessage", { organizationId: orgId, recipientId: b.id, body: "probe", clientMessageId });
      } catch (e) {
        const key = `probe: ${String(e?.message ?? e).slice(0, 100)}`;
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
    const deadline = performance.now() + 5000;
    while (sent.some((id) => !received.has(id)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    probesDelivered = sent.filter((id) => received.has(id)).length;
  }
  sampler.stop();

  log("closing connections");
  await pool(users.length, 500, (i) => closeHub(users[i].device).catch(() => {}));

  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const perUser = (bytes) => (connected ? round2(bytes / 1024 / connected) : null);
  return {
    params: p,
    orgId,
    provisioning: timing,
    connections: {
      connected,
      stillConnectedAfterHold: stillConnected,
      unexpectedCloses,
      connectSeconds: round2(connectSeconds),
      connectsPerSec: Math.round(connected / connectSeconds),
    },
    latencyUs: { connect: connectLatency.summary() },
    histograms: { connect: connectLatency.toJSON() },
    memory: {
      rssEmptyMB: mb(rssEmpty),
      rssProvisionedMB: mb(rssProvisioned),
      rssConnectedMB: mb(rssConnected),
      perUserAboveEmptyKB: perUser(rssConnected - rssEmpty),
      perConnectionAboveProvisionedKB: perUser(rssConnected - rssProvisioned),
      generatorRssMB: mb(process.memoryUsage().rss),
    },
    probes: { sent: p.probes, delivered: probesDelivered },
    errors: { count: errorCount, kinds: errors },
    server: { idleCpuCores: idle.cpuCores, series: sampler.series(started) },
    ok: connected === p.users && stillConnected === p.users && unexpectedCloses === 0 && errorCount === 0 && probesDelivered === p.probes,
  };
}

/** The median of the RSS samples taken over `seconds` of quiet, so one allocation spike does not count. */
async function steadyRss(pid, seconds) {
  const values = [];
  const end = performance.now() + seconds * 1000;
  do {
    values.push(readProcess(pid).rssBytes);
    await new Promise((r) => setTimeout(r, 250));
  } while (performance.now() < end);
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

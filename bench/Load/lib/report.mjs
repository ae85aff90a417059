// The markdown summary of a suite run: machine, one section per step, targets met or missed.
import { writeFileSync } from "node:fs";

const ms = (us) => (us == null ? "–" : (us / 1000).toFixed(us < 10_000 ? 2 : 1));
const n = (x) => (x == null ? "–" : typeof x === "number" ? x.toLocaleString("en-US") : String(x));

export function renderMarkdown(report, chartFile) {
  const m = report.machine;
  const lines = [];
  lines.push(`# Orleans.Chat load benchmark — ${report.date.slice(0, 16).replace("T", " ")} UTC`, "");
  lines.push(`Preset \`${report.preset}\`, ${report.seconds} s in all. Machine: ${m.cores} × ${m.cpuModel}, ${m.memoryGB} GB, Linux ${m.kernel}; .NET SDK ${m.dotnet}, Node ${m.node}; commit ${m.commit}${m.dirty ? " (with uncommitted changes)" : ""}.`);
  lines.push(`Generator: ${m.generator}. Each step runs against a fresh embedded server (Release build, SQLite in a temp directory) on 127.0.0.1.`, "");
  if (chartFile) lines.push(`![latency percentiles](${chartFile})`, "");

  const targets = report.results.flatMap((r) => (r.targets ?? []).map((t) => ({ step: r.name, ...t })));
  if (targets.length) {
    lines.push("## Targets", "", "| step | target | measured | |", "|---|---|---|---|");
    for (const t of targets) {
      lines.push(`| ${t.step} | ${t.label} ${t.op} ${n(t.limit)}${t.unit ? ` ${t.unit}` : ""} | ${n(t.value)}${t.unit && t.value != null ? ` ${t.unit}` : ""} | ${t.met ? "met" : "**missed**"} |`);
    }
    lines.push("");
  }

  for (const r of report.results) {
    lines.push(`## ${r.name} (${r.workload}) — ${r.ok ? "ok" : "FAILED"}`, "");
    lines.push(`Parameters: ${Object.entries(r.params ?? {}).map(([k, v]) => `\`${k}=${v}\``).join(" ")}${r.serverArgs?.length ? `; server: \`${r.serverArgs.join(" ")}\`` : ""}. Took ${r.seconds} s.`, "");
    if (r.failure) lines.push("```", r.failure.slice(0, 2000), "```", "");
    if (r.memory) {
      const c = r.connections;
      lines.push("| connected | connect time | connects/s | connect p50 / p99 / max | server RSS empty → provisioned → connected | per idle user above empty | per connection above provisioned | server CPU idle |", "|---|---|---|---|---|---|---|---|");
      const l = r.latencyUs.connect;
      lines.push(`| ${n(c.connected)} (${n(c.stillConnectedAfterHold)} after hold) | ${c.connectSeconds} s | ${n(c.connectsPerSec)} | ${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)} ms | ${r.memory.rssEmptyMB} → ${r.memory.rssProvisionedMB} → ${r.memory.rssConnectedMB} MB | ${r.memory.perUserAboveEmptyKB} KB | ${r.memory.perConnectionAboveProvisionedKB} KB | ${r.server.idleCpuCores ?? "–"} cores |`, "");
      lines.push(`Provisioning: ${r.provisioning.createSeconds} s to create, ${r.provisioning.signInSeconds} s to sign in. Probe messages delivered: ${r.probes.delivered}/${r.probes.sent}.`, "");
    }
    if (r.throughput) {
      const t = r.throughput;
      const v = r.verification;
      const mm = r.messages;
      lines.push("| offered | acked/s | delivered/s | ack p50 / p90 / p99 / max | end-to-end p50 / p90 / p99 / max | server CPU | server RSS max | generator CPU |", "|---|---|---|---|---|---|---|---|");
      const a = r.latencyUs.ack;
      const e = r.latencyUs.e2e;
      lines.push(`| ${t.targetPerSec ? `${n(t.targetPerSec)}/s` : "saturation"} | ${n(t.ackedPerSec)} | ${n(t.deliveredPerSec)} | ${ms(a.p50)} / ${ms(a.p90)} / ${ms(a.p99)} / ${ms(a.max)} ms | ${ms(e.p50)} / ${ms(e.p90)} / ${ms(e.p99)} / ${ms(e.max)} ms | ${r.server.cpuCores ?? "–"} cores | ${n(r.server.rssMaxMB)} MB | ${r.generator.cpuCores ?? "–"} cores${r.generator.workers ? ` on ${r.generator.workers} worker thread${r.generator.workers > 1 ? "s" : ""}` : ""} (event-loop lag p99 ${r.generator.eventLoopLagP99Ms} ms${r.generator.workers > 1 ? ", worst thread" : ""}) |`, "");
      lines.push(`Server: ${r.server.cpuUsPerDelivered ?? "–"} µs of CPU per delivered message, ${r.server.diskWriteMBPerSec ?? "–"} MB/s written to disk (${r.server.diskWriteKBPerDelivered ?? "–"} KB per message), up to ${r.server.threadsMax ?? "–"} threads.`);
      lines.push(`Books: ${n(mm.sent)} sent, ${n(mm.acked)} acknowledged, ${n(mm.deliveredLive)} delivered live${mm.replayed ? `, ${n(mm.replayed)} replayed on reconnect` : ""}${mm.caughtUpFromHistory ? `, ${n(mm.caughtUpFromHistory)} caught up from history` : ""}; **lost ${n(v.lost)}, duplicated ${n(v.duplicated)}**${v.history.checked ? `; history read back: ${n(v.history.messages)} messages in ${n(v.history.conversations)} conversations, ${n(v.history.missing)} acknowledged but not stored, ${n(v.history.gaps)} sort-number gaps` : ""}.`);
      if (r.connections?.drops) lines.push(`Connections: ${n(r.connections.drops)} dropped and ${n(r.connections.reconnects)} reopened by the workload, ${n(mm.interrupted)} sends cut and ${n(mm.retries)} retried with the same client message id.`);
      if (r.latencyUs.replay) {
        const rp = r.latencyUs.replay;
        const c = r.connections;
        lines.push(`Replay (reconnect with \`?cursor=\`): ${n(mm.replayed)} messages replayed in ${n(c.replays)} replays (${n(c.replayedEvents)} events), ${n(v.duplicatedInReplay)} of them duplicates, ${n(c.snapshots)} snapshots asked, ${n(v.cursorNotIncreasing)} cursors not above the last (${n(v.liveAtOrBelowReplay)} of them live events at or below the replay's end); reconnect to \`messages:offline:stop\` p50 / p99 / max ${ms(rp.p50)} / ${ms(rp.p99)} / ${ms(rp.max)} ms (${n(rp.count)} reconnects).`);
      }
      if (mm.shortfall) lines.push(`The generator could not offer ${n(mm.shortfall)} sends (outstanding cap reached or no connected sender).`);
      lines.push("");
    }
    if (r.presence) {
      const pr = r.presence;
      const c = r.connections;
      const s = r.server;
      const d = r.latencyUs.delay;
      const v = r.verification;
      lines.push("| users × subscriptions | flapping | flaps/s | events/s | events per flap | flap to subscriber's event p50 / p90 / p99 / max | server CPU (idle) | CPU per flap | CPU per event | generator CPU |", "|---|---|---|---|---|---|---|---|---|---|");
      lines.push(`| ${n(c.connected)} × ${r.params.subscriptions} | ${n(pr.flappers)} every ${pr.flapPeriodSeconds} s | ${n(pr.flapsPerSec)} | ${n(pr.eventsPerSec)} | ${pr.eventsPerFlap ?? "–"} (${pr.subscribersPerFlapper} subscribers each) | ${ms(d.p50)} / ${ms(d.p90)} / ${ms(d.p99)} / ${ms(d.max)} ms | ${s.cpuCores ?? "–"} (${s.idleCpuCores ?? "–"}) cores | ${n(s.cpuUsPerFlap)} µs (${n(s.cpuUsPerFlapAboveIdle)} above idle) | ${n(s.cpuUsPerEvent)} µs (${n(s.cpuUsPerEventAboveIdle)} above idle) | ${r.generator.cpuCores ?? "–"} cores (event-loop lag p99 ${r.generator.eventLoopLagP99Ms} ms) |`, "");
      lines.push(`Connected in ${c.connectSeconds} s, ${n(c.subscriptions)} subscriptions made in ${c.subscribeSeconds} s. Events: ${n(pr.events)} for ${n(pr.flaps)} flaps (${n(pr.eventsIfNoneMerged)} if none merged), ${n(pr.staleEvents)} older than the status held, ${n(pr.overtakenEvents)} after the flapper flapped again.`);
      lines.push(`Views checked after the last flap and one coalesce window: **${n(v.mismatches)} mismatches** in ${n(v.pairs)} subscriptions, ${n(v.silentPairs)} of a flapper's ${n(v.flapperPairs)} subscribers heard nothing.`, "");
    }
    if (r.offlineSync) {
      const o = r.offlineSync;
      const v = r.verification;
      lines.push("| conversations × messages | time to `messages:offline:stop` | first event after | bytes sent until then | per message | events | messages replayed | lost / duplicated |", "|---|---|---|---|---|---|---|---|");
      lines.push(`| ${n(r.params.conversations)} × ${r.params.perConversation} | ${o.secondsToOfflineStop} s | ${o.secondsToFirstEvent ?? "–"} s | ${n(o.bytesReceived)} | ${n(o.bytesPerMessage)} | ${n(o.events)} (${Object.entries(o.eventsByName).map(([k, c]) => `${k} ${n(c)}`).join(", ")}) | ${n(v.replayed)} of ${n(v.expected)} | **${n(v.lost)} / ${n(v.duplicated)}** |`, "");
    }
    if (r.errors?.count) {
      lines.push(`Errors (${n(r.errors.count)}):`, "");
      for (const [k, v] of Object.entries(r.errors.kinds)) lines.push(`- ${v} × ${k}`);
      lines.push("");
    }
  }
  lines.push("Latencies come from log-linear bucket histograms (HdrHistogram-style, 0.1% resolution), one clock for all the generator's threads: acknowledgement = `SendMessage` invoke to its completion; end-to-end = invoke to the recipient's `message` event; presence: the `SetActive` invoke to the subscriber's `presence:change`. CPU and RSS are read from /proc for the server's process id.");
  return `${lines.join("\n")}\n`;
}

export function writeMarkdown(path, report, chartFile) {
  writeFileSync(path, renderMarkdown(report, chartFile));
}

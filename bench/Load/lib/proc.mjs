// Samples a process's CPU time and resident memory from /proc, the way `top` does, at a fixed interval.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try { ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100; }
    catch { ticksPerSecond = 100; }
  }
  return ticksPerSecond;
}

/**
 * CPU seconds (user + system) and resident bytes of a process, read once. `pid` may list several processes
 * ("12,34,56": the silos and API hosts of a cluster); their figures are summed.
 */
export function readProcess(pid) {
  const all = String(pid).split(",").map((p) => readOne(p.trim()));
  const sum = (key) => all.reduce((n, s) => (s[key] === null || n === null ? null : n + s[key]), 0);
  return { cpuSeconds: sum("cpuSeconds"), rssBytes: sum("rssBytes"), writeBytes: sum("writeBytes"), threads: sum("threads"), at: performance.now() };
}

function readOne(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks(); // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const threads = Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // Bytes the process caused to be written to storage (the SQLite file and its WAL), when readable.
  let writeBytes = null;
  try { writeBytes = Number(/write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1] ?? NaN); } catch { /* not permitted */ }
  return { cpuSeconds, rssBytes: rssKb * 1024, writeBytes, threads };
}

/** Samples every `intervalMs`; `window(from, to)` gives CPU cores used and RSS between two marks. */
export class ProcessSampler {
  constructor(pid, intervalMs = 500) {
    this.pid = pid;
    this.samples = [];
    this.timer = undefined;
    this.intervalMs = intervalMs;
  }

  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample() {
    try {
      const s = readProcess(this.pid);
      this.samples.push(s);
      return s;
    } catch {
      return undefined; // the process ended; the caller notices through its own checks
    }
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
  }

  /** Average CPU cores and RSS figures over the samples taken between two performance.now() marks. */
  window(from, to = performance.now()) {
    const inside = this.samples.filter((s) => s.at >= from - this.intervalMs / 2 && s.at <= to + this.intervalMs / 2);
    if (inside.length < 2) return { cpuCores: null, rssMaxBytes: inside[0]?.rssBytes ?? null, rssLastBytes: inside[0]?.rssBytes ?? null, samples: inside.length };
    const first = inside[0];
    const last = inside[inside.length - 1];
    const cores = (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000);
    const seconds = (last.at - first.at) / 1000;
    return {
      cpuCores: round2(cores),
      rssMaxBytes: Math.max(...inside.map((s) => s.rssBytes)),
      rssLastBytes: last.rssBytes,
      diskWriteBytesPerSec: last.writeBytes != null && first.writeBytes != null ? Math.round((last.writeBytes - first.writeBytes) / seconds) : null,
      threadsMax: Math.max(...inside.map((s) => s.threads)),
      samples: inside.length,
    };
  }

  /** The series for charts: seconds since `origin`, cores since the previous sample, RSS in MB. */
  series(origin) {
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      out.push([round2((b.at - origin) / 1000), round2((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000)), Math.round(b.rssBytes / 1048576)]);
    }
    return out;
  }
}

/** This Node process's own CPU use between two calls, so every result says what the generator cost. */
export class SelfCpu {
  constructor() { this.start = process.cpuUsage(); this.at = performance.now(); }
  cores() {
    const used = process.cpuUsage(this.start);
    return round2((used.user + used.system) / 1e6 / ((performance.now() - this.at) / 1000));
  }
}

export const round2 = (x) => Math.round(x * 100) / 100;

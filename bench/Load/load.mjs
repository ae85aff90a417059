#!/usr/bin/env node
// Runs one workload and prints its result as JSON:
//   node bench/Load/load.mjs <workload> [--param=value ...]            a fresh server of its own
//   node bench/Load/load.mjs <workload> --url=http://127.0.0.1:5000 --admin-key=K --server-pid=PID
// `node bench/Load/load.mjs --list` names the workloads and their parameters.
import { writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { parseArgs, resolveParams, toKebab } from "./lib/args.mjs";
import { startServer } from "./lib/server.mjs";
import { loadWorkload, workloadNames } from "./lib/workloads.mjs";

const { positional, options } = parseArgs(process.argv.slice(2));
const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

if (options.list || positional.length === 0) {
  for (const name of workloadNames()) {
    const w = await loadWorkload(name);
    console.log(`${name}: ${w.description}`);
    console.log(`  ${Object.entries(w.defaults).map(([k, v]) => `--${toKebab(k)}=${v}`).join(" ")}`);
  }
  process.exit(positional.length === 0 && !options.list ? 2 : 0);
}

const { url, adminKey, serverPid, out, serverArgs, trace, traceSeconds, ...overrides } = options;
const workload = await loadWorkload(positional[0]);
const params = resolveParams(workload.defaults, overrides, workload.name);

let server;
let ctx;
if (url) {
  // Load only ever targets this machine.
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(host)) throw new Error(`refusing to load ${host}: only loopback addresses`);
  if (!adminKey) throw new Error("--admin-key is required with --url");
  ctx = { url, adminKey, serverPid: serverPid ?? findListener(url) };
} else {
  const key = `load-${Math.random().toString(36).slice(2)}`;
  server = await startServer({ adminKey: key, extraArgs: serverArgs ? String(serverArgs).split(" ") : [] });
  ctx = { url: server.url, adminKey: key, serverPid: server.pid };
  log(`server ${server.url} (pid ${server.pid})`);
}

// --trace=<file.nettrace>: a CPU-sampling trace of the server (dotnet-trace) over the measured window,
// started when the workload says its measurement begins.
if (trace) ctx.onMeasureStart = () => startTrace(ctx.serverPid, String(trace), traceSeconds ?? 10);

let result;
try {
  result = await workload.run(ctx, params, log);
} finally {
  await server?.stop();
}
result.workload = workload.name;
const json = JSON.stringify(result, (k, v) => (k === "histograms" || k === "series" ? undefined : v), 2);
if (out) writeFileSync(out, JSON.stringify(result));
console.log(json);
process.exit(result.ok ? 0 : 1);

function startTrace(pid, path, seconds) {
  const hhmmss = new Date(seconds * 1000).toISOString().slice(11, 19);
  log(`tracing server pid ${pid} for ${seconds}s into ${path}`);
  const child = spawn("dotnet-trace", ["collect", "-p", String(pid), "--profile", "dotnet-sampled-thread-time", "--format", "Speedscope", "--duration", `00:${hhmmss}`, "-o", path], { stdio: ["ignore", "ignore", "inherit"] });
  child.on("error", (e) => log(`dotnet-trace did not start (dotnet tool install -g dotnet-trace): ${e.message}`));
}

function findListener() {
  throw new Error("--server-pid is required with --url (CPU and memory are read from /proc/<pid>)");
}

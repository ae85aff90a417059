#!/usr/bin/env node
// Runs a suite of workloads, each against its own fresh embedded server, and writes the results:
//   node bench/Load/suite.mjs --preset=standard --out-dir=bench/results   (scripts/bench.sh)
//   node bench/Load/suite.mjs --preset=smoke                              (bench/Load/smoke.sh)
// The smoke preset runs every workload in workloads/ at a tiny scale and prints `smoke ok <name>` or
// `smoke FAILED <name>` for each; the standard preset is the published benchmark (≤ 10 minutes).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, resolveParams } from "./lib/args.mjs";
import { loadServerArgs, startServer } from "./lib/server.mjs";
import { loadWorkload, workloadNames } from "./lib/workloads.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { standardSuite, evaluateTargets } from "./lib/standard.mjs";
import { writeMarkdown } from "./lib/report.mjs";
import { writeChart } from "./lib/chart.mjs";

const { options } = parseArgs(process.argv.slice(2));
const preset = options.preset ?? "standard";
const adminKey = `load-${Math.random().toString(36).slice(2)}`;
const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

const steps = preset === "smoke"
  ? await Promise.all(workloadNames().map(async (name) => ({ name, workload: name, params: (await loadWorkload(name)).smoke, timeoutSeconds: 60 })))
  : preset === "standard" ? standardSuite : undefined;
if (!steps) throw new Error(`unknown preset '${preset}' (smoke, standard)`);
const only = options.only ? String(options.only).split(",") : undefined;
// The whole suite stops by itself: no step may run past the budget (scripts/bench.sh promises 10 minutes).
const budgetSeconds = options.budget ?? (preset === "smoke" ? 300 : 590);

const suiteStarted = Date.now();
const results = [];
let failures = 0;
for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  const workload = await loadWorkload(step.workload);
  const params = scaled(resolveParams(workload.defaults, step.params ?? {}, workload.name), options.scale);
  const remaining = budgetSeconds - (Date.now() - suiteStarted) / 1000;
  const timeoutSeconds = Math.min(step.timeoutSeconds, remaining - 5);
  if (timeoutSeconds < 10) {
    results.push({ name: step.name, workload: workload.name, params, ok: false, failure: "skipped: the suite's time budget is spent" });
    failures++;
    if (preset === "smoke") console.log(`smoke FAILED ${step.name}`);
    continue;
  }
  log(`${step.name}: ${workload.description}`);
  let server;
  let result;
  const started = Date.now();
  try {
    server = await startServer({ adminKey, extraArgs: step.serverArgs ?? [] });
    const ctx = { url: server.url, adminKey, serverPid: server.pid };
    let timer;
    const timeout = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`did not finish within ${Math.round(timeoutSeconds)} s`)), timeoutSeconds * 1000); });
    result = await Promise.race([workload.run(ctx, params, (m) => log(`  ${step.name}: ${m}`)), timeout]);
    clearTimeout(timer);
    if (!result.ok) result.serverLog = server.logTail();
  } catch (e) {
    result = { params, ok: false, failure: String(e?.stack ?? e), serverLog: server?.logTail() };
  } finally {
    await server?.stop().catch(() => {});
  }
  result.name = step.name;
  result.workload = workload.name;
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  result.serverArgs = [...loadServerArgs, ...(step.serverArgs ?? [])];
  if (step.targets && !(options.scale && options.scale !== 1)) result.targets = evaluateTargets(step.targets, result);
  results.push(result);
  if (!result.ok) failures++;
  if (preset === "smoke") {
    console.log(`smoke ${result.ok ? "ok" : "FAILED"} ${step.name}`);
    if (!result.ok) console.log(JSON.stringify(failureDigest(result), null, 2));
  } else {
    log(`${step.name}: ${result.ok ? "ok" : "FAILED"} in ${result.seconds}s`);
  }
  if (global.gc) global.gc();
}

const report = {
  date: new Date().toISOString(),
  preset: options.scale && options.scale !== 1 ? `${preset} ×${options.scale} (a trial: targets not evaluated)` : preset,
  seconds: Math.round((Date.now() - suiteStarted) / 1000),
  machine: describeMachine(),
  results,
};
if (options.outDir) {
  mkdirSync(options.outDir, { recursive: true });
  const stamp = report.date.slice(0, 16).replace(/:/g, "");
  const base = join(options.outDir, stamp);
  writeFileSync(`${base}.json`, stringifyCompact(report));
  writeMarkdown(`${base}.md`, report, `${stamp}.svg`);
  writeChart(`${base}.svg`, report);
  log(`wrote ${base}.json, ${base}.md, ${base}.svg`);
}
process.exit(failures ? 1 : 0);

/** Indented JSON, but a histogram bucket's [value, count] pair on one line: a third of the size. */
function stringifyCompact(value) {
  return JSON.stringify(value, null, 1).replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, "[$1, $2]");
}

/** --scale=0.1 runs a preset at a tenth of its users, rate and time: to try the suite, not to publish it. */
function scaled(params, scale) {
  if (!scale || scale === 1) return params;
  const p = { ...params };
  for (const key of ["users", "rate", "duration", "hold", "warmup"]) {
    if (typeof p[key] === "number" && p[key] > 0) p[key] = Math.max(key === "users" ? 4 : 1, Math.round(p[key] * scale));
  }
  return p;
}

function failureDigest(r) {
  return {
    failure: r.failure,
    errors: r.errors,
    verification: r.verification,
    messages: r.messages,
    connections: r.connections,
    probes: r.probes,
    serverLog: r.serverLog?.slice(-1500),
  };
}

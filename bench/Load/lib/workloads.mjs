// The workload registry: every file in ../workloads is a workload named after the file, so adding
// one is adding one file that exports `description`, `defaults`, `smoke` and `run(ctx, params, log)`.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../workloads");

export function workloadNames() {
  return readdirSync(dir).filter((f) => f.endsWith(".mjs")).map((f) => f.slice(0, -4)).sort();
}

export async function loadWorkload(name) {
  if (!workloadNames().includes(name)) {
    throw new Error(`no workload '${name}' (there are: ${workloadNames().join(", ")})`);
  }
  const module = await import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  for (const key of ["description", "defaults", "smoke", "run"]) {
    if (!(key in module)) throw new Error(`workloads/${name}.mjs does not export '${key}'`);
  }
  return { name, ...module };
}

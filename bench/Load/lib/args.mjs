// Command-line parameters: `--name=value` or `--name value`; numbers and booleans are parsed, and a
// parameter the workload does not declare is an error, so a typo never silently runs the default.

export function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) { positional.push(arg); continue; }
    const eq = arg.indexOf("=");
    let name, value;
    if (eq > 0) { name = arg.slice(2, eq); value = arg.slice(eq + 1); }
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) { name = arg.slice(2); value = argv[++i]; }
    else { name = arg.slice(2); value = "true"; }
    options[toCamel(name)] = parseValue(value);
  }
  return { positional, options };
}

/** Workload parameters: the preset's defaults overridden by the command line, unknown names refused. */
export function resolveParams(defaults, overrides, workloadName) {
  const params = { ...defaults };
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in defaults)) {
      throw new Error(`${workloadName} has no parameter --${toKebab(name)} (it has: ${Object.keys(defaults).map((k) => `--${toKebab(k)}`).join(", ")})`);
    }
    params[name] = value;
  }
  return params;
}

function parseValue(value) {
  if (value === "true") return true;
  if (value === "false") return false;
  if (value !== "" && !Number.isNaN(Number(value))) return Number(value);
  return value;
}

export const toCamel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
export const toKebab = (s) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

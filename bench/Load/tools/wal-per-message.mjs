#!/usr/bin/env node
// PostgreSQL WAL bytes per message sent, for one server build and one case, on the PostgreSQL named by
// ORLEANS_CHAT_TEST_POSTGRES (eval "$(scripts/postgres.sh start)"; the cluster must be ours alone: the
// WAL position is the whole cluster's).
//
//   node bench/Load/tools/wal-per-message.mjs --case=direct|group|forum [--api-dll=...] [--messages=500]
//
// Starts a fresh server on its own schema, provisions the case (direct: `--pairs` 1-1 conversations;
// group: one group of 50; forum: one forum of 5,000), connects `--connected` recipients (as the
// workloads do, so the delivery path runs), sends `--warmup` messages (grain activations, first writes
// of each page after the CHECKPOINT), waits `--settle` s, then reads pg_current_wal_lsn() and pg_stat_wal,
// sends `--messages` over REST (`--concurrency` at once), waits until every connected recipient has them
// and `--settle` s more (the feed's appends run after the acknowledgement), and reads them again. Also
// the feed log's rows (message_log rows of `{userId}#feed`) written meanwhile. Prints one JSON line.
import { execFileSync } from "node:child_process";
import { parseArgs } from "../lib/args.mjs";
import { pool, provision, restClient } from "../lib/api.mjs";
import { closeHub, openHub } from "../lib/hub.mjs";
import { defaultApiDll, startServer } from "../lib/server.mjs";

const { options } = parseArgs(process.argv.slice(2));
const p = {
  case: "direct", apiDll: defaultApiDll, messages: 500, warmup: 50, concurrency: 8, connected: 10, pairs: 10,
  settle: 3, groupSettle: 13, ...options,
};
const members = { direct: 2 * p.pairs, group: 50, forum: 5000 }[p.case];
if (!members) throw new Error("--case must be direct, group or forum");
const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

const pg = Object.fromEntries(String(process.env.ORLEANS_CHAT_TEST_POSTGRES ?? "").split(";").filter(Boolean).map((kv) => kv.split("=")));
if (!pg.Host) throw new Error('ORLEANS_CHAT_TEST_POSTGRES is not set: eval "$(scripts/postgres.sh start)"');
const schema = `wal_${p.case}_${Date.now().toString(36)}`;
const sql = (query) => execFileSync("psql", ["-h", pg.Host, "-p", pg.Port, "-U", pg.Username, "-d", pg.Database, "-At", "-F", ",", "-c", query], {
  env: { ...process.env, PGPASSWORD: pg.Password }, encoding: "utf8",
}).trim();
const wal = () => {
  const [lsn, records, fpi] = sql("SELECT pg_current_wal_lsn(), wal_records, wal_fpi FROM pg_stat_wal").split(",");
  return { lsn, records: Number(records), fpi: Number(fpi) };
};
const feedRows = () => {
  const [rows, bytes] = sql(`SELECT count(*), coalesce(sum(pg_column_size(t.*)), 0) FROM "${schema}".message_log t WHERE log_id LIKE '%#feed'`).split(",");
  return { rows: Number(rows), bytes: Number(bytes) };
};

const adminKey = `wal-${Math.random().toString(36).slice(2)}`;
const server = await startServer({
  apiDll: p.apiDll, adminKey,
  extraArgs: ["--Storage:Provider=Postgres", `--ConnectionStrings:Postgres=${process.env.ORLEANS_CHAT_TEST_POSTGRES}`, `--Storage:Postgres:Schema=${schema}`],
});
const devices = [];
try {
  log(`${p.case}: provisioning ${members} users`);
  const { orgId, users } = await provision(server.url, adminKey, members, { concurrency: 32 });
  const org = encodeURIComponent(orgId);

  // Who sends what to whom, and who of the recipients is connected.
  let sendOne; // (k) -> REST send of message k
  let recipients;
  if (p.case === "direct") {
    const senders = users.slice(0, p.pairs);
    recipients = users.slice(p.pairs);
    sendOne = (k) => restClient(server.url, { token: senders[k % p.pairs].token })
      .post("/v1/messages", { organizationId: orgId, recipientId: recipients[k % p.pairs].id, body: `wal message ${k}`, clientMessageId: `w${k}` });
  } else {
    const owner = restClient(server.url, { token: users[0].token });
    const others = users.slice(1).map((u) => u.id);
    const created = await owner.post(`/v1/organizations/${org}/groups`, { name: `WAL ${p.case}`, type: p.case, memberIds: others.slice(0, 99) });
    const groupId = created.group.id;
    for (let i = 99; i < others.length; i += 100) {
      await owner.post(`/v1/organizations/${org}/groups/${groupId.split(":")[1]}/members`, { userIds: others.slice(i, i + 100) });
    }
    recipients = users.slice(5); // not the senders: a sender's own device does not get its message
    // A broadcast group sends through its members' rosters for the server's grace (Silo:Groups:BroadcastGrace).
    if (members > 100) await new Promise((r) => setTimeout(r, p.groupSettle * 1000));
    const senders = users.slice(0, 5);
    sendOne = (k) => restClient(server.url, { token: senders[k % senders.length].token })
      .post(`/v1/conversations/${encodeURIComponent(groupId)}/messages`, { body: `wal message ${k}`, clientMessageId: `w${k}` });
  }

  const got = new Map(); // clientMessageId -> connected recipients that got it
  for (const u of recipients.slice(0, p.connected)) {
    devices.push(await openHub(server.url, u.token, { message: (m) => got.set(m.clientMessageId, (got.get(m.clientMessageId) ?? 0) + 1) }));
  }
  const perMessage = p.case === "direct" ? Math.min(p.connected, p.pairs) / p.pairs : Math.min(p.connected, recipients.length);
  const sendAll = async (from, count) => {
    await pool(count, p.concurrency, (i) => sendOne(from + i));
    const expected = Math.floor(count * perMessage);
    const deadline = performance.now() + 30_000;
    const delivered = () => [...got.entries()].filter(([id]) => Number(id.slice(1)) >= from && Number(id.slice(1)) < from + count).reduce((s, [, n]) => s + n, 0);
    while (delivered() < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (delivered() < expected) throw new Error(`only ${delivered()} of ${expected} deliveries`);
    await new Promise((r) => setTimeout(r, p.settle * 1000));
  };

  sql("CHECKPOINT");
  log(`warm-up: ${p.warmup} messages`);
  await sendAll(0, p.warmup);
  const idle0 = wal();
  await new Promise((r) => setTimeout(r, p.settle * 1000));
  const w0 = wal();
  const idleBytesPerSecond = Number(sql(`SELECT pg_wal_lsn_diff('${w0.lsn}', '${idle0.lsn}')`)) / p.settle;
  const feed0 = feedRows();
  log(`measuring: ${p.messages} messages`);
  const started = performance.now();
  await sendAll(p.warmup, p.messages);
  const seconds = (performance.now() - started) / 1000;
  const w1 = wal();
  const feed1 = feedRows();
  const bytes = Number(sql(`SELECT pg_wal_lsn_diff('${w1.lsn}', '${w0.lsn}')`));
  console.log(JSON.stringify({
    case: p.case, members, apiDll: p.apiDll, messages: p.messages, connected: devices.length, seconds: Math.round(seconds * 10) / 10,
    walBytes: bytes, walBytesPerMessage: Math.round(bytes / p.messages),
    walBytesPerMessageIdleRemoved: Math.round((bytes - idleBytesPerSecond * seconds) / p.messages),
    idleWalBytesPerSecond: Math.round(idleBytesPerSecond),
    walRecordsPerMessage: Math.round(((w1.records - w0.records) / p.messages) * 10) / 10,
    fullPageImages: w1.fpi - w0.fpi,
    feedRowsPerMessage: Math.round(((feed1.rows - feed0.rows) / p.messages) * 100) / 100,
    feedRowBytesPerMessage: Math.round((feed1.bytes - feed0.bytes) / p.messages),
  }));
} finally {
  await Promise.all(devices.map((d) => closeHub(d).catch(() => {})));
  await server.stop();
  try { sql(`SET client_min_messages = warning; DROP SCHEMA IF EXISTS "${schema}" CASCADE`); } catch { /* the before build's schema may differ; the cluster is throwaway */ }
}

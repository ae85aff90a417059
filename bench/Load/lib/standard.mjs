// The standard suite that scripts/bench.sh runs (at most 10 minutes on our 2-core machine), and the
// issue's targets that each step is judged against.

// Every server also gets lib/server.mjs's loadServerArgs (sign-in limit lifted, cheaper hashing).

export const standardSuite = [
  {
    name: "connect-10k",
    workload: "connect",
    params: { users: 10000, concurrency: 500, hold: 15, settle: 3 },
    timeoutSeconds: 240,
    targets: [
      { label: "users connected", value: (r) => r.connections?.connected, op: ">=", limit: 10000, unit: "" },
      { label: "server RSS per idle connected user above the empty server's", value: (r) => r.memory?.perUserAboveEmptyKB, op: "<=", limit: 30, unit: "KB" },
    ],
  },
  {
    name: "chat-1to1-4000",
    workload: "chat-1to1",
    params: { users: 1000, rate: 4000, duration: 30, warmup: 5 },
    timeoutSeconds: 150,
    targets: [
      { label: "p99 end-to-end latency at 4,000 msgs/s", value: (r) => ms(r.latencyUs?.e2e?.p99), op: "<", limit: 50, unit: "ms" },
      { label: "delivered msgs/s (offered 4,000)", value: (r) => r.throughput?.deliveredPerSec, op: ">=", limit: 3960, unit: "/s" },
      ...books(),
    ],
  },
  {
    name: "chat-1to1-saturation",
    workload: "chat-1to1",
    params: { users: 1000, rate: 0, inflight: 2, duration: 30, warmup: 5 },
    timeoutSeconds: 180,
    targets: [
      { label: "delivered msgs/s at saturation, every message persisted", value: (r) => r.throughput?.deliveredPerSec, op: ">=", limit: 15000, unit: "/s" },
      ...books(),
    ],
  },
  {
    name: "group-chat-saturation",
    workload: "group-chat",
    params: { groups: 20, members: 50, senders: 50, rate: 0, duration: 30, warmup: 5 },
    timeoutSeconds: 180,
    targets: books(),
  },
  {
    // 10,000 deliveries/s: what this machine sustains with the generator beside the server (see README.md).
    name: "forum-5000",
    workload: "forum",
    params: { members: 5000, senders: 10, rate: 2, duration: 30, warmup: 5 },
    timeoutSeconds: 240,
    targets: [
      { label: "sender acknowledgement p99", value: (r) => ms(r.latencyUs?.ack?.p99), op: "<", limit: 50, unit: "ms" },
      { label: "delivery to all 5,000 members p99", value: (r) => ms(r.latencyUs?.e2e?.p99), op: "<", limit: 500, unit: "ms" },
      ...books(),
    ],
  },
  {
    name: "reconnect",
    workload: "reconnect",
    params: { users: 500, rate: 0, inflight: 1, duration: 20, warmup: 2, dropPercent: 20, dropEvery: 5 },
    timeoutSeconds: 120,
    targets: books(),
  },
  {
    // Issue 15: a user with 1,000 conversations back after 10,000 changes; replayed from its cursor.
    name: "offline-sync",
    workload: "offline-sync",
    params: { conversations: 1000, perConversation: 10 },
    timeoutSeconds: 240,
    targets: books(),
  },
  {
    // Issue 14: 10,000 connected users, each subscribed to 20 others, 10% flapping (every 2.5 s, so each flap is
    // published). Mostly set-up: 200,000 subscriptions; about 2.5 minutes on a quiet machine.
    name: "presence-10k",
    workload: "presence",
    params: { users: 10000, subscriptions: 20, flapPercent: 10, flapPeriod: 2.5, duration: 30, warmup: 3, settle: 3, idle: 5 },
    timeoutSeconds: 240,
    targets: [
      { label: "users connected", value: (r) => r.connections?.connected, op: ">=", limit: 10000, unit: "" },
      { label: "subscribers whose last seen status is not the user's final one", value: (r) => r.verification?.mismatches, op: "<=", limit: 0, unit: "" },
      { label: "subscribers of a flapper that heard nothing", value: (r) => r.verification?.silentPairs, op: "<=", limit: 0, unit: "" },
    ],
  },
];

function books() {
  return [
    { label: "lost messages", value: (r) => r.verification?.lost, op: "<=", limit: 0, unit: "" },
    { label: "duplicated messages", value: (r) => r.verification?.duplicated, op: "<=", limit: 0, unit: "" },
  ];
}

const ms = (us) => (us == null ? undefined : Math.round(us / 100) / 10);

export function evaluateTargets(targets, result) {
  return targets.map((t) => {
    const value = t.value(result);
    const met = value != null && (t.op === "<=" ? value <= t.limit : t.op === "<" ? value < t.limit : value >= t.limit);
    return { label: t.label, value: value ?? null, op: t.op, limit: t.limit, unit: t.unit, met };
  });
}

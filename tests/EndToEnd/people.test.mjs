// People through the real server with the official @microsoft/signalr client: presence reaches subscribers (and only
// them) as devices connect, go to the background and leave; a privacy list's deny refuses 1-1 sends, hides presence,
// and keeps a blocked member's messages of a broadcast forum from the blocker's devices.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

const events = ["message", "presence:change", "user:subscribed", "user:updated"];
let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  server = await start(dataDir, { args: ["--Silo:Groups:BroadcastGrace=00:00:01"] });
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("presence follows devices to subscribers only, merged when a device flaps, with profile changes", async () => {
  const { users: { ann, ben, cat } } = await provision(server.url, ["ann", "ben", "cat"]);
  const benHub = await connect(server.url, ben.token, events);
  const catHub = await connect(server.url, cat.token, events);
  let annHub;
  try {
    const [initial] = await benHub.connection.invoke("Subscribe", [ann.id]);
    assert.deepEqual([initial.userId, initial.status, initial.lastActivitySeconds], [ann.id, "UNAVAILABLE", null]);
    await benHub.next("user:subscribed", (s) => s.userId === ann.id && s.subscriberId === ben.id);

    annHub = await connect(server.url, ann.token, events);
    await benHub.next("presence:change", (p) => p.userId === ann.id && p.status === "AVAILABLE");

    // Ten flaps within one window, ending in the background: Ben hears of it once, with where it ended.
    for (let i = 0; i < 10; i++) await annHub.connection.invoke("SetActive", i % 2 === 1);
    await annHub.connection.invoke("SetActive", false);
    await benHub.next("presence:change", (p) => p.userId === ann.id && p.status === "UNAVAILABLE", 3_000);
    await new Promise((ok) => setTimeout(ok, 1_500)); // past the 1 s window: nothing more comes
    const changes = benHub.received.filter((e) => e.name === "presence:change").map((e) => e.payload.status);
    assert.deepEqual(changes, ["AVAILABLE", "UNAVAILABLE"]);

    await annHub.connection.invoke("SetPresence", "DND");
    await annHub.connection.invoke("SetActive", true);
    await benHub.next("presence:change", (p) => p.status === "DND", 3_000);
    await ann.api.patch("/v1/me", { statusText: "heads down", privateData: { secret: "mine" } });
    const updated = await benHub.next("user:updated", (u) => u.id === ann.id);
    assert.deepEqual([updated.statusText, updated.privateData], ["heads down", null]);

    const heard = benHub.received.length;
    await annHub.connection.stop();
    annHub = undefined;
    const gone = await waitFor(() => benHub.received.slice(heard).find((e) => e.name === "presence:change" && e.payload.status === "UNAVAILABLE"), 3_000);
    assert.ok(gone.payload.lastActivitySeconds >= 0);
    assert.ok(!catHub.received.some((e) => e.name === "presence:change"), "a user who did not subscribe hears nothing");
  } finally {
    await Promise.all([benHub, catHub, annHub].filter(Boolean).map((h) => h.connection.stop()));
  }
});

async function waitFor(find, timeoutMs) {
  for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((ok) => setTimeout(ok, 50))) {
    const found = find();
    if (found) return found;
  }
  throw new Error(`nothing within ${timeoutMs} ms`);
}

test("a deny refuses 1-1 sends, hides presence, and keeps the blocked member's forum broadcasts from the blocker", async () => {
  // 101 members: past the limit where a group sends each message once per API host, which filters for the blocker.
  const names = Array.from({ length: 101 }, (_, i) => `p${i}`);
  const { orgId, users } = await provision(server.url, names, { parallel: 8 });
  const [owner, me, them] = [users.p0, users.p1, users.p2];
  const created = await owner.api.post(`/v1/organizations/${orgId}/groups`, {
    name: "Everyone", type: "forum", memberIds: names.slice(1).map((n) => users[n].id),
  });
  const forum = created.body.group;
  const myHub = await connect(server.url, me.token, events);
  const ownerHub = await connect(server.url, owner.token, events);
  try {
    await myHub.connection.invoke("SetPrivacyList", "blocked", [{ userId: them.id, action: "deny", mutual: false }]);
    await myHub.connection.invoke("SetActivePrivacyList", "blocked");

    await assert.rejects(
      them.api.post("/v1/messages", { organizationId: orgId, recipientId: me.id, body: "hi", clientMessageId: "t-1" }),
      (error) => error.status === 403 && error.problem.code === "permission-denied");
    const seen = await them.api.get(`/v1/users/${me.id}/presence`);
    assert.equal(seen.body.status, "UNKNOWN");

    await new Promise((ok) => setTimeout(ok, 1_500)); // the broadcast grace passes
    const fromThem = (await them.api.post(`/v1/conversations/${forum.id}/messages`, { body: "from them", clientMessageId: "f-1" })).body;
    const fromOwner = await ownerHub.connection.invoke("SendToConversation", forum.id, { body: "from owner", clientMessageId: "o-1" });
    await ownerHub.next("message", (m) => m.id === fromThem.id, 5_000);
    await myHub.next("message", (m) => m.id === fromOwner.id, 5_000);
    await new Promise((ok) => setTimeout(ok, 500)); // one-way pushes need not keep their order: give it time to show up
    assert.ok(!myHub.received.some((e) => e.name === "message" && e.payload.id === fromThem.id), "the blocked member's message did not reach me");
  } finally {
    await Promise.all([myHub, ownerHub].map((h) => h.connection.stop()));
  }
});

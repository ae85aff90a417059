// Typing indicators through the real server with the official @microsoft/signalr client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

const timeoutMs = 2_000;
// The sends' events are listened to as well, so that the client does not warn about them.
const events = ["typing:change", "message", "conversation:change", "message:delivered"];
const typings = (hub) => hub.received.filter((e) => e.name === "typing:change").map((e) => e.payload);
let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  // A short typing timeout, so that the test watches a start end by itself.
  server = await start(dataDir, { args: [`--Silo:Typing:Timeout=00:00:0${timeoutMs / 1_000}`] });
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("a start of typing reaches the other member at once, not the typist, and ends by itself after the timeout", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  const aliceHub = await connect(server.url, alice.token, events);
  const bobHub = await connect(server.url, bob.token, events);
  try {
    const sent = await aliceHub.connection.invoke("SendMessage", {
      organizationId: orgId, recipientId: bob.id, body: "hi", clientMessageId: "t-1",
    });
    await bobHub.connection.invoke("ListConversations", orgId, null); // the hub observes bob from his first call on

    const startedAt = performance.now();
    await aliceHub.connection.invoke("StartTyping", sent.conversationId);
    const started = await bobHub.next("typing:change", (c) => c.typing, 1_000);
    assert.deepEqual(
      [started.conversationId, started.organizationId, started.userId],
      [sent.conversationId, orgId, alice.id]);
    assert.ok(!Number.isNaN(Date.parse(started.at)));

    const ended = await bobHub.next("typing:change", (c) => !c.typing, timeoutMs + 3_000);
    assert.equal(ended.userId, alice.id);
    assert.ok(performance.now() - startedAt >= timeoutMs - 100, "typing must last the timeout");
    assert.equal(typings(bobHub).filter((c) => c.typing).length, 1);
    assert.equal(typings(aliceHub).length, 0);
  } finally {
    await aliceHub.stop();
    await bobHub.stop();
  }
});

test("StopTyping ends it at once, and a user outside the conversation is refused", async () => {
  const { orgId, users: { alice, bob, carol } } = await provision(server.url, ["alice", "bob", "carol"]);
  const aliceHub = await connect(server.url, alice.token, events);
  const bobHub = await connect(server.url, bob.token, events);
  const carolHub = await connect(server.url, carol.token, events);
  try {
    const sent = await aliceHub.connection.invoke("SendMessage", {
      organizationId: orgId, recipientId: bob.id, body: "hi", clientMessageId: "s-1",
    });
    await bobHub.connection.invoke("ListConversations", orgId, null);

    await aliceHub.connection.invoke("StartTyping", sent.conversationId);
    await bobHub.next("typing:change", (c) => c.typing, 1_000);
    await aliceHub.connection.invoke("StopTyping", sent.conversationId);
    const stopped = await bobHub.next("typing:change", (c) => !c.typing, 1_000);
    assert.equal(stopped.userId, alice.id);

    await assert.rejects(carolHub.connection.invoke("StartTyping", sent.conversationId), /permission-denied/);
  } finally {
    await aliceHub.stop();
    await bobHub.stop();
    await carolHub.stop();
  }
});

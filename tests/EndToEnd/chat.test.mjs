// Two users chat through the real server with the official @microsoft/signalr client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  server = await start(dataDir);
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("a message sent over the hub reaches the recipient within a second, and reading it clears the unread count", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  const aliceHub = await connect(server.url, alice.token);
  const bobHub = await connect(server.url, bob.token);
  try {
    const sentAt = performance.now();
    const sent = await aliceHub.connection.invoke("SendMessage", {
      organizationId: orgId, recipientId: bob.id, body: "hello bob", clientMessageId: "m-1",
    });
    assert.equal(sent.body, "hello bob");
    assert.equal(sent.sortNumber, 1);

    const received = await bobHub.next("message", (m) => m.id === sent.id, 1_000);
    assert.equal(received.senderId, alice.id);
    assert.ok(performance.now() - sentAt < 1_000, "message must arrive within a second");

    const conversations = (await bob.api.get(`/v1/organizations/${orgId}/conversations`)).body.items;
    const conversation = conversations.find((c) => c.id === sent.conversationId);
    assert.equal(conversation.unreadCount, 1);
    assert.equal((await bob.api.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 1);

    await bobHub.connection.invoke("MarkRead", sent.conversationId, sent.sortNumber);
    const read = await aliceHub.next("message:read", (r) => r.conversationId === sent.conversationId, 2_000);
    assert.equal(read.readerId, bob.id);
    assert.equal(read.sortNumber, sent.sortNumber);

    assert.equal((await bob.api.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 0);
    const after = (await bob.api.get(`/v1/organizations/${orgId}/conversations`)).body.items;
    assert.equal(after.find((c) => c.id === sent.conversationId).unreadCount, 0);
  } finally {
    await aliceHub.stop();
    await bobHub.stop();
  }
});

test("a retry with the same client message id returns the stored message, not a second one", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  const request = { organizationId: orgId, recipientId: bob.id, body: "once", clientMessageId: "retry-1" };
  const first = await alice.api.post("/v1/messages", request);
  const second = await alice.api.post("/v1/messages", request);
  assert.equal(first.status, 201);
  assert.equal(second.body.id, first.body.id);
  assert.equal(second.body.sortNumber, first.body.sortNumber);
  const history = (await bob.api.get(`/v1/conversations/${first.body.conversationId}/messages?limit=50`)).body;
  assert.equal(history.length, 1);
});

test("the sender's other device receives its own sent message", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  const { signIn } = await import("./server.mjs");
  const secondToken = await signIn(server.url, alice.id, alice.password, `udid-second-${alice.id}`);
  const aliceOther = await connect(server.url, secondToken);
  try {
    const sent = (await alice.api.post("/v1/messages", {
      organizationId: orgId, recipientId: bob.id, body: "from my phone", clientMessageId: "echo-1",
    })).body;
    const echoed = await aliceOther.next("message", (m) => m.id === sent.id, 2_000);
    assert.equal(echoed.body, "from my phone");
  } finally {
    await aliceOther.stop();
  }
});

test("a hub call without a valid token is refused", async () => {
  const { connect: open } = await import("./server.mjs");
  await assert.rejects(open(server.url, "not-a-token"));
});

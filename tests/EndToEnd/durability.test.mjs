// An acknowledged message survives SIGKILL of the server right after the acknowledgement.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, dataDirectory, provision, removeDataDirectory, signIn, start } from "./server.mjs";

test("messages acknowledged before a SIGKILL are in the history after a restart, with the right counters", async () => {
  const dataDir = dataDirectory();
  let server = await start(dataDir);
  try {
    const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
    // Several sends in flight at once, so the kill lands right behind acknowledged group commits.
    const sends = Array.from({ length: 20 }, (_, i) => alice.api.post("/v1/messages", {
      organizationId: orgId, recipientId: bob.id, body: `durable ${i}`, clientMessageId: `d-${i}`,
    }));
    const acknowledged = (await Promise.all(sends)).map((r) => r.body);
    await server.kill();

    server = await start(dataDir);
    const bobToken = await signIn(server.url, bob.id, bob.password, "udid-after-restart");
    const bobApi = api(server.url, bobToken);
    const conversationId = acknowledged[0].conversationId;
    const history = (await bobApi.get(`/v1/conversations/${conversationId}/messages?limit=200`)).body;
    for (const message of acknowledged) {
      assert.ok(history.some((m) => m.id === message.id && m.body === message.body), `${message.id} lost`);
    }
    const sortNumbers = history.map((m) => m.sortNumber).sort((a, b) => a - b);
    assert.deepEqual(sortNumbers, Array.from({ length: 20 }, (_, i) => i + 1), "sortNumbers gap-free and unique");

    const conversations = (await bobApi.get(`/v1/organizations/${orgId}/conversations`)).body.items;
    assert.equal(conversations.find((c) => c.id === conversationId).unreadCount, 20);
    assert.equal((await bobApi.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 20);

    // A token issued before the kill still works: the data-protection keys are persisted.
    const aliceAfter = api(server.url, alice.token);
    const retry = await aliceAfter.post("/v1/messages", {
      organizationId: orgId, recipientId: bob.id, body: "durable 0", clientMessageId: "d-0",
    });
    assert.equal(retry.body.id, acknowledged[0].id, "a retry after the restart returns the stored message");
  } finally {
    await server.stop();
    removeDataDirectory(dataDir);
  }
});

// Message search through the real server with the official @microsoft/signalr client, on SQLite and on PostgreSQL
// (when ORLEANS_CHAT_TEST_POSTGRES is set, as scripts/test.sh does).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { api, connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

for (const store of ["sqlite", "postgres"]) {
  describe(`search on ${store}`, { skip: store === "postgres" && !process.env.ORLEANS_CHAT_TEST_POSTGRES }, () => {
    let server;
    let dataDir;
    // The recall's event is listened to as well, so that the client does not warn about it.
    const events = ["message", "conversation:change", "message:read", "message:recalled"];

    before(async () => {
      dataDir = dataDirectory();
      server = await start(dataDir, { store });
    });

    after(async () => {
      await server?.stop();
      removeDataDirectory(dataDir);
    });

    test("SearchMessages finds my messages ranked and highlighted, follows a recall, and shows others nothing", async () => {
      const { orgId, users: { alice, bob, carol } } = await provision(server.url, ["alice", "bob", "carol"]);
      const aliceHub = await connect(server.url, alice.token, events);
      const carolHub = await connect(server.url, carol.token, events);
      try {
        const send = (body, id) => aliceHub.connection.invoke("SendMessage", { organizationId: orgId, recipientId: bob.id, body, clientMessageId: id });
        const once = await send("Café report", "s-1");
        const twice = await send("report, report again", "s-2");
        await send("nothing here", "s-3");

        const page = await aliceHub.connection.invoke("SearchMessages", orgId, { q: "REPORT" });
        assert.deepEqual(page.items.map((i) => i.sortNumber), [twice.sortNumber, once.sortNumber]);
        assert.deepEqual(page.items[0].highlight, [{ start: 0, length: 6 }, { start: 8, length: 6 }]);
        assert.equal(page.continuation, null);
        const accents = await api(server.url, alice.token).get(`/v1/organizations/${orgId}/messages/search?q=cafe`);
        assert.deepEqual(accents.body.items.map((i) => [i.message.body, i.highlight]), [["Café report", [{ start: 0, length: 4 }]]]);

        await api(server.url, alice.token).post(`/v1/conversations/${encodeURIComponent(once.conversationId)}/messages/${once.sortNumber}/recall`);
        const after = await aliceHub.connection.invoke("SearchMessages", orgId, { q: "report" });
        assert.deepEqual(after.items.map((i) => i.sortNumber), [twice.sortNumber]);

        assert.deepEqual((await carolHub.connection.invoke("SearchMessages", orgId, { q: "report" })).items, []);
        await assert.rejects(
          carolHub.connection.invoke("SearchMessages", orgId, { q: "report", conversationId: once.conversationId }), /not-found/);
        await assert.rejects(aliceHub.connection.invoke("SearchMessages", orgId, { q: "!!" }), /invalid-argument/);
      } finally {
        await aliceHub.stop();
        await carolHub.stop();
      }
    });
  });
}

// Pushes through the real server to a webhook relay (a local HTTP server here), with the official @microsoft/signalr
// client standing in for a connected device.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

const secret = "e2e-webhook-secret";
const posts = [];
let relay;
let server;
let dataDir;

before(async () => {
  relay = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString("utf8"));
      posts.push({ headers: req.headers, raw, body });
      // A relay that finds the token dead at APNs says so.
      if (body.token.startsWith("dead-")) {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ reason: "Unregistered" }));
      } else {
        res.writeHead(200).end();
      }
    });
  });
  await new Promise((ok) => relay.listen(0, "127.0.0.1", ok));
  dataDir = dataDirectory();
  server = await start(dataDir, {
    args: [
      "--Push:Sender=webhook",
      `--Push:Webhook:Url=http://127.0.0.1:${relay.address().port}/push`,
      `--Push:Webhook:Secret=${secret}`,
    ],
  });
});

after(async () => {
  await server?.stop();
  relay?.close();
  removeDataDirectory(dataDir);
});

async function nextPost(match, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = posts.find((p) => match(p.body));
    if (found) return found;
    if (Date.now() > deadline) throw new Error("no matching push within the time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a user with no connected device gets a signed webhook push per token, none while a device is connected", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  await bob.api.put("/v1/me/push-token", { provider: "fcm", token: `fcm-${bob.id}` });

  const sent = (await alice.api.post("/v1/messages", {
    organizationId: orgId, recipientId: bob.id, body: "while offline", clientMessageId: "p-1",
  })).body;

  const push = await nextPost((b) => b.userId === bob.id && b.body === "while offline");
  assert.equal(push.headers["x-chat-signature"], `sha256=${createHmac("sha256", secret).update(push.raw).digest("hex")}`);
  assert.deepEqual(
    [push.body.provider, push.body.token, push.body.conversationId, push.body.organizationId, push.body.sortNumber, push.body.senderId, push.body.senderName, push.body.badge],
    ["fcm", `fcm-${bob.id}`, sent.conversationId, orgId, sent.sortNumber, alice.id, "alice", 1]);

  const bobHub = await connect(server.url, bob.token);
  try {
    await bobHub.connection.invoke("ListConversations", orgId, null);
    await alice.api.post("/v1/messages", { organizationId: orgId, recipientId: bob.id, body: "while online", clientMessageId: "p-2" });
    await bobHub.next("message", (m) => m.body === "while online");
    await sleep(500);
    assert.equal(posts.filter((p) => p.body.userId === bob.id && p.body.body === "while online").length, 0, "no push to a connected user");
  } finally {
    await bobHub.connection.stop();
  }

  // The API host tells the user grain the connection went; a message after that is pushed again.
  const deadline = Date.now() + 5_000;
  for (let i = 3; ; i++) {
    await alice.api.post("/v1/messages", { organizationId: orgId, recipientId: bob.id, body: `offline again ${i}`, clientMessageId: `p-${i}` });
    try {
      await nextPost((b) => b.userId === bob.id && b.body.startsWith("offline again"), 500);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
});

test("a token the relay calls unregistered is dropped", async () => {
  const { orgId, users: { alice, carol } } = await provision(server.url, ["alice", "carol"]);
  await carol.api.put("/v1/me/push-token", { provider: "apns", token: `dead-${carol.id}` });

  await alice.api.post("/v1/messages", { organizationId: orgId, recipientId: carol.id, body: "to a dead token", clientMessageId: "d-1" });

  await nextPost((b) => b.userId === carol.id);
  const deadline = Date.now() + 5_000;
  while ((await carol.api.get("/v1/me/push-tokens")).body.length > 0) {
    assert.ok(Date.now() < deadline, "the token is still listed after 5 s");
    await sleep(50);
  }
});

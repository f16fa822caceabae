// A tiny MCP server built with the official SDK, for the agent's MCP client tests: tools `add`,
// `echo` and `fail` (answers isError). `node server.mjs` speaks stdio; `node server.mjs --http
// PORT_FILE [--json]` serves streamable HTTP on a free loopback port (written to PORT_FILE), with
// SSE replies, or plain JSON replies with --json.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { writeFileSync, renameSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

function makeServer() {
  const server = new McpServer({ name: "calc", version: "1.0.0" });
  server.registerTool(
    "add",
    { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool(
    "echo",
    { description: "Echoes its text back", inputSchema: { text: z.string() } },
    async ({ text }) => ({
      content: [
        { type: "text", text: `echo: ${text}` },
        { type: "image", data: "aGVsbG8=", mimeType: "image/png" },
      ],
    }),
  );
  server.registerTool(
    "fail",
    { description: "Always fails", inputSchema: { why: z.string() } },
    async ({ why }) => ({ content: [{ type: "text", text: `failed: ${why}` }], isError: true }),
  );
  return server;
}

const args = process.argv.slice(2);
if (args[0] === "--http") {
  const portFile = args[1];
  const jsonReplies = args.includes("--json");
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: jsonReplies,
  });
  await makeServer().connect(transport);
  const http = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    let parsed;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      res.writeHead(400).end("bad json");
      return;
    }
    await transport.handleRequest(req, res, parsed);
  });
  http.listen(0, "127.0.0.1", () => {
    writeFileSync(portFile + ".tmp", String(http.address().port));
    renameSync(portFile + ".tmp", portFile);
  });
} else {
  await makeServer().connect(new StdioServerTransport());
}

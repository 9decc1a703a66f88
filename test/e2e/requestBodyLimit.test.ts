// A request body is refused once it passes its limit while it is still streaming: a chunked
// record body (no Content-Length) larger than the record limit gets its 413 while the client is
// still sending (the terminating chunk is never sent here), and nothing is written. A chunked
// body within the limit is read whole. Raw HTTP over a socket against the embedded runtime,
// which streams request bodies to the functions as the Functions host does with
// enableHttpStream (app.ts).
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_USER, Keyward } from "../support/keyward";

const USER = { as: { oid: DATA_USER, roles: ["Environment.User"] } };
const RECORD_LIMIT = 4 * 1024 * 1024;
let kw: Keyward;
let env: string;
let token: string;

beforeAll(async () => {
  kw = await Keyward.start();
  env = await kw.environment();
  token = await kw.token(DATA_USER, ["Environment.User"]);
});
afterAll(async () => kw?.stop());

/** Sends `total` bytes of a JSON string in chunks, ending the body only if `finish`; resolves with the raw answer and how much had been sent when it came. */
function chunkedPut(path: string, total: number, finish: boolean): Promise<{ answer: string; sentWhenAnswered: number }> {
  const { port } = new URL(kw.stack.apiBaseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    let answer = "";
    let sent = 0;
    let sentWhenAnswered = -1;
    socket.on("error", (err) => (answer ? undefined : reject(err)));
    socket.on("data", (d) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      answer += d.toString();
      // The whole answer is in (its Content-Length): done, whether or not the body was finished.
      const [head, rest] = [answer.slice(0, answer.indexOf("\r\n\r\n")), answer.slice(answer.indexOf("\r\n\r\n") + 4)];
      const length = /content-length: (\d+)/i.exec(head)?.[1];
      if (answer.includes("\r\n\r\n") && length !== undefined && Buffer.byteLength(rest) >= Number(length)) socket.destroy();
    });
    socket.on("close", () => resolve({ answer, sentWhenAnswered }));
    socket.write(`PUT ${new URL(kw.stack.apiBaseUrl).pathname}/${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    const chunk = Buffer.alloc(64 * 1024, "a");
    const body = [Buffer.from('"'), ...Array.from({ length: Math.ceil(total / chunk.length) }, () => chunk), Buffer.from('"')];
    const pump = () => {
      while (body.length && sentWhenAnswered < 0) {
        const part = body.shift()!;
        sent += part.length;
        const framed = Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]);
        if (!socket.write(framed)) return void socket.once("drain", pump);
      }
      if (!body.length && finish) socket.write("0\r\n\r\n");
      // Unfinished: the body's end is never sent; only an answer before it ends this.
    };
    pump();
  });
}

describe("request body limits while streaming", () => {
  it("answers 413 before a chunked body past the limit has been sent, and writes nothing", async () => {
    // The body's end is never sent: without streaming the server would wait for it forever, and this test would time out.
    const total = 10 * RECORD_LIMIT;
    const { answer, sentWhenAnswered } = await chunkedPut(`environments/${env}/records/t/too-big`, total, false);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain("RequestBodyTooLarge");
    expect(sentWhenAnswered).toBeGreaterThan(0);
    expect(sentWhenAnswered).toBeLessThan(total);
    const got = await kw.call("GET", `environments/${env}/records/t/too-big`, USER);
    expect(got.status).toBe(404);
  });

  it("closes a keep-alive connection answered before its body ended, so the body's rest is never parsed as a request", async () => {
    // A GET whose chunked body no route reads: answered at once, the rest of the body unread.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (body?: Buffer) => new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const req = http.request(`${kw.stack.apiBaseUrl}/environments/${env}/records/t`, {
        method: "GET", agent, headers: { authorization: `Bearer ${token}`, ...(body ? { "transfer-encoding": "chunked" } : {}) },
      }, (res) => { res.resume(); res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection })); });
      req.on("error", reject);
      if (body) req.write(body);
      // The body's end comes only after the answer: the route has answered without it.
      setTimeout(() => req.end(), 200);
    });
    try {
      const first = await get(Buffer.alloc(256 * 1024, "x"));
      expect(first).toEqual({ status: 200, connection: "close" });
      const second = await get();
      expect(second.status).toBe(200);
      expect(second.connection).toBe("keep-alive");
    } finally {
      agent.destroy();
    }
  });

  it("reads a chunked body within the limit whole", async () => {
    const { answer } = await chunkedPut(`environments/${env}/records/t/fits`, 300 * 1024, true);
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    const got = await kw.call("GET", `environments/${env}/records/t/fits`, USER);
    expect(got.status).toBe(200);
    expect((got.body.value as string).length).toBe(Math.ceil((300 * 1024) / 65536) * 65536);
  });
});

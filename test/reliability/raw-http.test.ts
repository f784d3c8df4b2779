import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';

/** Sends `raw` on a fresh socket and reads until the server closes it (or 10 s pass). */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data);
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      data += d;
      // A complete answer: headers and a Content-Length body.
      const end = data.indexOf('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(data.slice(0, end))?.[1];
      if (end >= 0 && len !== undefined && Buffer.byteLength(data.slice(end + 4)) >= Number(len)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(raw);
  });
}

function parse(answer: string): { status: number; headers: string; body: string } {
  const end = answer.indexOf('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1]), headers: answer.slice(0, end), body: answer.slice(end + 4) };
}

describe('requests the HTTP layer refuses get the standard JSON error shape', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s?.close());

  const cases: Array<[string, string]> = [
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n'],
    ['HTTP/1.0 token request without Host', 'POST /token HTTP/1.0\r\nContent-Length: 0\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET /.well-known/oauth-authorization-server HTTP/1.1\r\nConnection: close\r\n\r\n'],
    ['a Host with a space', 'GET / HTTP/1.1\r\nHost: bad host\r\nConnection: close\r\n\r\n'],
    ['a Host with a slash', 'GET / HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n'],
    ['a Host with userinfo', 'GET / HTTP/1.1\r\nHost: u@evil.example\r\nConnection: close\r\n\r\n'],
    ['an empty Host', 'GET / HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
  ];
  it.each(cases)('%s -> 400 {error: invalid_request, error_description} on both servers', async (_n, raw) => {
    for (const port of [s.ports.oauth, s.ports.mcp]) {
      const a = parse(await rawExchange(port, raw));
      expect(a.status, a.headers).toBe(400);
      expect(a.headers).toMatch(/\r\ncontent-type: application\/json/i);
      const body = JSON.parse(a.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
      expect(body.error).toBe('invalid_request');
      expect(String(body.error_description).length).toBeGreaterThan(10);
    }
  });

  it('a well-formed HTTP/1.0 request with a Host is still served', async () => {
    const a = parse(await rawExchange(s.ports.oauth, `GET /.well-known/oauth-authorization-server HTTP/1.0\r\nHost: 127.0.0.1:${s.ports.oauth}\r\n\r\n`));
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toHaveProperty('issuer');
  });
});

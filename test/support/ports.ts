import net from 'node:net';

/**
 * Two ports free on 127.0.0.1 right now, for a server that must come back on the same URLs after a
 * restart (its tokens name its resource URL as their audience). Both are held open at once, so the
 * two differ; another process could take one before the server binds it, which the server's
 * "already in use" line would then say.
 */
export async function freePorts(): Promise<{ oauth: number; mcp: number }> {
  const hold = () =>
    new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
  const servers = [await hold(), await hold()];
  const [oauth, mcp] = servers.map((s) => (s.address() as net.AddressInfo).port) as [number, number];
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return { oauth, mcp };
}

// Checks that the ports a service will listen on are free before it starts anything that acts: a
// second service on a taken port must fail before its sinks deliver a single record.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export interface PortClaim {
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
  /** What the port is for, and the option that changes it: `the API port`, `--port`. */
  what: string;
  option: string;
}

/** Resolves when every port can be bound (then frees it again); rejects naming the first taken one. */
export async function checkPortsFree(claims: PortClaim[]): Promise<void> {
  for (const c of claims) {
    if (c.port === 0) continue;
    const error = await tryBind(c);
    if (!error) continue;
    const where = `${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;
    if (error.code === 'EADDRINUSE')
      throw new Error(
        `${c.what} ${where} is already in use: stop the other process or choose another ${c.option}`,
      );
    if (error.code === 'EACCES')
      throw new Error(
        `${c.what} ${where} needs privileges this process lacks: choose a port above 1023 (${c.option})`,
      );
    throw new Error(`${c.what} ${where} cannot be opened: ${error.message}`);
  }
}

function tryBind(c: PortClaim): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    if (c.protocol === 'udp') {
      const s = createSocket(c.host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', (e) => {
        s.close();
        resolve(e);
      });
      s.bind({ port: c.port, address: c.host, exclusive: true }, () => s.close(() => resolve(undefined)));
      return;
    }
    const s = createServer();
    s.once('error', resolve);
    s.listen({ port: c.port, host: c.host, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

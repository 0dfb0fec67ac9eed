/** The sandbox's stand-in servers listen here: 127.0.0.1 only, on a free port. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Loopback {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Closes every connection, idle or not, then the server. */
  stop(): Promise<void>;
}

/**
 * Listens with `server` on 127.0.0.1 at a free port. No 5 s idle close for a request to race
 * (keepAliveTimeout 0): idle sockets stay open until `stop`, which closes them all.
 */
export const listenOnLoopback = async (server: Server): Promise<Loopback> => {
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/**
 * The admin HTTP server the sandbox's `http` custom actions reach (issue 15), on 127.0.0.1 (a free
 * port): every request is answered by the simulated environment's admin endpoints (sim-admin.ts),
 * which record it and apply its effect. Bodies are not read; answers have none.
 */
import { createServer } from 'node:http';
import type { SimulatedAdmin } from '../sim-admin';
import { listenOnLoopback } from './loopback';

export interface AdminServer {
  /** `http://127.0.0.1:<port>`: where the sandbox points every `http` action. */
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export const startAdminServer = async (admin: SimulatedAdmin): Promise<AdminServer> => {
  const server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    res.writeHead(admin.answer(req.method ?? 'GET', path, req.headers.authorization !== undefined));
    res.end();
  });
  return listenOnLoopback(server);
};

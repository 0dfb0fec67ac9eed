/**
 * The services' own admin endpoints in the simulated environment (issue 15): what the `http` custom
 * actions call (open a circuit breaker, clear a cache, as the runbooks' `curl -X POST
 * http://localhost:8080/admin/...`). A scenario registers an endpoint and its effect on the
 * environment; the loopback admin server (local-aws/admin-server.ts) answers through it and every
 * call is recorded, so a drill shows what automation called and when.
 */

/** One call the admin endpoints received. */
export interface AdminCall {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  /** Whether an Authorization header came with it. */
  readonly authorized: boolean;
  readonly status: number;
}

/** What an endpoint does: change the environment, and answer with a status. @default 200 */
export type AdminEffect = () => number | undefined;

export class SimulatedAdmin {
  private readonly endpoints = new Map<string, AdminEffect>();
  readonly calls: AdminCall[] = [];

  constructor(private readonly clock: () => Date) {}

  /** Registers `METHOD path` with its effect (replacing an earlier one). */
  on(method: string, path: string, effect: AdminEffect): void {
    this.endpoints.set(`${method.toUpperCase()} ${path}`, effect);
  }

  /** Answers one call: 404 for an endpoint nobody registered, 401 without Authorization. */
  answer(method: string, path: string, authorized: boolean): number {
    const effect = this.endpoints.get(`${method.toUpperCase()} ${path}`);
    const status = effect === undefined ? 404 : !authorized ? 401 : (effect() ?? 200);
    this.calls.push({ at: this.clock().toISOString(), method, path, authorized, status });
    return status;
  }
}

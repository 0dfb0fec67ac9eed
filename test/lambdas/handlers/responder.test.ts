import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import type { EscalationPolicies } from '../../../lambdas/domain/escalation';
import type { Incident } from '../../../lambdas/domain/incident';
import { linkFor, verifyLink, viewLinkFor } from '../../../lambdas/domain/links';
import {
  createResponderHandler,
  type ResponderHandlerDeps,
  requestOrigin,
} from '../../../lambdas/handlers/responder';
import { IncidentService } from '../../../lambdas/services/incident-service';
import type { ResponderEndpointDeps } from '../../../lambdas/services/responder-endpoint';
import { INCIDENT_PAGE_CSP } from '../../../lambdas/web/incident-page-html';
import { fakeLambdaContext } from '../../support/lambda';
import { useLocalDynamo } from '../../support/local-dynamo';

const SECRET = 'handler-test-secret-0123456789-abcdefghijklmn';
const NOW = new Date('2026-11-23T10:00:00.000Z');
const POLICY: EscalationPolicies = {
  P1: { steps: [] },
  P2: { steps: [{ afterMinutes: 0, notify: ['on-call'] }] },
  P3: { steps: [] },
  P4: { steps: [] },
};
const HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };

const context = fakeLambdaContext('responder');

/** A Lambda Function URL request (payload format 2.0) as AWS sends it. */
const functionUrlEvent = (
  method: string,
  rawPath: string,
  body?: { text: string; base64: boolean },
): LambdaFunctionURLEvent => ({
  version: '2.0',
  routeKey: '$default',
  rawPath,
  rawQueryString: '',
  headers: {
    'x-amzn-tls-cipher-suite': 'TLS_AES_128_GCM_SHA256',
    'x-amzn-tls-version': 'TLSv1.3',
    'x-amzn-trace-id': 'Root=1-67410ad5-0d5a1b2c3d4e5f6a7b8c9d0e',
    'x-forwarded-proto': 'https',
    host: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
    'x-forwarded-port': '443',
    'x-forwarded-for': '198.51.100.7',
    accept: 'text/html',
    'user-agent': 'Mozilla/5.0',
    ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
  },
  requestContext: {
    accountId: 'anonymous',
    apiId: 'abcdefghijklmnopqrstuvwxyz012345',
    domainName: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
    domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
    http: {
      method,
      path: rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: '198.51.100.7',
      userAgent: 'Mozilla/5.0',
    },
    requestId: '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    routeKey: '$default',
    stage: '$default',
    time: '23/Nov/2026:10:00:00 +0000',
    timeEpoch: NOW.getTime(),
  },
  ...(body
    ? {
        body: body.base64 ? Buffer.from(body.text).toString('base64') : body.text,
        isBase64Encoded: body.base64,
      }
    : { isBase64Encoded: false }),
});

const noCallbacks: WorkflowCallbacks = {
  succeed: async () => {},
  fail: async () => {},
};

const dynamo = useLocalDynamo();
let incidents: IncidentService;
let logger: Logger;
let counter = 0;

beforeEach(() => {
  incidents = new IncidentService(
    dynamo.store,
    { dedupFields: ['service', 'alarm'], reopenWindowMinutes: 30, resolveOnOk: true },
    () => NOW,
  );
  logger = new Logger({ serviceName: 'responder-test', logLevel: 'SILENT' });
  origins = [];
});

/** The endpoint's deps the handler asks for, and the origins it asked with. */
let origins: string[] = [];

const depsWith = (
  overrides: Partial<ResponderEndpointDeps> = {},
  clock: () => Date = () => NOW,
): ResponderHandlerDeps => ({
  endpointAt: (origin) => {
    origins.push(origin);
    return endpointDeps(overrides);
  },
  clock,
});

const endpointDeps = (overrides: Partial<ResponderEndpointDeps>): ResponderEndpointDeps => ({
  incidents,
  callbacks: noCallbacks,
  store: dynamo.store,
  escalation: POLICY,
  secret: async () => SECRET,
  pageEscalation: async () => {},
  pageFacts: async () => ({
    onCall: ['alice'],
    responseMinutes: { P1: 15, P2: 60, P3: null, P4: null },
    links: {},
  }),
  newId: randomUUID,
  ...overrides,
});

const openIncident = async (): Promise<Incident> => {
  const service = `svc-${++counter}`;
  const { incident } = await incidents.recordAlarm({
    signal: { alarmName: `${service}-errors`, state: 'ALARM', at: NOW.toISOString(), service },
    severity: 'P2',
    severityReason: 'configured P2',
    title: `${service}: error rate high`,
  });
  if (!incident) throw new Error('no incident opened');
  return incident;
};

const linkPath = (incidentId: string, action: 'ack' | 'resolve') =>
  `/a/${linkFor({ incidentId, action, recipient: 'on-call', now: NOW, ttlMinutes: 60, jti: randomUUID() }, SECRET)}`;

describe('responder handler on a Function URL', () => {
  it("GET of an incident page link sends the page's CSP and headers, buttons on the Function URL's own origin", async () => {
    const incident = await openIncident();
    const handler = createResponderHandler(depsWith(), logger);
    const token = viewLinkFor(
      { incidentId: incident.id, recipient: 'alice', now: NOW, ttlMinutes: 60 },
      SECRET,
    );

    const result = await handler(functionUrlEvent('GET', `/i/${token}`), context);

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      ...HEADERS,
      'content-security-policy': INCIDENT_PAGE_CSP,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    expect(result.body).toContain(`<h1>${incident.id}: `);
    const ack = result.body.match(
      /formaction="https:\/\/abcdefghijklmnopqrstuvwxyz012345\.lambda-url\.us-east-1\.on\.aws\/a\/([^"]+)">Acknowledge</,
    )?.[1];
    expect(ack && verifyLink(ack, SECRET, NOW)).toMatchObject({ inc: incident.id, act: 'ack', to: 'alice' });
    const paused = await handler(
      { ...functionUrlEvent('GET', `/i/${token}`), rawQueryString: 'refresh=off' },
      context,
    );
    expect(paused.body).not.toContain('http-equiv="refresh"');
  });

  it("asks for the endpoint at the Function URL's own https origin, whatever x-forwarded-proto claims", async () => {
    const incident = await openIncident();
    const handler = createResponderHandler(depsWith(), logger);
    const event = functionUrlEvent('GET', linkPath(incident.id, 'ack'));

    await handler(event, context);
    await handler({ ...event, headers: { ...event.headers, 'x-forwarded-proto': 'http' } }, context);

    expect(origins).toEqual([
      'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
      'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
    ]);
  });

  it('takes plain http only from loopback (the sandbox serving the same bundle)', () => {
    expect(requestOrigin('127.0.0.1:4567', 'http')).toBe('http://127.0.0.1:4567');
    expect(requestOrigin('localhost:80', 'http')).toBe('http://localhost:80');
    expect(requestOrigin('127.0.0.1:4567', 'https')).toBe('https://127.0.0.1:4567');
    expect(requestOrigin('127.0.0.1.evil.example', 'http')).toBe('https://127.0.0.1.evil.example');
    expect(requestOrigin('abc.lambda-url.us-east-1.on.aws', undefined)).toBe(
      'https://abc.lambda-url.us-east-1.on.aws',
    );
  });

  it('GET answers the confirmation page as HTML that is never cached', async () => {
    const incident = await openIncident();
    const handler = createResponderHandler(depsWith(), logger);

    const result = await handler(functionUrlEvent('GET', linkPath(incident.id, 'ack')), context);

    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual(HEADERS);
    expect(result.body).toContain(`Acknowledge ${incident.id}`);
    expect((await dynamo.store.getIncident(incident.id))?.version).toBe(incident.version);
  });

  it.each([true, false])('POST reads the form body (base64-encoded: %s)', async (base64) => {
    const incident = await openIncident();
    const handler = createResponderHandler(depsWith(), logger);
    const form = new URLSearchParams({ note: 'on it & rolling back' }).toString();

    const result = await handler(
      functionUrlEvent('POST', linkPath(incident.id, 'ack'), { text: form, base64 }),
      context,
    );

    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual(HEADERS);
    const after = await dynamo.store.getIncident(incident.id);
    expect(after).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'on-call' });
    expect(after?.timeline.at(-1)?.summary).toBe('on-call: on it & rolling back');
  });

  it('other paths are 404, other methods 405', async () => {
    const incident = await openIncident();
    const handler = createResponderHandler(depsWith(), logger);

    const notFound = await handler(functionUrlEvent('GET', '/'), context);
    const notAllowed = await handler(functionUrlEvent('PUT', linkPath(incident.id, 'resolve')), context);

    expect(notFound).toMatchObject({ statusCode: 404, headers: HEADERS });
    expect(notAllowed).toMatchObject({ statusCode: 405, headers: HEADERS });
    expect((await dynamo.store.getIncident(incident.id))?.status).toBe('DETECTED');
  });

  it('a refused link is a 403 and the reason goes to the log only', async () => {
    const incident = await openIncident();
    const handler = createResponderHandler(
      depsWith({}, () => new Date(NOW.getTime() + 61 * 60_000)),
      logger,
    );
    const info = vi.spyOn(logger, 'info');

    const result = await handler(
      functionUrlEvent('POST', linkPath(incident.id, 'ack'), { text: '', base64: false }),
      context,
    );

    expect(result.statusCode).toBe(403);
    expect(result.body).not.toContain('expired at');
    expect(info).toHaveBeenCalledWith(
      'responder request',
      expect.objectContaining({ status: 403, reason: 'expired' }),
    );
  });

  it('a failure is a generic 500 page without the error text; the error is logged', async () => {
    const incident = await openIncident();
    const failure = new Error(
      'AccessDeniedException: arn:aws:secretsmanager:us-east-1:123456789012:secret:links',
    );
    const handler = createResponderHandler(
      depsWith({
        secret: async () => {
          throw failure;
        },
      }),
      logger,
    );
    const error = vi.spyOn(logger, 'error');

    const result = await handler(
      functionUrlEvent('POST', linkPath(incident.id, 'ack'), { text: '', base64: false }),
      context,
    );

    expect(result).toMatchObject({ statusCode: 500, headers: HEADERS });
    expect(result.body).toContain('Something went wrong');
    expect(result.body).not.toMatch(/AccessDenied|arn:aws|secretsmanager/);
    expect(error).toHaveBeenCalledWith('responder request failed', failure);
    expect((await dynamo.store.getIncident(incident.id))?.status).toBe('DETECTED');
  });

  it('an event that is not a Function URL request is a 500 that names nothing of it', async () => {
    const handler = createResponderHandler(depsWith(), logger);
    const error = vi.spyOn(logger, 'error');

    const result = await handler({ detail: { secretField: 'x' } }, context);

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/rawPath|requestContext|Function URL/);
    expect(error).toHaveBeenCalledOnce();
  });
});

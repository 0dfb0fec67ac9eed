import { describe, expect, it } from 'vitest';
import { IncidentError } from '../../../lambdas/domain/errors';
import {
  adfFromText,
  githubIssueBody,
  githubMarkerComment,
  jiraDescription,
  jiraMarkerLabel,
  TicketApiError,
  type TicketIncident,
  ticketCommentText,
  ticketMarker,
  ticketTitle,
} from '../../../lambdas/domain/tickets';

const incident: TicketIncident = {
  id: 'INC-20261203-004',
  title: 'checkout: error rate above 10%',
  service: 'checkout',
  severity: 'P2',
  status: 'INVESTIGATING',
  createdAt: '2026-12-03T13:58:00.000Z',
  runbookUrl: 'https://runbooks.example.com/checkout/high-error-rate',
  diagnosisSummary: 'Deployment 42 raised 5xx; recommended: rollback to revision 41',
};
const bare: TicketIncident = {
  id: incident.id,
  title: incident.title,
  service: incident.service,
  severity: incident.severity,
  status: 'DETECTED',
  createdAt: incident.createdAt,
};

describe('markers', () => {
  it('are the incident id in the forms each provider can search', () => {
    expect(ticketMarker(incident.id)).toBe('incident-id: INC-20261203-004');
    expect(githubMarkerComment(incident.id)).toBe('<!-- incident-id: INC-20261203-004 -->');
    expect(jiraMarkerLabel(incident.id)).toBe('incident-inc-20261203-004');
  });

  it('title every ticket with severity and id', () => {
    expect(ticketTitle(incident)).toBe('[P2] INC-20261203-004: checkout: error rate above 10%');
  });
});

describe('githubIssueBody', () => {
  it('starts with the hidden marker, lists the facts, and ends with the visible marker', () => {
    const body = githubIssueBody(incident);
    const lines = body.split('\n');
    expect(lines[0]).toBe('<!-- incident-id: INC-20261203-004 -->');
    expect(body).toContain('- **Severity:** P2');
    expect(body).toContain('- **Status:** INVESTIGATING');
    expect(body).toContain('- **Runbook:** <https://runbooks.example.com/checkout/high-error-rate>');
    expect(body).toContain('### Diagnosis\n\nDeployment 42 raised 5xx; recommended: rollback to revision 41');
    expect(lines.at(-2)).toBe('`incident-id: INC-20261203-004`');
  });

  it('leaves out the runbook and diagnosis the incident does not have', () => {
    const body = githubIssueBody(bare);
    expect(body).not.toContain('Runbook');
    expect(body).not.toContain('Diagnosis');
    expect(body).toContain(githubMarkerComment(bare.id));
  });

  it('escapes Markdown in incident text, so an alarm reason cannot add links, HTML or a second marker', () => {
    const body = githubIssueBody({
      ...bare,
      title: 'db [down](https://evil.example) <!-- incident-id: INC-20261203-999 -->',
    });
    expect(body).toContain(
      '## db \\[down\\](https://evil.example) \\<\\!-- incident-id: INC-20261203-999 --\\>',
    );
    expect(body).not.toContain('<!-- incident-id: INC-20261203-999 -->');
  });
});

describe('jiraDescription', () => {
  it('is an ADF v1 document with the title, the facts, a runbook link and the marker last', () => {
    const doc = jiraDescription(incident);
    expect(doc.version).toBe(1);
    expect(doc.type).toBe('doc');
    expect(doc.content[0]).toEqual({
      type: 'heading',
      attrs: { level: 2 },
      content: [{ type: 'text', text: incident.title }],
    });
    const list = doc.content[1];
    expect(list?.type).toBe('bulletList');
    expect(JSON.stringify(list)).toContain(
      '{"type":"text","text":"https://runbooks.example.com/checkout/high-error-rate","marks":[{"type":"link","attrs":{"href":"https://runbooks.example.com/checkout/high-error-rate"}}]}',
    );
    expect(doc.content.at(-1)).toEqual({
      type: 'paragraph',
      content: [{ type: 'text', text: 'incident-id: INC-20261203-004', marks: [{ type: 'code' }] }],
    });
    expect(JSON.stringify(doc)).toContain('"text":"Diagnosis"');
  });

  it('has no diagnosis heading and no runbook item without them', () => {
    const json = JSON.stringify(jiraDescription(bare));
    expect(json).not.toContain('Diagnosis');
    expect(json).not.toContain('Runbook');
  });
});

describe('comments', () => {
  it('say who acknowledged and when, and who resolved with what', () => {
    expect(
      ticketCommentText(incident.id, { kind: 'acknowledged', at: '2026-12-03T14:02:00.000Z', by: 'alice' }),
    ).toBe('INC-20261203-004 acknowledged by alice at 2026-12-03T14:02:00.000Z.');
    expect(
      ticketCommentText(incident.id, {
        kind: 'resolved',
        at: '2026-12-03T14:40:00.000Z',
        by: 'bob',
        resolution: 'Rolled back to revision 41.',
      }),
    ).toBe('INC-20261203-004 resolved by bob at 2026-12-03T14:40:00.000Z.\nRolled back to revision 41.');
    expect(ticketCommentText(incident.id, { kind: 'resolved', at: '2026-12-03T14:40:00.000Z' })).toBe(
      'INC-20261203-004 resolved at 2026-12-03T14:40:00.000Z.',
    );
  });

  it('become one ADF paragraph per line for Jira', () => {
    expect(adfFromText('first\n\nsecond')).toEqual({
      version: 1,
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'first' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'second' }] },
      ],
    });
  });
});

describe('TicketApiError', () => {
  it('is of the incident error family and tells retryDecision how the call failed', () => {
    const http = new TicketApiError('x', 'POST /repos/a/b/issues', { status: 503, retryAfter: '2' });
    expect(http).toBeInstanceOf(IncidentError);
    expect(http.name).toBe('TicketApiError');
    expect(http.status).toBe(503);
    const network = new TicketApiError('x', 'GET /search/issues', { networkError: true });
    expect(network.status).toBeUndefined();
    expect(new TicketApiError('x', 'GET /x', undefined).outcome).toBeUndefined();
  });
});

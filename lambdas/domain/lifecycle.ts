/**
 * Incident statuses and the moves between them, written down in one place (TRANSITIONS).
 *
 * Acknowledgement runs beside the lifecycle: acknowledging stamps ACKNOWLEDGED and records who owns
 * the incident, but only moves the status when it is still DETECTED, so automation that is already
 * INVESTIGATING is not sent backwards by a person picking up the page.
 */

export const STATUSES = [
  'DETECTED',
  'ACKNOWLEDGED',
  'INVESTIGATING',
  'MITIGATING',
  'MONITORING',
  'RESOLVED',
  'CLOSED',
] as const;
export type Status = (typeof STATUSES)[number];

export const OPEN_STATUSES: readonly Status[] = [
  'DETECTED',
  'ACKNOWLEDGED',
  'INVESTIGATING',
  'MITIGATING',
  'MONITORING',
];

/** Allowed moves. RESOLVED -> DETECTED is a reopen; CLOSED is final (post-mortem done or not required). */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  DETECTED: ['ACKNOWLEDGED', 'INVESTIGATING', 'MITIGATING', 'MONITORING', 'RESOLVED'],
  ACKNOWLEDGED: ['INVESTIGATING', 'MITIGATING', 'MONITORING', 'RESOLVED'],
  INVESTIGATING: ['MITIGATING', 'MONITORING', 'RESOLVED'],
  MITIGATING: ['INVESTIGATING', 'MONITORING', 'RESOLVED'],
  MONITORING: ['INVESTIGATING', 'MITIGATING', 'RESOLVED'],
  RESOLVED: ['CLOSED', 'DETECTED'],
  CLOSED: [],
};

export const isOpen = (status: Status): boolean => OPEN_STATUSES.includes(status);

export const canMove = (from: Status, to: Status): boolean => TRANSITIONS[from].includes(to);

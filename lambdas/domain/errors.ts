/**
 * One error family. Step Functions `Retry`/`Catch` match on `name`, so every subclass sets it, and a
 * task throws these instead of returning an error payload as success.
 */
export class IncidentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One bad field: where it is (a dotted path such as `services[0].alarms.cpu.thresholdPercent`) and why. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** Input that does not fit its schema. Lists every bad field at once, never only the first. */
export class ValidationError extends IncidentError {
  constructor(
    readonly subject: string,
    readonly problems: readonly FieldProblem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `${subject}: ${count}\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`,
    );
  }
}

/** A move the lifecycle does not allow, e.g. RESOLVED -> MITIGATING. */
export class InvalidTransitionError extends IncidentError {}

/** A versioned write lost to a concurrent writer more times than the retry budget allows. */
export class ConcurrentUpdateError extends IncidentError {}

export class IncidentNotFoundError extends IncidentError {}

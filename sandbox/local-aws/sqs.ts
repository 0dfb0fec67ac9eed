/**
 * SQS for the sandbox (issue 15 webhooks): the queues of the synthesized template, SendMessage on the
 * JSON protocol server (the SDK v3 SQS client speaks AWS JSON 1.0, `X-Amz-Target:
 * AmazonSQS.SendMessage`), and the template's SQS event source mappings played against the real
 * bundles, as Lambda's poller would:
 *
 * - each message is handed to its consumer in an SQS event of the shape Lambda sends, on its own turn
 *   (outside the step that sent it), one message per invocation;
 * - a message named in `batchItemFailures`, or of an invocation that threw, becomes visible again
 *   after the queue's VisibilityTimeout of simulated time, its ApproximateReceiveCount one higher;
 * - at the redrive policy's maxReceiveCount it moves to the dead-letter queue.
 *
 * Differences from SQS, written down: delivery is immediate and one message per invocation (Lambda
 * batches up to BatchSize and may wait for MaximumBatchingWindowInSeconds); no long polling, no
 * receipt handles, no DeleteMessage (an invocation's answer settles the message); order is kept.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CfnTemplateJson } from '../sfn-local/cfn-resolve';
import { SANDBOX_ACCOUNT, SANDBOX_REGION } from '../sfn-local/cfn-resolve';
import type { SimClock } from '../sfn-local/sim-clock';
import { AwsJsonError, type JsonService } from './json-protocol';

/** The sandbox's URL of the template's queue `logicalId` (what its Ref resolves to). */
export const sandboxQueueUrl = (logicalId: string): string =>
  `https://sqs.${SANDBOX_REGION}.amazonaws.com/${SANDBOX_ACCOUNT}/${logicalId}`;

const queueArn = (logicalId: string): string =>
  `arn:aws:sqs:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:${logicalId}`;

/** A message a queue holds. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sentAt: Date;
  receiveCount: number;
}

interface Queue {
  readonly logicalId: string;
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  readonly deadLetter?: { readonly logicalId: string; readonly maxReceiveCount: number };
  /** What it holds that no consumer has settled (all of it, for a queue without one). */
  readonly messages: QueuedMessage[];
  consumer?: (event: unknown) => Promise<unknown>;
}

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;

const getAttId = (value: unknown): string | undefined => {
  const ref = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(ref) && typeof ref[0] === 'string' ? ref[0] : undefined;
};

/** The template's SQS event source mappings: which function reads which queue. */
export const sqsEventSourcesOf = (
  template: CfnTemplateJson,
): { readonly queueLogicalId: string; readonly functionLogicalId: string }[] =>
  Object.values(template.Resources as Resources).flatMap((r) => {
    if (r.Type !== 'AWS::Lambda::EventSourceMapping') return [];
    const queue = getAttId(r.Properties?.EventSourceArn);
    const fn = (r.Properties?.FunctionName as { Ref?: unknown } | undefined)?.Ref;
    return queue && typeof fn === 'string' ? [{ queueLogicalId: queue, functionLogicalId: fn }] : [];
  });

export class LocalSqs {
  private readonly queues = new Map<string, Queue>();

  /** The queues of `template`, their visibility timeouts and redrive policies as synthesized. */
  constructor(
    template: CfnTemplateJson,
    private readonly clock: SimClock,
  ) {
    for (const [logicalId, r] of Object.entries(template.Resources as Resources)) {
      if (r.Type !== 'AWS::SQS::Queue') continue;
      const redrive = r.Properties?.RedrivePolicy as
        | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
        | undefined;
      const dlq = getAttId(redrive?.deadLetterTargetArn);
      this.queues.set(sandboxQueueUrl(logicalId), {
        logicalId,
        url: sandboxQueueUrl(logicalId),
        visibilityTimeoutSeconds: Number(r.Properties?.VisibilityTimeout ?? 30),
        ...(dlq
          ? { deadLetter: { logicalId: dlq, maxReceiveCount: Number(redrive?.maxReceiveCount ?? 1) } }
          : {}),
        messages: [],
      });
    }
  }

  /** What the queue `logicalId` holds now (for a dead-letter queue: everything that ended there). */
  messages(logicalId: string): readonly QueuedMessage[] {
    return this.queue(sandboxQueueUrl(logicalId)).messages;
  }

  /** Everything in the dead-letter queues (the queues some redrive policy names), oldest first per queue. */
  deadLetters(): readonly QueuedMessage[] {
    const targets = new Set(
      [...this.queues.values()].flatMap((q) => (q.deadLetter ? [q.deadLetter.logicalId] : [])),
    );
    return [...targets].flatMap((id) => this.messages(id));
  }

  /** Plays an event source mapping: `invoke` receives every message sent to the queue from now on. */
  consume(logicalId: string, invoke: (event: unknown) => Promise<unknown>): void {
    this.queue(sandboxQueueUrl(logicalId)).consumer = invoke;
  }

  /** SendMessage, as the SDK calls it. */
  service(): JsonService {
    return {
      name: 'SQS',
      target: 'AmazonSQS',
      endpointEnv: 'SQS',
      operations: {
        SendMessage: (input) => {
          const queue = this.queue(String(input.QueueUrl ?? ''));
          const body = typeof input.MessageBody === 'string' ? input.MessageBody : '';
          if (body === '')
            throw new AwsJsonError('MissingParameter', 'The request must contain the parameter MessageBody.');
          if (Buffer.byteLength(body) > 262_144)
            throw new AwsJsonError(
              'InvalidParameterValue',
              'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
            );
          const raw = (input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>;
          const attributes = Object.fromEntries(
            Object.entries(raw).map(([name, value]) => [name, String(value.StringValue ?? '')]),
          );
          const message: QueuedMessage = {
            messageId: randomUUID(),
            body,
            attributes,
            sentAt: this.clock.now(),
            receiveCount: 0,
          };
          queue.messages.push(message);
          if (queue.consumer)
            this.clock.detached(() => setImmediate(() => void this.deliver(queue, message)));
          return {
            MessageId: message.messageId,
            MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex'),
          };
        },
      },
    };
  }

  private queue(url: string): Queue {
    const queue = this.queues.get(url);
    if (!queue) throw new AwsJsonError('QueueDoesNotExist', `The specified queue does not exist: ${url}`);
    return queue;
  }

  private event(queue: Queue, message: QueuedMessage) {
    return {
      Records: [
        {
          messageId: message.messageId,
          receiptHandle: `${message.messageId}#${message.receiveCount}`,
          body: message.body,
          attributes: {
            ApproximateReceiveCount: String(message.receiveCount),
            SentTimestamp: String(message.sentAt.getTime()),
            SenderId: 'sandbox',
            ApproximateFirstReceiveTimestamp: String(message.sentAt.getTime()),
          },
          messageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([name, value]) => [
              name,
              { stringValue: value, dataType: 'String' },
            ]),
          ),
          md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
          eventSource: 'aws:sqs',
          eventSourceARN: queueArn(queue.logicalId),
          awsRegion: SANDBOX_REGION,
        },
      ],
    };
  }

  /** Receives `message` until its consumer settles it or the redrive policy moves it on. */
  private deliver(queue: Queue, message: QueuedMessage): Promise<void> {
    const consumer = queue.consumer;
    if (!consumer) return Promise.resolve();
    return this.clock.track(async () => {
      for (;;) {
        message.receiveCount++;
        let failed: boolean;
        try {
          const answer = (await consumer(this.event(queue, message))) as
            | { batchItemFailures?: { itemIdentifier?: string }[] }
            | undefined;
          failed = (answer?.batchItemFailures ?? []).some((f) => f.itemIdentifier === message.messageId);
        } catch {
          failed = true;
        }
        if (!failed) return this.remove(queue, message);
        if (queue.deadLetter && message.receiveCount >= queue.deadLetter.maxReceiveCount) {
          this.remove(queue, message);
          this.queue(sandboxQueueUrl(queue.deadLetter.logicalId)).messages.push(message);
          return;
        }
        await this.clock.sleep(queue.visibilityTimeoutSeconds, {
          label: `SQS ${queue.logicalId} visibility timeout`,
        });
      }
    }, `SQS ${queue.logicalId} delivery`);
  }

  private remove(queue: Queue, message: QueuedMessage): void {
    const index = queue.messages.indexOf(message);
    if (index !== -1) queue.messages.splice(index, 1);
  }
}

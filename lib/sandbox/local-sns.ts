/**
 * SNS for the sandbox: fauxqs (an SNS/SQS emulator) in-process on loopback, one topic per
 * escalation tier as in the stack, and an `outbox` SQS queue subscribed to every topic so the pages
 * can be read back as a person would receive them. The pager publishes through the real
 * @aws-sdk/client-sns, pointed at fauxqs.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import type { PageKind } from '../../lambdas/domain/pages';

/** A page as it arrived in the outbox. */
export interface DeliveredPage {
  readonly tier: string;
  readonly kind: PageKind;
  readonly incidentId: string;
  readonly at: string;
  readonly subject: string;
  readonly body: string;
  readonly sms: string;
}

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

interface SnsEnvelope {
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { Value: string }>;
}

export class LocalSns {
  readonly sns: SNSClient;
  private readonly sqs: SQSClient;
  private readonly delivered: DeliveredPage[] = [];

  private constructor(
    private readonly server: FauxqsServer,
    readonly topicArns: Readonly<Record<string, string>>,
    private readonly outboxUrl: string,
  ) {
    this.sns = new SNSClient({ ...LOCAL, endpoint: server.address, maxAttempts: 1 });
    this.sqs = new SQSClient({ ...LOCAL, endpoint: server.address, maxAttempts: 1 });
  }

  static async start(tiers: readonly string[]): Promise<LocalSns> {
    const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    const outbox = server.createQueue('outbox');
    const topicArns: Record<string, string> = {};
    for (const tier of tiers) {
      topicArns[tier] = server.createTopic(`pages-${tier}`).topicArn;
      server.subscribe({ topic: `pages-${tier}`, queue: 'outbox' });
    }
    return new LocalSns(server, topicArns, outbox.queueUrl);
  }

  /** Reads (and removes) everything that arrived since the last call; also kept for `allPages`. */
  async drain(): Promise<DeliveredPage[]> {
    const fresh: DeliveredPage[] = [];
    for (;;) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.outboxUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) fresh.push(toPage(JSON.parse(m.Body ?? '{}') as SnsEnvelope));
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.outboxUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    fresh.sort((a, b) => a.at.localeCompare(b.at));
    this.delivered.push(...fresh);
    return fresh;
  }

  /** Every page delivered so far, oldest first. */
  async allPages(): Promise<DeliveredPage[]> {
    await this.drain();
    return [...this.delivered];
  }

  async stop(): Promise<void> {
    this.sns.destroy();
    this.sqs.destroy();
    await this.server.stop();
  }
}

const toPage = (envelope: SnsEnvelope): DeliveredPage => {
  const attr = (name: string) => envelope.MessageAttributes?.[name]?.Value ?? '';
  return {
    tier: attr('tier'),
    kind: attr('kind') as PageKind,
    incidentId: attr('incidentId'),
    at: attr('sentAt'),
    subject: envelope.Subject ?? '',
    body: envelope.Message,
    sms: attr('sms'),
  };
};

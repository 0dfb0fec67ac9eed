/**
 * SQS for the outbound webhooks (issue 15): the lifecycle queues each delivery (SendMessage on the
 * deliveries' queue), and the delivery function puts a refused one on the dead-letter queue itself.
 * The message is the delivery as JSON; a body over SQS's limit is refused here, before the call,
 * with the event id, instead of as an opaque InvalidParameterValue.
 */
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MAX_WEBHOOK_MESSAGE_BYTES } from '../contract/webhook-delivery';
import { IncidentError } from '../domain/errors';
import type { WebhookDelivery } from '../domain/webhooks';
import type { WebhookQueue } from '../services/lifecycle/deps';

/** A delivery too large for one SQS message. */
export class WebhookMessageTooLargeError extends IncidentError {}

/** SendMessage of one JSON body to one queue, by its URL. */
export class SqsSender {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  /** Sends `body`, with string `attributes` if any; the message id SQS gave it. */
  async send(body: string, attributes: Readonly<Record<string, string>> = {}): Promise<string> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_WEBHOOK_MESSAGE_BYTES)
      throw new WebhookMessageTooLargeError(
        `message of ${bytes} bytes is over SQS's ${MAX_WEBHOOK_MESSAGE_BYTES} bytes`,
      );
    const MessageAttributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    );
    const { MessageId } = await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        ...(Object.keys(MessageAttributes).length > 0 ? { MessageAttributes } : {}),
      }),
    );
    return MessageId ?? '';
  }
}

/** The lifecycle's side: each delivery is one message on the deliveries' queue. */
export class SqsWebhookQueue implements WebhookQueue {
  private readonly sender: SqsSender;

  constructor(client: SQSClient, queueUrl: string) {
    this.sender = new SqsSender(client, queueUrl);
  }

  async enqueue(delivery: WebhookDelivery): Promise<void> {
    try {
      await this.sender.send(JSON.stringify(delivery));
    } catch (error) {
      if (error instanceof WebhookMessageTooLargeError)
        throw new WebhookMessageTooLargeError(`${delivery.eventId}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}

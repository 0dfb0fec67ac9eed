/**
 * An alarm's tags, for routing rules that match or read them: CloudWatch ListTagsForResource on the
 * alarm's ARN (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListTagsForResource.html),
 * kept per ARN for `ttlMs` so an alarm storm reads each alarm's tags once. A failure is a reason, not
 * an exception, and is not kept: routing then skips the rules that need tags, and the next event asks
 * again. The SDK client is loaded on the first read, so a cold start of the intake pays for it only
 * when an alarm reaches a rule that reads tags.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { TagLookup } from '../domain/routing';

export class AlarmTags {
  private readonly cache = new Map<
    string,
    { readonly until: number; readonly tags: Record<string, string> }
  >();

  private client: Promise<Pick<CloudWatchClient, 'send'>> | undefined;

  constructor(
    private readonly makeClient: () => Promise<Pick<CloudWatchClient, 'send'>>,
    private readonly ttlMs: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async lookup(alarmArn: string | undefined): Promise<TagLookup> {
    if (!alarmArn) return { ok: false, reason: 'the event names no alarm ARN to read tags from' };
    const now = this.clock().getTime();
    const kept = this.cache.get(alarmArn);
    if (kept && kept.until > now) return { ok: true, tags: kept.tags };
    try {
      const { ListTagsForResourceCommand } = await import('@aws-sdk/client-cloudwatch');
      this.client ??= this.makeClient();
      const client = await this.client;
      const out = await client.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }));
      const tags = Object.fromEntries(
        (out.Tags ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : [])),
      );
      if (this.ttlMs > 0) this.cache.set(alarmArn, { until: now + this.ttlMs, tags });
      return { ok: true, tags };
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, reason: `ListTagsForResource failed: ${reason}` };
    }
  }
}

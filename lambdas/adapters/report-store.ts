/**
 * Where incident reports are kept: one Markdown object per incident in the reports bucket, under
 * `reportKey` (domain/report.ts). Writing again overwrites the object; on a versioned bucket each write
 * is a new version, and its id is kept on the incident's ReportRef. Encryption is the bucket's default,
 * so nothing here sets it.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** A stored report: `uri` is `s3://bucket/key`, `url` opens it in the S3 console. */
export interface StoredReport {
  readonly uri: string;
  readonly url: string;
  /** Set when the bucket keeps versions. */
  readonly versionId?: string;
}

/** What the workflow needs to keep reports; S3ReportStore over S3, the sandbox over its local S3. */
export interface ReportWriter {
  put(key: string, markdown: string): Promise<StoredReport>;
  /** The report's Markdown, or undefined when there is none under `key`. */
  get(key: string): Promise<string | undefined>;
}

export const REPORT_CONTENT_TYPE = 'text/markdown; charset=utf-8';

/** The S3 console page of one object. */
export const reportConsoleUrl = (bucket: string, key: string, region: string): string =>
  `https://${region}.console.aws.amazon.com/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key)}`;

const isNoSuchKey = (error: unknown): boolean =>
  error instanceof NoSuchKey || (error as { name?: string })?.name === 'NoSuchKey';

export class S3ReportStore implements ReportWriter {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly region: string,
  ) {}

  /** Writes (or overwrites) the report under `key`. */
  async put(key: string, markdown: string): Promise<StoredReport> {
    const { VersionId } = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: markdown,
        ContentType: REPORT_CONTENT_TYPE,
      }),
    );
    return {
      uri: `s3://${this.bucket}/${key}`,
      url: reportConsoleUrl(this.bucket, key, this.region),
      ...(VersionId && VersionId !== 'null' ? { versionId: VersionId } : {}),
    };
  }

  /** The latest version of the report under `key`, or undefined. */
  async get(key: string): Promise<string | undefined> {
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body ? await Body.transformToString('utf-8') : undefined;
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }
}

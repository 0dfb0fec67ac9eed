/**
 * S3 for the sandbox: fauxqs's S3 emulator in-process on loopback, with the report bucket the stack
 * creates. Reports are written through the real adapter and @aws-sdk/client-s3, and read back as an
 * operator would. fauxqs has no versioning: the sandbox keeps only a report's latest version.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { S3ReportStore } from '../../lambdas/adapters/report-store';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export class LocalS3 {
  readonly s3: S3Client;
  readonly reports: S3ReportStore;
  /** For the functions' clients: AWS_ENDPOINT_URL_S3. */
  readonly endpoint: string;

  private constructor(
    private readonly server: FauxqsServer,
    readonly bucket: string,
  ) {
    this.endpoint = server.address;
    this.s3 = new S3Client({ ...LOCAL, endpoint: server.address, forcePathStyle: true, maxAttempts: 1 });
    this.reports = new S3ReportStore(this.s3, bucket, LOCAL.region);
  }

  static async start(bucket = 'incident-reports'): Promise<LocalS3> {
    const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    server.createBucket(bucket);
    return new LocalS3(server, bucket);
  }

  /** Every key in the bucket. */
  async keys(): Promise<string[]> {
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket }));
    return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    await this.server.stop();
  }
}

/**
 * S3 for the sandbox: fauxqs's S3 emulator in-process on loopback, with the buckets the stack
 * creates (the reports', and the status page's when the config has one). Reports and the status
 * page are written through the real adapters and @aws-sdk/client-s3, and read back as an operator
 * would. fauxqs has no versioning (the sandbox keeps only a report's latest version) and keeps no
 * Cache-Control: a loopback proxy in front of it records each PutObject's headers, as CloudFront
 * would read them from S3, and can refuse a bucket's writes (AccessDenied), for drills of the failure
 * paths. fauxqs ignores `If-None-Match: *` (S3's conditional write); the proxy keeps it as S3 does,
 * answering 412 PreconditionFailed when the key is already there.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { S3ReportStore } from '../../lambdas/adapters/report-store';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** One PutObject that reached the sandbox's S3, with the headers it was sent with. */
export interface S3Write {
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string;
  readonly cacheControl?: string;
}

const PRECONDITION_FAILED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';

/** Whether `url` is an object fauxqs holds (a HEAD answered 200). */
const exists = (base: string, url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const head = request(`${base}${url}`, { method: 'HEAD' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    head.on('error', () => resolve(false));
    head.end();
  });

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied (sandbox fault)</Message></Error>';

export class LocalS3 {
  readonly s3: S3Client;
  readonly reports: S3ReportStore;
  /** For the functions' clients: AWS_ENDPOINT_URL_S3 (the recording proxy). */
  readonly endpoint: string;
  /** Every PutObject, oldest first. */
  readonly writes: S3Write[] = [];
  private readonly refused = new Set<string>();

  private constructor(
    private readonly server: FauxqsServer,
    private readonly proxy: Server,
    readonly bucket: string,
    /** The status page's bucket, when the stack has one. */
    readonly statusBucket: string | undefined,
  ) {
    this.endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    this.s3 = new S3Client({ ...LOCAL, endpoint: this.endpoint, forcePathStyle: true, maxAttempts: 1 });
    this.reports = new S3ReportStore(this.s3, bucket, LOCAL.region);
  }

  static async start(bucket = 'incident-reports', statusBucket?: string): Promise<LocalS3> {
    const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    server.createBucket(bucket);
    if (statusBucket) server.createBucket(statusBucket);
    let local: LocalS3 | undefined;
    const proxy = createServer(async (req, res) => {
      const [, name = '', ...rest] = new URL(req.url ?? '/', 'http://s3').pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (req.method === 'PUT' && key !== '') {
        // Access first, then the precondition, as S3 answers them.
        if (local?.refused.has(name) || local?.refused.has(`${name}/${key}`)) {
          req.resume();
          res.writeHead(403, { 'content-type': 'application/xml' }).end(ACCESS_DENIED);
          return;
        }
        if (req.headers['if-none-match'] === '*') {
          req.pause();
          if (await exists(server.address, new URL(req.url ?? '/', 'http://s3').pathname)) {
            req.resume();
            res.writeHead(412, { 'content-type': 'application/xml' }).end(PRECONDITION_FAILED);
            return;
          }
        }
        const contentType = req.headers['content-type'];
        const cacheControl = req.headers['cache-control'];
        local?.writes.push({
          bucket: name,
          key,
          ...(contentType ? { contentType } : {}),
          ...(cacheControl ? { cacheControl } : {}),
        });
      }
      const upstream = request(
        `${server.address}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    local = new LocalS3(server, proxy, bucket, statusBucket);
    return local;
  }

  /**
   * Refuses every write to `bucket` (or only to its `key`) with AccessDenied from now on, as a missing
   * grant would.
   */
  refuseWrites(bucket: string, key?: string): void {
    this.refused.add(key === undefined ? bucket : `${bucket}/${key}`);
  }

  /** Takes back every refusal of `bucket` and its keys. */
  allowWrites(bucket: string): void {
    for (const refused of [...this.refused])
      if (refused === bucket || refused.startsWith(`${bucket}/`)) this.refused.delete(refused);
  }

  /** Every key in the bucket (the reports' unless told). */
  async keys(bucket = this.bucket): Promise<string[]> {
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  /** The object's text, as a reader of the bucket gets it. */
  async text(bucket: string, key: string): Promise<string> {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await Body?.transformToString('utf-8')) ?? '';
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    this.proxy.closeAllConnections();
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    await this.server.stop();
  }
}

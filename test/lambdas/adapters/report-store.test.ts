import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_CONTENT_TYPE, S3ReportStore } from '../../../lambdas/adapters/report-store';

const BUCKET = 'incident-reports';
let server: FauxqsServer;
let s3: S3Client;
let store: S3ReportStore;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  server.createBucket(BUCKET);
  s3 = new S3Client({
    endpoint: server.address,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    forcePathStyle: true,
    maxAttempts: 1,
  });
  store = new S3ReportStore(s3, BUCKET, 'eu-west-1');
});
afterAll(async () => {
  s3.destroy();
  await server.stop();
});

const KEY = 'reports/2026/11/INC-20261123-007.md';
const REPORT = '# Incident Report: checkout — error rate | 10%\n\n| Time (UTC) | Event | Actor |\n';

describe('S3ReportStore', () => {
  it('writes the Markdown as UTF-8 text/markdown and names it by URI and console link', async () => {
    const stored = await store.put(KEY, REPORT);
    expect(stored).toEqual({
      uri: 's3://incident-reports/reports/2026/11/INC-20261123-007.md',
      url: 'https://eu-west-1.console.aws.amazon.com/s3/object/incident-reports?region=eu-west-1&prefix=reports%2F2026%2F11%2FINC-20261123-007.md',
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(head.ContentType).toBe(REPORT_CONTENT_TYPE);
    const raw = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(await raw.Body?.transformToString('utf-8')).toBe(REPORT);
  });

  it('reads a report back', async () => {
    await store.put('reports/2026/11/INC-20261123-008.md', 'first');
    expect(await store.get('reports/2026/11/INC-20261123-008.md')).toBe('first');
  });

  it('a second write replaces the first (the local S3 keeps no versions, so no version id)', async () => {
    const key = 'reports/2026/11/INC-20261123-009.md';
    await store.put(key, 'at resolution');
    const again = await store.put(key, 'at close');
    expect(again.versionId).toBeUndefined();
    expect(await store.get(key)).toBe('at close');
  });

  it('no report under the key is undefined, not an error', async () => {
    expect(await store.get('reports/2026/11/INC-20261123-999.md')).toBeUndefined();
  });

  it('other failures are thrown, on read as on write', async () => {
    const elsewhere = new S3ReportStore(s3, 'no-such-bucket', 'eu-west-1');
    await expect(elsewhere.get(KEY)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(elsewhere.put(KEY, REPORT)).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

/**
 * The public status page as a static site (issue 14): `index.html`, `status.json` and `history.atom`,
 * rendered from the page's state, written to the status bucket that CloudFront serves
 * (lib/constructs/status-site.ts), or to a directory (the sandbox and `incident status-page --out`).
 *
 * Each object carries `Cache-Control: max-age=30`: CloudFront and browsers keep a copy at most 30 s,
 * so an update reaches customers within half a minute without invalidations
 * (CloudFront uses the cache policy's default TTL "only when the origin does not send Cache-Control
 * or Expires" and its minimum and maximum as bounds on the origin's max-age:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudfront-cachepolicy-cachepolicyconfig.html;
 * max-age wins over Expires: https://repost.aws/knowledge-center/cloudfront-cache-files-time).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StatusPageConfig } from '../contract/config-schema-status-page';
import { historyAtom, type StatusPageState, statusIndexHtml, statusJson } from '../domain/status-page';

/** How long CloudFront and browsers may keep a copy of the page. */
export const STATUS_CACHE_CONTROL = 'max-age=30';

/** One object of the site. */
export interface StatusSiteFile {
  readonly key: 'index.html' | 'status.json' | 'history.atom';
  readonly body: string;
  readonly contentType: string;
}

/** Where the site is written: S3StatusSite, or DirectoryStatusSite. */
export interface StatusSite {
  write(files: readonly StatusSiteFile[]): Promise<void>;
}

/** The three objects of the page in `state`. */
export const statusSiteFiles = (state: StatusPageState, config: StatusPageConfig): StatusSiteFile[] => [
  { key: 'index.html', body: statusIndexHtml(state, config), contentType: 'text/html; charset=utf-8' },
  {
    key: 'status.json',
    body: `${JSON.stringify(statusJson(state, config), null, 2)}\n`,
    contentType: 'application/json; charset=utf-8',
  },
  {
    key: 'history.atom',
    body: historyAtom(state, config),
    contentType: 'application/atom+xml; charset=utf-8',
  },
];

/** Some of the site's objects were not written; the others were (S3 has no multi-object write). */
export class StatusSiteWriteError extends Error {
  override readonly name = 'StatusSiteWriteError';
  constructor(
    readonly failed: ReadonlyArray<{ readonly key: string; readonly error: unknown }>,
    readonly written: readonly string[],
  ) {
    super(
      `${failed.map((f) => `${f.key} (${f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error)})`).join(', ')} not written` +
        (written.length > 0
          ? `; ${written.join(', ')} written, so the page is mixed until the next post rewrites all three`
          : ''),
    );
  }
}

/**
 * Writes the site to its bucket with S3 PutObject (the function may put objects, nothing else). The
 * three objects go up at once, each with the SDK's retries: S3 cannot write them as one, so a failure
 * names the objects left behind (StatusSiteWriteError) and the next post, which always rewrites all
 * three from the stored state, mends the page.
 */
export class S3StatusSite implements StatusSite {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async write(files: readonly StatusSiteFile[]): Promise<void> {
    const results = await Promise.allSettled(
      files.map((file) =>
        this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: file.key,
            Body: file.body,
            ContentType: file.contentType,
            CacheControl: STATUS_CACHE_CONTROL,
          }),
        ),
      ),
    );
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ key: files[i]?.key ?? '?', error: r.reason as unknown }] : [],
    );
    if (failed.length > 0)
      throw new StatusSiteWriteError(
        failed,
        files.filter((_, i) => results[i]?.status === 'fulfilled').map((f) => f.key),
      );
  }
}

/** Writes the site's files into a directory, made if missing (no headers: a file has none). */
export class DirectoryStatusSite implements StatusSite {
  constructor(readonly dir: string) {}

  async write(files: readonly StatusSiteFile[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const file of files) await writeFile(join(this.dir, file.key), file.body, 'utf8');
  }
}

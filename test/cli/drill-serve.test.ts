import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { servingFile } from '../../cli/serving';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Resolves with the child's output once `done` holds for it, or rejects at its exit or after `ms`. */
const outputWhen = (child: ChildProcess, done: (out: string) => boolean, ms: number): Promise<string> =>
  new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out; output so far:\n${out}`)), ms);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (done(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before it served:\n${out}`));
    });
  });

describe('incident drill --serve, as a person runs it', () => {
  it('serves the incident pages after the drill and stops at Ctrl-C (SIGINT), exiting 0', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'drill-serve-')), 'db');
    const child = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['bin/incident.ts', 'drill', '--scenario', 'bad-deploy', '--serve', '--db', db],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const out = await outputWhen(child, (o) => /Incident pages:\n {2}INC-\S+: \S+\n/.test(o), 150_000);
      const url = out.match(/^ {2}INC-\d{8}-\d{3}: (\S+)$/m)?.[1] ?? '';
      expect((await fetch(url)).status).toBe(200);
      expect(existsSync(servingFile(db))).toBe(true);

      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let rest = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        rest += chunk.toString('utf8');
      });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(rest).toContain('Stopped serving');
      expect(existsSync(servingFile(db))).toBe(false);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keptTemplate, TEMPLATE_CACHE_ENV } from '../../sandbox/synth';
import { TEMPLATE_CACHE_ENV as SETUP_ENV } from '../support/template-setup';

const template = (name: string) => ({ Resources: { [name]: { Type: 'AWS::SNS::Topic' } } });

describe('keptTemplate: one synth per template for the whole test run', () => {
  let dir: string;
  let runFolder: string | undefined;
  let key: string;
  let keys = 0;

  beforeEach(() => {
    runFolder = process.env[TEMPLATE_CACHE_ENV];
    dir = mkdtempSync(join(tmpdir(), 'kept-templates-'));
    process.env[TEMPLATE_CACHE_ENV] = dir;
    key = `test ${process.pid} ${Date.now()} ${++keys}`;
  });
  afterEach(() => {
    if (runFolder === undefined) delete process.env[TEMPLATE_CACHE_ENV];
    else process.env[TEMPLATE_CACHE_ENV] = runFolder;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is told the run folder under the name the globalSetup sets', () => {
    expect(TEMPLATE_CACHE_ENV).toBe(SETUP_ENV);
    expect(runFolder).toBeTruthy();
  });

  it('synthesizes once per key in a process, and keeps the template in the run folder for the others', () => {
    let synths = 0;
    const synthesize = () => {
      synths++;
      return template('Made');
    };

    expect(keptTemplate(key, synthesize)).toEqual(template('Made'));
    expect(keptTemplate(key, synthesize)).toEqual(template('Made'));
    expect(synths).toBe(1);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it("reads another process's template from the run folder instead of synthesizing", async () => {
    keptTemplate(key, () => template('FromTheFirst'));
    // A second instance of the module, with its own in-process memo: as another process of the run.
    const url = '../../sandbox/synth.ts?as-another-process';
    const another = (await import(/* @vite-ignore */ url)) as typeof import('../../sandbox/synth');

    expect(another.keptTemplate).not.toBe(keptTemplate);
    expect(
      another.keptTemplate(key, () => {
        throw new Error('synthesized again');
      }),
    ).toEqual(template('FromTheFirst'));
  });

  it('keys the template by the folder of the run: the next run synthesizes afresh', async () => {
    keptTemplate(key, () => template('ThisRun'));
    const url = '../../sandbox/synth.ts?as-the-next-run';
    const next = (await import(/* @vite-ignore */ url)) as typeof import('../../sandbox/synth');
    process.env[TEMPLATE_CACHE_ENV] = mkdtempSync(join(tmpdir(), 'kept-templates-'));
    try {
      expect(next.keptTemplate(key, () => template('NextRun'))).toEqual(template('NextRun'));
    } finally {
      rmSync(process.env[TEMPLATE_CACHE_ENV] as string, { recursive: true, force: true });
    }
  });

  it('keeps nothing when the synth throws: the next caller synthesizes and fails again', () => {
    const failing = () => {
      throw new Error('cdk-nag finding');
    };

    expect(() => keptTemplate(key, failing)).toThrow('cdk-nag finding');
    expect(() => keptTemplate(key, failing)).toThrow('cdk-nag finding');
    expect(readdirSync(dir)).toEqual([]);
    expect(keptTemplate(key, () => template('Fixed'))).toEqual(template('Fixed'));
  });
});

/**
 * vitest globalSetup: builds the five Lambda bundles the sandbox runs into their cache (or finds them
 * there, built from the same sources) once, before any worker starts. Otherwise every worker that
 * starts a sandbox first would build the same cache entry at the same time, and the last to finish
 * would replace the entry the others already run from. A fraction of a second when they are built.
 */
import { codeBundles } from '../../sandbox/lambda-runtime';

export default function setup(): void {
  codeBundles();
}

import { createLifecycleHandler } from '../handlers/lifecycle';
import { lifecycleDeps, logger } from './runtime';

export const handler = createLifecycleHandler(lifecycleDeps(), logger);

import { createIntakeHandler } from '../handlers/intake';
import { intakeDeps, logger } from './runtime';

export const handler = createIntakeHandler(intakeDeps(), logger);

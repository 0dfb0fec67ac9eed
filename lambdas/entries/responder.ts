import { createResponderHandler } from '../handlers/responder';
import { logger, responderEndpointDeps } from './runtime';

export const handler = createResponderHandler(
  { ...responderEndpointDeps(), clock: () => new Date() },
  logger,
);

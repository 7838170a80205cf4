import { Logger } from '@nestjs/common';
import { type logCreator, logLevel } from 'kafkajs';
import { errorMessage } from '../util/delay';

/**
 * kafkajs warns about this once per producer; we accept the trade-off on purpose: sends give
 * up after a bounded number of retries so a relay never hangs during a broker outage, and a
 * resulting duplicate is absorbed by idempotent consumers.
 */
const ACCEPTED_WARNINGS = [
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
];

/**
 * Routes kafkajs logs (warn and above) into the Nest logger, and thus into the app's JSON log.
 * While `isConnecting()` is true, connection errors are expected (the broker may start after
 * the app) and the connection loop logs one clear line per attempt, so kafkajs' own error
 * lines are demoted to debug.
 */
export function kafkaLogCreator(isConnecting: () => boolean): logCreator {
  const logger = new Logger('kafkajs');
  return () =>
    ({ namespace, level, log }) => {
      const { message, error } = log as { message: string; error?: unknown };
      if (ACCEPTED_WARNINGS.some((text) => message.includes(text))) return;
      const detail = error === undefined ? '' : ` (${errorMessage(error)})`;
      const line = `${namespace}: ${message}${detail}`;
      // A rebalance is routine (a member joined or left); kafkajs reports the broker's
      // "rebalancing" answer as an error before handling it by rejoining.
      if (detail.includes('rebalancing') || message.includes('rebalancing')) {
        logger.log(line);
        return;
      }
      if (level === logLevel.ERROR && !isConnecting()) logger.error(line);
      else if (level === logLevel.ERROR || level === logLevel.WARN) {
        if (isConnecting()) logger.debug(line);
        else logger.warn(line);
      }
    };
}

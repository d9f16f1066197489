import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout. Secrets are redacted by path in case a config object is ever logged. */
export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'marketplace-pulse' },
      redact: { paths: ['*.password', '*.api_key', '*.client_secret', '*.token', 'config.database.url'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

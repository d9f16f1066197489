/**
 * HTTPS with certificates re-read on change: before each TLS handshake the cert, key and client CA
 * files are stat'ed (microseconds) and, when one changed, a new secure context is installed. A pair
 * caught mid-rotation (new cert, old key) is refused and the previous context kept until it matches.
 */
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { RequestListener } from 'node:http';
import type { Logger } from '../runtime/logger';
import type { TlsSettings } from './web-config';

function fingerprint(files: (string | undefined)[]): string {
  return files
    .filter((f): f is string => f !== undefined)
    .map((f) => {
      try {
        const s = statSync(f);
        return `${f}:${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return `${f}:missing`;
      }
    })
    .join('|');
}

function contextOptions(t: TlsSettings): https.ServerOptions {
  const verify = t.clientAuth === 'VerifyClientCertIfGiven' || t.clientAuth === 'RequireAndVerifyClientCert';
  return {
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: verify && t.caFile ? readFileSync(t.caFile) : undefined,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
  };
}

export interface ReloadingTlsServer {
  server: https.Server;
  /** Replaces the settings (on configuration reload); throws if the new files do not load. */
  update(t: TlsSettings): void;
}

export function createTlsServer(
  initial: TlsSettings,
  app: RequestListener,
  log: Logger,
  serverOptions: https.ServerOptions = {},
): ReloadingTlsServer {
  let settings = initial;
  const files = () => [settings.certFile, settings.keyFile, settings.caFile];
  let seen = fingerprint(files());
  const server = https.createServer(
    {
      ...serverOptions,
      ...contextOptions(settings),
      requestCert: settings.clientAuth !== 'NoClientCert',
      // Verification at the handshake only where a certificate is mandatory and must be valid.
      rejectUnauthorized: settings.clientAuth === 'RequireAndVerifyClientCert',
    },
    app,
  );
  const refresh = () => {
    const now = fingerprint(files());
    if (now === seen) return;
    try {
      server.setSecureContext(contextOptions(settings));
      seen = now;
      log.info({ cert_file: settings.certFile }, 'TLS certificate files changed: reloaded');
    } catch (e) {
      // Keep serving with the previous pair; the next handshake tries again.
      log.warn(
        { cert_file: settings.certFile, err: String((e as Error).message).split('\n')[0] },
        'TLS certificate files changed but do not load; keeping the previous ones',
      );
    }
  };
  // Runs before the TLS layer wraps the socket, so this very handshake already uses the new context.
  server.prependListener('connection', refresh);
  server.on('secureConnection', (socket: TLSSocket) => {
    const mode = settings.clientAuth;
    const cert = socket.getPeerCertificate();
    const given = cert !== null && Object.keys(cert).length > 0;
    if ((mode === 'RequireAnyClientCert' && !given) || (mode === 'VerifyClientCertIfGiven' && given && !socket.authorized))
      socket.destroy();
  });
  return {
    server,
    update(t) {
      if (t.clientAuth !== settings.clientAuth)
        throw new Error('tls_server_config.client_auth_type cannot change on reload; restart the exporter');
      contextOptions(t); // throws on unreadable files before anything changes
      settings = t;
      seen = '';
      refresh();
    },
  };
}

/**
 * HTTPS with certificates re-read on change: before each TLS handshake the cert, key and client CA
 * files are stat'ed (microseconds) and, when one changed, a new secure context is installed. A pair
 * caught mid-rotation (new cert, old key) is refused and the previous context kept until it matches.
 * A reload may change the files, the client CA and client_auth_type; only HTTP <-> HTTPS needs a restart.
 */
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { createSecureContext, type TLSSocket } from 'node:tls';
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
  const server = https.createServer({ ...serverOptions, ...contextOptions(settings) }, app);
  applyClientAuth(server, settings);
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
      const options = contextOptions(t); // throws on unreadable files before anything changes
      createSecureContext(options); // throws on a mismatched pair, still before anything changes
      const authChanged = t.clientAuth !== settings.clientAuth;
      server.setSecureContext(options);
      settings = t;
      seen = fingerprint(files());
      applyClientAuth(server, t);
      if (authChanged) {
        // Idle keep-alive connections were authenticated the old way: they go, clients reconnect.
        server.closeIdleConnections();
        log.info({ client_auth_type: t.clientAuth }, 'TLS client authentication changed: applies from the next connection');
      }
    },
  };
}

/**
 * Node hands each new TLS socket the server's requestCert / rejectUnauthorized, so changing them (with
 * a fresh secure context holding the client CA) applies from the next handshake, no restart needed.
 */
function applyClientAuth(server: https.Server, t: TlsSettings): void {
  const s = server as https.Server & { requestCert: boolean; rejectUnauthorized: boolean };
  s.requestCert = t.clientAuth !== 'NoClientCert';
  // Verification at the handshake only where a certificate is mandatory and must be valid.
  s.rejectUnauthorized = t.clientAuth === 'RequireAndVerifyClientCert';
}

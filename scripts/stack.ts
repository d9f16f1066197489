/**
 * `npm run stack`: the demo exporter plus the Debian prometheus, prometheus-alertmanager and
 * prometheus-blackbox-exporter binaries (each when installed), running the generated configuration
 * rewritten for localhost in a temp dir, so real data can be queried in the Prometheus UI with one
 * command. `--backfill` first writes 35 days of simulated history into Prometheus' storage (with
 * `--database-url URL`, simulated on a scratch database of that PostgreSQL server).
 * `--ha` runs the HA pair instead of one Prometheus: two servers (replicas a and b) remote-writing
 * to VictoriaMetrics, and two clustered Alertmanagers. Ctrl-C stops everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeLocalConfig } from './stack/local-config';
import { HA_BIN, startAlertmanagerCluster, startHaPair } from './stack/ha';
import { stackExporterCommand } from './stack/exporter-command';
import { installed, startChild, waitForHttp, type Child } from './stack/processes';
import { backfill } from './backfill';

const PORTS = {
  exporter: 9464,
  prometheus: 9090,
  prometheusB: 9091,
  alertmanager: 9093,
  alertmanagerB: 9094,
  blackbox: 9115,
  victoria: 8428,
};
const BIN = {
  prometheus: '/usr/bin/prometheus',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  blackbox: '/usr/bin/prometheus-blackbox-exporter',
  promtool: '/usr/bin/promtool',
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-stack-'));
  const children: Child[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping…\n');
    for (const c of [...children].reverse()) await c.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const exporterAddr = `127.0.0.1:${PORTS.exporter}`;
    const tsdb = path.join(dir, 'prometheus');
    if (process.argv.includes('--backfill') && installed(BIN.promtool)) {
      // `--database-url URL` simulates on a scratch database of that PostgreSQL server (faster than PGlite).
      const i = process.argv.indexOf('--database-url');
      const databaseUrl = i >= 0 ? process.argv[i + 1] : undefined;
      await backfill({ tsdb, days: 35, stepSeconds: 3600, seed: 42, instance: exporterAddr, promtool: BIN.promtool, databaseUrl });
    }

    // The demo exporter from its sources, as `npm run start:tsx` runs it (embedded database, simulated traffic).
    const cmd = stackExporterCommand();
    const exporter = startChild('exporter', cmd.bin, cmd.args, { cwd: cmd.cwd, env: { ...process.env, PORT: String(PORTS.exporter) } });
    children.push(exporter);
    await waitForHttp(`http://${exporterAddr}/healthz`, exporter, 600, 500);

    const ha = process.argv.includes('--ha');
    if (ha && !installed(HA_BIN.victoria)) throw new Error('--ha needs VictoriaMetrics (apt-get install victoria-metrics)');
    const haveAm = installed(BIN.alertmanager);
    const haveBlackbox = installed(BIN.blackbox);
    const files = writeLocalConfig({
      dir,
      exporter: exporterAddr,
      blackbox: `127.0.0.1:${PORTS.blackbox}`,
      alertmanager: haveAm ? `127.0.0.1:${PORTS.alertmanager}` : null,
      probeTargets: [`http://${exporterAddr}/`],
    });
    const urls: string[] = [`exporter      http://${exporterAddr}/  (metrics: /metrics)`];

    if (haveBlackbox) {
      const bb = startChild('blackbox', BIN.blackbox, [
        `--config.file=${files.blackboxYml}`,
        `--web.listen-address=127.0.0.1:${PORTS.blackbox}`,
      ]);
      children.push(bb);
      await waitForHttp(`http://127.0.0.1:${PORTS.blackbox}/`, bb);
      urls.push(`blackbox      http://127.0.0.1:${PORTS.blackbox}/`);
    }
    if (ha) {
      let amTargets: string[] = [];
      if (haveAm && files.alertmanagerYml) {
        const cluster = await startAlertmanagerCluster({
          dir,
          config: files.alertmanagerYml,
          n: 2,
          webPorts: [PORTS.alertmanager, PORTS.alertmanagerB],
        });
        children.push(...cluster.children);
        amTargets = cluster.targets;
        urls.push(`alertmanager  ${cluster.urls.join('  ')}  (cluster of two)`);
      }
      const pair = await startHaPair({
        dir,
        addresses: files.addresses,
        alertmanagers: amTargets,
        ports: { victoria: PORTS.victoria, prometheus: [PORTS.prometheus, PORTS.prometheusB] },
      });
      children.push(...pair.children);
      for (const p of pair.prometheus) urls.push(`prometheus ${p.replica}  ${p.url}/  (external label replica="${p.replica}")`);
      urls.push(`victoria      ${pair.victoriaUrl}/vmui/  (long-term store: point Grafana or reports at ${pair.victoriaUrl})`);
    } else if (haveAm && files.alertmanagerYml) {
      const am = startChild('alertmanager', BIN.alertmanager, [
        `--config.file=${files.alertmanagerYml}`,
        `--storage.path=${path.join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
        '--cluster.listen-address=',
      ]);
      children.push(am);
      await waitForHttp(`http://127.0.0.1:${PORTS.alertmanager}/-/ready`, am);
      urls.push(`alertmanager  http://127.0.0.1:${PORTS.alertmanager}/`);
    }
    if (ha) {
      // started above
    } else if (installed(BIN.prometheus)) {
      const prom = startChild('prometheus', BIN.prometheus, [
        `--config.file=${files.prometheusYml}`,
        `--storage.tsdb.path=${tsdb}`,
        '--storage.tsdb.retention.time=45d',
        `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
      ]);
      children.push(prom);
      await waitForHttp(`http://127.0.0.1:${PORTS.prometheus}/-/ready`, prom);
      urls.push(`prometheus    http://127.0.0.1:${PORTS.prometheus}/  (targets: /targets, rules: /rules)`);
    } else {
      urls.push('prometheus    not installed (apt-get install prometheus)');
    }
    process.stdout.write(`\nMarketplace Pulse local stack (config in ${dir}):\n  ${urls.join('\n  ')}\nCtrl-C stops everything.\n`);
    for (const c of children) {
      c.proc.once('exit', (code) => {
        if (stopping) return;
        process.stderr.write(`${c.name} exited (${code}):\n${c.output()}\n`);
        void stop(1);
      });
    }
  } catch (e) {
    process.stderr.write(`stack failed to start: ${(e as Error).message}\n`);
    await stop(1);
  }
}

void main();

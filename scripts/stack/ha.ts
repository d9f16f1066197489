/**
 * The HA pair on loopback, for `npm run stack -- --ha` and the HA end-to-end test: VictoriaMetrics
 * (single node, dedup at the scrape interval, `replica` dropped on ingestion), two Prometheus
 * servers with the same scrape jobs and rules remote-writing to it, and an Alertmanager cluster that
 * both servers send to. Same generated configuration as the compose `ha` profile, loopback addresses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  HA_REPLICAS,
  haPrometheusConfig,
  victoriaArgs,
  victoriaRelabelConfig,
  type PrometheusAddresses,
} from '../../dashboards/provisioning/prometheus';
import { freePort, startChild, waitForHttp, type Child } from './processes';

export const HA_BIN = {
  victoria: '/usr/bin/victoria-metrics',
  prometheus: '/usr/bin/prometheus',
  alertmanager: '/usr/bin/prometheus-alertmanager',
} as const;

export interface HaPrometheus {
  replica: string;
  url: string;
  child: Child;
}

export interface HaPair {
  victoriaUrl: string;
  victoria: Child;
  prometheus: HaPrometheus[];
  children: Child[];
  stop(): Promise<void>;
}

export interface HaPairOptions {
  dir: string;
  /** Scrape targets, rule files and intervals, as for the single server (writeLocalConfig's addresses). */
  addresses: PrometheusAddresses;
  /** host:port of every Alertmanager of the cluster (empty: no alerting). */
  alertmanagers: string[];
  ports?: { victoria?: number; prometheus?: [number, number] };
  /** Extra Prometheus flags (tests shorten the alert resend delay). */
  prometheusArgs?: string[];
  /** VictoriaMetrics makes samples visible after this (default 30 s); tests query fresh data. */
  victoriaLatencyOffset?: string;
  echo?: boolean;
}

export async function startHaPair(o: HaPairOptions): Promise<HaPair> {
  const children: Child[] = [];
  const stop = async () => {
    for (const c of [...children].reverse()) await c.stop();
  };
  try {
    const vmPort = o.ports?.victoria ?? (await freePort());
    const relabel = path.join(o.dir, 'victoria-relabel.yml');
    writeFileSync(relabel, YAML.stringify(victoriaRelabelConfig()));
    const victoriaUrl = `http://127.0.0.1:${vmPort}`;
    const args = victoriaArgs({
      storage: path.join(o.dir, 'victoria-data'),
      listen: `127.0.0.1:${vmPort}`,
      relabelConfig: relabel,
      scrapeInterval: o.addresses.scrapeInterval,
    });
    if (o.victoriaLatencyOffset) args.push(`-search.latencyOffset=${o.victoriaLatencyOffset}`);
    const victoria = startChild('victoriametrics', HA_BIN.victoria, args, { echo: o.echo });
    children.push(victoria);
    await waitForHttp(`${victoriaUrl}/health`, victoria);

    const prometheus: HaPrometheus[] = [];
    for (const [i, replica] of HA_REPLICAS.entries()) {
      const port = o.ports?.prometheus?.[i] ?? (await freePort());
      const dir = path.join(o.dir, `prometheus-${replica}`);
      mkdirSync(dir, { recursive: true });
      const config = path.join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        YAML.stringify(
          haPrometheusConfig(o.addresses, { replica, remoteWrite: `${victoriaUrl}/api/v1/write`, alertmanagers: o.alertmanagers }),
        ),
      );
      const child = startChild(
        `prometheus-${replica}`,
        HA_BIN.prometheus,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          ...(o.prometheusArgs ?? []),
        ],
        { echo: o.echo },
      );
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/-/ready`, child);
      prometheus.push({ replica, url, child });
    }
    return { victoriaUrl, victoria, prometheus, children, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface AlertmanagerCluster {
  urls: string[];
  /** host:port of each member's API, for Prometheus' alerting config. */
  targets: string[];
  children: Child[];
  stop(): Promise<void>;
}

/** `n` Alertmanagers gossiping on loopback, each peered with the first. */
export async function startAlertmanagerCluster(o: {
  dir: string;
  config: string;
  n: number;
  webPorts?: number[];
  extraArgs?: string[];
  echo?: boolean;
}): Promise<AlertmanagerCluster> {
  const web: number[] = [];
  const gossip: number[] = [];
  for (let i = 0; i < o.n; i++) {
    web.push(o.webPorts?.[i] ?? (await freePort()));
    gossip.push(await freePort());
  }
  const children: Child[] = [];
  for (let i = 0; i < o.n; i++) {
    children.push(
      startChild(
        `alertmanager-${i}`,
        HA_BIN.alertmanager,
        [
          `--config.file=${o.config}`,
          `--storage.path=${path.join(o.dir, `alertmanager-${i}`)}`,
          `--web.listen-address=127.0.0.1:${web[i]}`,
          `--cluster.listen-address=127.0.0.1:${gossip[i]}`,
          `--cluster.advertise-address=127.0.0.1:${gossip[i]}`,
          ...gossip.filter((_, j) => j !== i).map((p) => `--cluster.peer=127.0.0.1:${p}`),
          ...(o.extraArgs ?? []),
        ],
        { echo: o.echo },
      ),
    );
  }
  const urls = web.map((p) => `http://127.0.0.1:${p}`);
  const stop = async () => {
    for (const c of [...children].reverse()) await c.stop();
  };
  try {
    for (const [i, u] of urls.entries()) await waitForHttp(`${u}/-/ready`, children[i]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { urls, targets: web.map((p) => `127.0.0.1:${p}`), children, stop };
}

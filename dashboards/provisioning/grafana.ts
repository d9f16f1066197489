/** Grafana provisioning: datasources with fixed uids, one file provider, dashboard JSON in folders. */
import YAML from 'yaml';
import { DATASOURCES } from '../../shared/conventions';
import { generatedHeader, type GeneratedFile } from '../../shared/generated';
import { buildDashboard, DASHBOARDS } from '../index';
import { buildSellerLeaderboard, POSTGRES } from '../seller-leaderboard';

const SOURCE = 'dashboards/provisioning/grafana.ts';
/** Where docker-compose mounts provisioning/grafana/dashboards inside the Grafana container. */
export const GRAFANA_DASHBOARDS_PATH = '/etc/grafana/provisioning/dashboards';

/**
 * The marketplace database for the per-seller tables: a read-only role (created in the demo by
 * grafanaReaderScript), its password from a secret file mounted into Grafana and PostgreSQL — never in this file.
 */
export const GRAFANA_DB = {
  host: 'postgres:5432',
  database: 'marketplace',
  user: 'pulse_grafana',
  passwordFile: '/run/secrets/grafana_db_password',
} as const;

/** Where each datasource is reached; the long-term store is left out where none is deployed (Kubernetes). */
export interface DatasourceUrls {
  prometheus: string;
  alertmanager: string;
  victoriametrics?: string;
  /** host:port of the marketplace database for the seller leaderboard; left out where not reachable. */
  postgres?: string;
}

export function datasourcesFile(
  urls: DatasourceUrls = {
    prometheus: 'http://prometheus:9090',
    alertmanager: 'http://alertmanager:9093',
    victoriametrics: 'http://victoriametrics:8428',
    postgres: GRAFANA_DB.host,
  },
): GeneratedFile {
  const doc = {
    apiVersion: 1,
    datasources: [
      {
        name: DATASOURCES.prometheus.name,
        uid: DATASOURCES.prometheus.uid,
        type: 'prometheus',
        access: 'proxy',
        url: urls.prometheus,
        isDefault: true,
        editable: false,
        jsonData: { httpMethod: 'POST', timeInterval: '15s', alertmanagerUid: DATASOURCES.alertmanager.uid },
      },
      ...(urls.victoriametrics === undefined
        ? []
        : [
            {
              // Same Prometheus API; dashboards pick it through their $datasource variable (HA profile).
              name: DATASOURCES.victoriametrics.name,
              uid: DATASOURCES.victoriametrics.uid,
              type: 'prometheus',
              access: 'proxy',
              url: urls.victoriametrics,
              editable: false,
              jsonData: { httpMethod: 'POST', timeInterval: '15s', alertmanagerUid: DATASOURCES.alertmanager.uid },
            },
          ]),
      {
        name: DATASOURCES.alertmanager.name,
        uid: DATASOURCES.alertmanager.uid,
        type: 'alertmanager',
        access: 'proxy',
        url: urls.alertmanager,
        editable: false,
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
      },
      ...(urls.postgres === undefined
        ? []
        : [
            {
              name: DATASOURCES.postgres.name,
              uid: DATASOURCES.postgres.uid,
              type: POSTGRES.type,
              access: 'proxy',
              url: urls.postgres,
              user: GRAFANA_DB.user,
              editable: false,
              // Grafana reads $__file{path} when it loads the provisioning file.
              secureJsonData: { password: `$__file{${GRAFANA_DB.passwordFile}}` },
              // sslmode: the demo's database has no TLS; set require/verify-full for a real replica.
              jsonData: {
                database: GRAFANA_DB.database,
                sslmode: 'disable',
                postgresVersion: 1500,
                maxOpenConns: 4,
                maxIdleConns: 2,
                connMaxLifetime: 14400,
              },
            },
          ]),
    ],
  };
  return { path: 'provisioning/grafana/datasources/marketplace-pulse.yml', content: generatedHeader('#', SOURCE) + YAML.stringify(doc) };
}

export function dashboardProviderFile(): GeneratedFile {
  const doc = {
    apiVersion: 1,
    providers: [
      {
        name: 'marketplace-pulse',
        orgId: 1,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        // Sub-folders (Business/, Operations/) become Grafana folders.
        options: { path: GRAFANA_DASHBOARDS_PATH, foldersFromFilesStructure: true },
      },
    ],
  };
  return { path: 'provisioning/grafana/dashboards/marketplace-pulse.yml', content: generatedHeader('#', SOURCE) + YAML.stringify(doc) };
}

/** Every provisioned dashboard: its Grafana folder, file name and JSON text (also the Kubernetes ConfigMaps'). */
export interface DashboardDoc {
  folder: string;
  file: string;
  json: string;
}

export function dashboardDocs(): DashboardDoc[] {
  const json = (d: unknown) => `${JSON.stringify(d, null, 2)}\n`;
  return [
    ...DASHBOARDS.map((d) => ({ folder: d.folder, file: d.file, json: json(buildDashboard(d)) })),
    // SQL tables on the database datasource (not Prometheus panels: kept out of DASHBOARDS).
    { folder: 'Business', file: 'seller-leaderboard', json: json(buildSellerLeaderboard()) },
  ];
}

/** JSON allows no comments: the generated-file notice lives in the provider file next to them. */
export function dashboardFiles(): GeneratedFile[] {
  return dashboardDocs().map((d) => ({ path: `provisioning/grafana/dashboards/${d.folder}/${d.file}.json`, content: d.json }));
}

/**
 * The demo database's read-only role for Grafana, run once by the postgres image on an empty volume
 * (docker-entrypoint-initdb.d); the password comes from the container's environment.
 */
export function grafanaReaderScript(): GeneratedFile {
  const sql = [
    `CREATE ROLE ${GRAFANA_DB.user} LOGIN PASSWORD :'pw' CONNECTION LIMIT 4;`,
    `GRANT CONNECT ON DATABASE ${GRAFANA_DB.database} TO ${GRAFANA_DB.user};`,
    `GRANT USAGE ON SCHEMA public TO ${GRAFANA_DB.user};`,
    `GRANT SELECT ON sellers, orders, payments, refunds, returns TO ${GRAFANA_DB.user};`,
    `ALTER ROLE ${GRAFANA_DB.user} SET default_transaction_read_only = on;`,
    `ALTER ROLE ${GRAFANA_DB.user} SET statement_timeout = '15s';`,
  ];
  const content = `#!/bin/sh
${generatedHeader('#', SOURCE).trimEnd()}
set -eu
pw="$(cat ${GRAFANA_DB.passwordFile})"
[ -n "$pw" ] || { echo "${GRAFANA_DB.passwordFile} is empty" >&2; exit 1; }
psql -v ON_ERROR_STOP=1 -v pw="$pw" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
${sql.join('\n')}
SQL
`;
  return { path: 'provisioning/postgres/02-grafana-reader.sh', content };
}

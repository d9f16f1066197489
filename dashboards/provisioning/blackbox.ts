/** blackbox.yml: the probe modules Prometheus uses for the public marketplace URLs. */
import YAML from 'yaml';
import { generatedHeader, type GeneratedFile } from '../../shared/generated';
import { PROBE_MODULE } from './prometheus';

export function blackboxConfig(): Record<string, unknown> {
  return {
    modules: {
      [PROBE_MODULE]: {
        prober: 'http',
        timeout: '10s',
        http: {
          preferred_ip_protocol: 'ip4',
          valid_http_versions: ['HTTP/1.1', 'HTTP/2.0'],
          follow_redirects: true,
          fail_if_not_ssl: false,
        },
      },
      tcp_connect: { prober: 'tcp', timeout: '5s' },
    },
  };
}

export function blackboxFile(): GeneratedFile {
  return {
    path: 'provisioning/blackbox/blackbox.yml',
    content: generatedHeader('#', 'dashboards/provisioning/blackbox.ts') + YAML.stringify(blackboxConfig()),
  };
}

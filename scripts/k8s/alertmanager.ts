import { ALERT_SEVERITIES, SEVERITY_RECEIVER } from '../../domain/alerts.js';
import type { YamlMapping } from './yaml.js';

/**
 * Alertmanager routing: each severity to its receiver (domain/alerts.ts).
 * Credentials are files from the Secret below (the prometheus-operator mounts
 * an Alertmanager's `secrets` under /etc/alertmanager/secrets/<name>/), so the
 * config holds no secret; the addresses are placeholders to edit per site.
 */
export const RECEIVER_SECRET = 'golden-alert-receivers';
const SECRET_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

export const RECEIVER_PLACEHOLDERS = {
  slackChannel: '#golden-alerts',
  emailTo: 'oncall@golden.invalid',
  emailFrom: 'alertmanager@golden.invalid',
  smarthost: 'smtp.golden.invalid:587',
} as const;

const matcher = (label: string, value: string) => `${label}=${JSON.stringify(value)}`;

export function alertmanagerConfig(): YamlMapping {
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: SEVERITY_RECEIVER.info,
      group_by: ['alertname', 'severity'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: ALERT_SEVERITIES.map((severity) => ({
        receiver: SEVERITY_RECEIVER[severity],
        matchers: [matcher('severity', severity)],
        // A page goes out sooner and is repeated more often than a chat message.
        ...(severity === 'critical' ? { group_wait: '10s', repeat_interval: '1h' } : {}),
      })),
    },
    inhibit_rules: [
      {
        // While an SLO pages, its warning twin (same `slo` label) stays quiet; alerts without the label are never matched.
        source_matchers: [matcher('severity', 'critical'), 'slo=~".+"'],
        target_matchers: [matcher('severity', 'warning'), 'slo=~".+"'],
        equal: ['slo'],
      },
    ],
    receivers: [
      {
        name: SEVERITY_RECEIVER.critical,
        pagerduty_configs: [{ routing_key_file: `${SECRET_DIR}/pagerduty-routing-key`, send_resolved: true }],
      },
      {
        name: SEVERITY_RECEIVER.warning,
        slack_configs: [{ api_url_file: `${SECRET_DIR}/slack-webhook-url`, channel: RECEIVER_PLACEHOLDERS.slackChannel, send_resolved: true }],
        email_configs: [
          {
            to: RECEIVER_PLACEHOLDERS.emailTo,
            from: RECEIVER_PLACEHOLDERS.emailFrom,
            smarthost: RECEIVER_PLACEHOLDERS.smarthost,
            auth_username: RECEIVER_PLACEHOLDERS.emailFrom,
            auth_password_file: `${SECRET_DIR}/smtp-password`,
            send_resolved: true,
          },
        ],
      },
      // Info alerts are for dashboards: the receiver has no integration, so nothing is sent.
      { name: SEVERITY_RECEIVER.info },
    ],
  };
}

import { ALERT_RULES, alertAnnotations, alertLabels } from '../../domain/alerts.js';
import { RECORDING_RULES } from '../../domain/recording-rules.js';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { YamlMapping, YamlValue } from './yaml.js';

type RuleGroup = NonNullable<IPrometheusRule['spec']['groups']>[number];

/**
 * The recording and alerting rules as a Prometheus rule file's `groups`
 * (also the `spec` of the PrometheusRule object). Recording rules come first:
 * the alerts read the series they record.
 */
export function ruleGroups(): RuleGroup[] {
  return [
    {
      name: RECORDING_RULES.name,
      interval: RECORDING_RULES.interval,
      rules: RECORDING_RULES.rules.map((r) => ({ record: r.record, expr: r.expr })),
    },
    {
      name: ALERT_RULES.name,
      interval: ALERT_RULES.interval,
      rules: ALERT_RULES.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        for: r.for,
        labels: alertLabels(r),
        annotations: alertAnnotations(r),
      })),
    },
  ];
}

export function ruleFile(): YamlMapping {
  return { groups: ruleGroups() as unknown as YamlValue[] };
}

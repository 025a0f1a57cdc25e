import type { BufferedMetricUpdate, MetricsBuffer } from '@temporalio/worker';
import type { MetricKind, MetricTags } from '@temporalio/common';
import type { Registry } from 'prom-client';

/** Bounds for the SDK's latency histograms, in seconds (the buffer is asked for seconds). */
export const SDK_HISTOGRAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** How often the buffer is drained between scrapes, so a burst cannot fill it (the SDK drops updates then). */
const DRAIN_INTERVAL_MS = 1000;

const PROM_TYPES: Record<MetricKind, 'counter' | 'gauge' | 'histogram'> = {
  counter: 'counter',
  'up-down-counter': 'gauge',
  gauge: 'gauge',
  histogram: 'histogram',
};

interface Series {
  labels: Record<string, string>;
  value: number;
  /** Histograms only: cumulative count per bound of SDK_HISTOGRAM_BUCKETS. */
  buckets?: number[];
  count?: number;
}

/**
 * One Temporal SDK metric held for prom-client's registry, which renders it on
 * `/metrics` like our own. Each update may carry its own attribute set, which a
 * prom-client instrument (fixed label names) could not take.
 */
class SdkMetric {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator = 'sum' as const;
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    kind: MetricKind,
    readonly help: string,
  ) {
    this.type = PROM_TYPES[kind];
  }

  record(update: BufferedMetricUpdate): void {
    const key = seriesKey(update.attributes);
    let series = this.series.get(key);
    if (!series) {
      series = { labels: labelsOf(update.attributes), value: 0 };
      if (this.type === 'histogram') Object.assign(series, { buckets: SDK_HISTOGRAM_BUCKETS.map(() => 0), count: 0 });
      this.series.set(key, series);
    }
    if (this.type === 'histogram') {
      series.value += update.value;
      series.count! += 1;
      SDK_HISTOGRAM_BUCKETS.forEach((bound, i) => {
        if (update.value <= bound) series.buckets![i]! += 1;
      });
    } else if (update.metric.kind === 'gauge') {
      series.value = update.value;
    } else {
      series.value += update.value;
    }
  }

  get() {
    const values = [];
    for (const s of this.series.values()) {
      if (this.type !== 'histogram') {
        values.push({ labels: s.labels, value: s.value });
        continue;
      }
      SDK_HISTOGRAM_BUCKETS.forEach((bound, i) => values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: String(bound) }, value: s.buckets![i]! }));
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count! });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.value });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count! });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

const keys = new WeakMap<MetricTags, string>();

/** The SDK reuses one attributes object per attribute set, so its key is computed once. */
function seriesKey(attributes: MetricTags): string {
  let key = keys.get(attributes);
  if (key === undefined) {
    key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b)));
    keys.set(attributes, key);
  }
  return key;
}

function labelsOf(attributes: MetricTags): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)]));
}

/**
 * Serves the Temporal SDK's own metrics (schedule-to-start latencies, workflow
 * task failures, slots, pollers…) from this process's registry, so each worker
 * has one `/metrics` endpoint and no second port. `drain` runs before every
 * scrape and every second; `stop` ends the timer.
 */
export function exportSdkMetrics(registry: Registry, buffer: MetricsBuffer): { drain(): void; stop(): void } {
  const metrics = new Map<string, SdkMetric>();
  const drain = () => {
    for (const update of buffer.retrieveUpdates()) {
      let metric = metrics.get(update.metric.name);
      if (!metric) {
        metric = new SdkMetric(update.metric.name, update.metric.kind, update.metric.description || `Temporal SDK metric ${update.metric.name}`);
        metrics.set(update.metric.name, metric);
        registry.registerMetric(metric as never);
      }
      metric.record(update);
    }
  };
  const timer = setInterval(drain, DRAIN_INTERVAL_MS);
  timer.unref();
  return { drain, stop: () => clearInterval(timer) };
}

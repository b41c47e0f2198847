// The Grafana dashboard of the chart: a ConfigMap for Grafana's sidecar, off by default; every
// panel's query is real PromQL (each becomes a recording rule for `promtool check rules`), uses
// only metrics the controller exports, and the import ETA and step duration queries compute what
// docs/dashboard.md says (`promtool test rules` on synthetic series).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { createMetrics } from '../../src/runtime/metrics.js';
import {
  REPO_ROOT,
  findPromtool,
  helmTemplate,
  parseObjects,
  run,
  type K8sObject,
} from '../support/chart-tools.js';

interface Panel {
  id: number;
  title: string;
  description: string;
  targets: { refId: string; expr: string }[];
  fieldConfig: { defaults: { thresholds?: { steps: { value: number | null }[] } } };
}

/** Grafana's variables, as a dashboard with "All" namespaces over one day would send them. */
function concrete(expr: string): string {
  return expr
    .replaceAll('$namespace', '.*')
    .replaceAll('$__range', '1d')
    .replaceAll('$__rate_interval', '5m');
}

const dashboardConfigMaps = (objs: K8sObject[]) =>
  objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');

function dashboardOf(objs: K8sObject[]): { panels: Panel[]; templating: { list: { name: string }[] } } {
  const [cm] = dashboardConfigMaps(objs);
  assert.ok(cm, 'a ConfigMap labelled grafana_dashboard: "1"');
  const data = (cm as unknown as { data: Record<string, string> }).data;
  return JSON.parse(data['alma-restore.json']!) as ReturnType<typeof dashboardOf>;
}

describe('Grafana dashboard (chart, promtool)', () => {
  let panels: Panel[];
  let dir: string;
  let promtool: string;

  before(async () => {
    promtool = findPromtool();
    panels = dashboardOf(parseObjects(await helmTemplate(['--set', 'grafanaDashboard.enabled=true']))).panels;
    dir = await mkdtemp(path.join(os.tmpdir(), 'alma-dashboard-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is off by default, and on renders one ConfigMap for the sidecar with the panels the issue asks for', async () => {
    assert.deepEqual(dashboardConfigMaps(parseObjects(await helmTemplate([]))), []);
    const on = parseObjects(
      await helmTemplate([
        '--set',
        'grafanaDashboard.enabled=true',
        '--set',
        'grafanaDashboard.namespace=monitoring',
        '--set',
        'grafanaDashboard.annotations.grafana_folder=Alma',
      ]),
    );
    const [cm] = dashboardConfigMaps(on);
    assert.equal(cm?.metadata.namespace, 'monitoring');
    assert.equal(
      (cm?.metadata as { annotations?: Record<string, string> }).annotations?.grafana_folder,
      'Alma',
    );
    assert.deepEqual(
      panels.map((p) => p.title),
      [
        'Phase per restore',
        'Overall progress',
        'Import progress',
        'Import ETA',
        'Tablespace fill against the alert line',
        'Step durations',
        'Fetch throughput',
        'Time since last progress',
      ],
    );
  });

  it('draws the tablespace alert line at the alert threshold (85% by default, or the value set)', async () => {
    const line = (ps: Panel[]) =>
      ps.find((p) => p.title.startsWith('Tablespace'))!.fieldConfig.defaults.thresholds!.steps.at(-1)!.value;
    assert.equal(line(panels), 0.85);
    const custom = dashboardOf(
      parseObjects(
        await helmTemplate([
          '--set',
          'grafanaDashboard.enabled=true',
          '--set-json',
          'prometheusRule.alerts.tablespaceAlmostFull.threshold=0.9',
        ]),
      ),
    ).panels;
    assert.equal(line(custom), 0.9);
  });

  it('queries only metrics the controller exports', async () => {
    const exported = new Set(
      (await createMetrics().registry.getMetricsAsJSON())
        .map((m) => m.name)
        .filter((n) => n.startsWith('alma_')),
    );
    const used = new Set(
      panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/alma_restore_[a-z_]+/g) ?? [])),
    );
    assert.ok(used.size >= 7, [...used].join(', '));
    for (const name of used)
      assert.ok(
        exported.has(name.replace(/_(bucket|sum|count)$/, '')),
        `${name} is not exported by the controller`,
      );
  });

  it('every panel query passes promtool check rules', async () => {
    const rules = panels.flatMap((p) =>
      p.targets.map((t) => ({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: concrete(t.expr) })),
    );
    assert.ok(rules.length >= 9);
    await writeFile(
      path.join(dir, 'dashboard-rules.yaml'),
      YAML.stringify({ groups: [{ name: 'dashboard', rules }] }),
    );
    const r = await run(promtool, ['check', 'rules', 'dashboard-rules.yaml'], { cwd: dir });
    assert.equal(r.code, 0, `promtool check rules failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('the import ETA and the step durations compute what docs/dashboard.md says (promtool test rules)', async () => {
    const expr = (title: string, ref = 'A') =>
      concrete(panels.find((p) => p.title === title)!.targets.find((t) => t.refId === ref)!.expr);
    await writeFile(
      path.join(dir, 'eta-rules.yaml'),
      YAML.stringify({
        groups: [
          {
            name: 'dashboard',
            rules: [
              { record: 'dashboard:import_eta_seconds', expr: expr('Import ETA') },
              { record: 'dashboard:step_mean_seconds', expr: expr('Step durations', 'A') },
            ],
          },
        ],
      }),
    );
    // The import advances 1% a minute: at 40% there are 60 minutes left. One fetch of 1 h and two
    // imports of 2 h and 4 h finished in the day: means 1 h and 3 h.
    const series = (s: string, values: string) => ({ series: s, values });
    await writeFile(
      path.join(dir, 'eta.test.yaml'),
      YAML.stringify({
        rule_files: ['eta-rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              series('alma_restore_import_progress_ratio{namespace="lib",restore="q3"}', '0+0.01x60'),
              series('alma_restore_phase{namespace="lib",restore="q3",phase="Importing"}', '1x60'),
              series('alma_restore_step_duration_seconds_sum{step="fetch",outcome="Succeeded"}', '0 3600x59'),
              series('alma_restore_step_duration_seconds_count{step="fetch",outcome="Succeeded"}', '0 1x59'),
              series(
                'alma_restore_step_duration_seconds_sum{step="import",outcome="Succeeded"}',
                '0 7200 21600x58',
              ),
              series(
                'alma_restore_step_duration_seconds_count{step="import",outcome="Succeeded"}',
                '0 1 2x58',
              ),
            ],
            promql_expr_test: [
              {
                expr: 'round(dashboard:import_eta_seconds)',
                eval_time: '40m',
                exp_samples: [{ labels: '{namespace="lib",restore="q3"}', value: 3600 }],
              },
              {
                expr: 'round(dashboard:step_mean_seconds)',
                eval_time: '50m',
                exp_samples: [
                  { labels: '{step="fetch"}', value: 3600 },
                  { labels: '{step="import"}', value: 10800 },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = await run(promtool, ['test', 'rules', 'eta.test.yaml'], { cwd: dir });
    assert.equal(r.code, 0, `promtool test rules failed:\n${r.stdout}\n${r.stderr}`);
  });

  it('docs/dashboard.md says what each panel answers', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'dashboard.md'), 'utf8');
    for (const p of panels)
      assert.match(doc, new RegExp(`\\n### ${p.title}\\n`), `docs/dashboard.md has no "### ${p.title}"`);
  });
});

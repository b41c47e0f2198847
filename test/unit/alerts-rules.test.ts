// The operator's Prometheus alerts, as the chart renders them, checked and unit-tested with the
// real promtool: each alert fires and resolves as docs/alerts.md says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { REPO_ROOT, findPromtool, renderAlertRules, run } from '../support/chart-tools.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'alerts');
const TEST_FILES = ['alerts.test.yaml', 'alerts-overdue.test.yaml', 'alerts-inventory.test.yaml'];
const ALERTS = [
  'AlmaRestoreTablespaceAlmostFull',
  'AlmaRestoreFailed',
  'AlmaRestoreStalled',
  'AlmaRestoreOverdue',
  'AlmaRestoreControllerDown',
  'AlmaRestoreInventoryDrop',
];

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Writes rules.yaml and the promtool test files into a fresh folder; returns it. */
async function workspace(rules: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'alma-alerts-'));
  await writeFile(path.join(dir, 'rules.yaml'), rules);
  for (const f of TEST_FILES) await copyFile(path.join(FIXTURES, f), path.join(dir, f));
  return dir;
}

describe('alerting rules (chart template, promtool)', () => {
  let promtool: string;
  let rulesText: string;
  let rules: Rule[];
  const dirs: string[] = [];

  before(async () => {
    promtool = findPromtool();
    rulesText = await renderAlertRules();
    const parsed = YAML.parse(rulesText) as { groups: { rules: Rule[] }[] };
    rules = parsed.groups.flatMap((g) => g.rules);
  });
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('renders exactly the six documented alerts, each with summary, description and runbook_url', async () => {
    assert.deepEqual(
      rules.map((r) => r.alert),
      ALERTS,
    );
    const runbook = await readFile(path.join(REPO_ROOT, 'docs', 'alerts.md'), 'utf8');
    for (const r of rules) {
      assert.ok(r.annotations?.summary, `${r.alert}: summary`);
      assert.ok(r.annotations?.description, `${r.alert}: description`);
      assert.ok(r.labels?.severity, `${r.alert}: severity label`);
      const url = r.annotations?.runbook_url ?? '';
      assert.match(url, /\/docs\/alerts\.md#[a-z]+$/, `${r.alert}: runbook_url ${url}`);
      // The anchor must be a section of docs/alerts.md (GitHub anchors are lower-cased headings).
      assert.ok(
        runbook.split('\n').some((line) => line.trim() === `## ${r.alert}`),
        `docs/alerts.md has no "## ${r.alert}" section`,
      );
      assert.equal(url.split('#')[1], r.alert.toLowerCase());
    }
  });

  it('alerts on the metric names and labels the controller exports (src/runtime/metrics.ts)', async () => {
    const metricsSource = await readFile(path.join(REPO_ROOT, 'src', 'runtime', 'metrics.ts'), 'utf8');
    const used = new Set(rules.flatMap((r) => r.expr.match(/alma_restore_[a-z_]+/g) ?? []));
    assert.ok(
      used.size >= 4,
      `expected the rules to use the operator's metrics, got ${[...used].join(', ')}`,
    );
    for (const name of used)
      assert.ok(metricsSource.includes(`'${name}'`), `${name} is not exported by the controller`);
    const tablespace = rules.find((r) => r.alert === 'AlmaRestoreTablespaceAlmostFull');
    assert.match(tablespace?.expr ?? '', /by \(namespace, restore, institution, tablespace\)/);
  });

  it('passes promtool check rules', async () => {
    const dir = await workspace(rulesText);
    dirs.push(dir);
    const r = await run(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir });
    assert.equal(r.code, 0, `promtool check rules failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /SUCCESS: 6 rules found/);
  });

  it('passes promtool test rules: every alert fires and resolves as documented', async () => {
    const dir = await workspace(rulesText);
    dirs.push(dir);
    const r = await run(promtool, ['test', 'rules', ...TEST_FILES], { cwd: dir });
    assert.equal(r.code, 0, `promtool test rules failed:\n${r.stdout}\n${r.stderr}`);
    // Every alert has a test that expects it to fire, and one that expects it silent.
    const tests = TEST_FILES.map((f) => YAML.parse(rulesFixture(f)) as PromtoolTestFile);
    for (const alert of ALERTS) {
      const cases = tests
        .flatMap((t) => t.tests.flatMap((c) => c.alert_rule_test ?? []))
        .filter((c) => c.alertname === alert);
      assert.ok(
        cases.some((c) => c.exp_alerts.length > 0),
        `${alert}: no test case where it fires`,
      );
      assert.ok(
        cases.some((c) => c.exp_alerts.length === 0),
        `${alert}: no test case where it is silent`,
      );
    }
  });

  it('the promtool tests bite: a tablespace threshold of 0.87 fails them (0.86 must fire)', async () => {
    const dir = await workspace(
      await renderAlertRules(['--set-json', 'prometheusRule.alerts.tablespaceAlmostFull.threshold=0.87']),
    );
    dirs.push(dir);
    const r = await run(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: dir });
    assert.notEqual(r.code, 0, 'promtool test rules passed with a threshold that must not fire at 0.86');
    assert.match(r.stdout + r.stderr, /AlmaRestoreTablespaceAlmostFull/);
  });

  it('the promtool tests bite: a threshold of 0.83 fires at 0.84 and fails them', async () => {
    const dir = await workspace(
      await renderAlertRules(['--set-json', 'prometheusRule.alerts.tablespaceAlmostFull.threshold=0.83']),
    );
    dirs.push(dir);
    const r = await run(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: dir });
    assert.notEqual(r.code, 0, 'promtool test rules passed although USERS2 at 0.84 now fires');
  });

  it('honours the configurable values: stalled after, overdue days, for, severity, extra labels', async () => {
    const text = await renderAlertRules(
      [
        'prometheusRule.alerts.stalled.afterMinutes=30',
        'prometheusRule.alerts.stalled.phases={Importing}',
        'prometheusRule.alerts.overdue.afterDays=100',
        'prometheusRule.alerts.failed.for=0s',
        'prometheusRule.alerts.failed.severity=warning',
        'prometheusRule.additionalRuleLabels.team=library-systems',
        'prometheusRule.alerts.controllerDown.enabled=false',
      ].flatMap((s) => ['--set', s]),
    );
    const got = (YAML.parse(text) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
    const by = (a: string) => got.find((r) => r.alert === a);
    assert.match(by('AlmaRestoreStalled')?.expr ?? '', /> 1800\b/);
    assert.match(by('AlmaRestoreStalled')?.expr ?? '', /phase=~"Importing"/);
    assert.match(by('AlmaRestoreOverdue')?.expr ?? '', /> 8640000\b/);
    assert.equal(by('AlmaRestoreFailed')?.for, '0s');
    assert.equal(by('AlmaRestoreFailed')?.labels?.severity, 'warning');
    assert.equal(by('AlmaRestoreControllerDown'), undefined);
    for (const r of got) assert.equal(r.labels?.team, 'library-systems', `${r.alert}: additional label`);
  });
});

interface PromtoolTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

function rulesFixture(file: string): string {
  return readFileSync(path.join(FIXTURES, file), 'utf8');
}

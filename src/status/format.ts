// The text of `alma-restore status NAME` (and `kubectl alma status NAME`), in the manner of
// `kubectl cnpg status` and `velero restore describe`: what runs, how far it is, what it planned,
// what happened last, and the exact commands to look closer or to retry. Pure.
import type { StatusView } from './view.js';

/** "[##########----------]  50%" */
export function progressBar(percent: number, width = 30): string {
  const p = Math.min(100, Math.max(0, Math.round(percent)));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(p).padStart(3)}%`;
}

/** 45 -> "45s", 3725 -> "1h2m", 90061 -> "1d1h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
}

function since(from: string | undefined, to: Date): string {
  return from ? formatDuration((to.getTime() - Date.parse(from)) / 1000) : '';
}

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

export function formatStatus(v: StatusView, now: Date = new Date()): string {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  line(`AlmaRestore ${v.namespace}/${v.name}`);
  line(`Phase:     ${v.phase}`);
  if (v.currentStep) {
    const st = v.steps.find((s) => s.step === v.currentStep);
    line(
      `Step:      ${v.currentStep}${st?.attempt ? ` (attempt ${st.attempt})` : ''}${st?.phase && st.phase !== 'NotStarted' ? `, ${st.phase}` : ''}${st?.startTime && !st.completionTime ? ` for ${since(st.startTime, now)}` : ''}`,
    );
    if (st?.jobName) line(`Job:       ${st.jobName}`);
    if (v.pod)
      line(
        `Pod:       ${v.pod.name}: ${v.pod.state}${v.pod.node ? ` on ${v.pod.node}` : ''}${v.pod.restarts ? `, ${v.pod.restarts} restart(s)` : ''}`,
      );
    else if (st?.jobName) line(`Pod:       none yet`);
  }
  line(`Progress:  ${progressBar(v.percent)}`);
  if (v.etaSeconds !== undefined)
    line(
      `ETA:       ${formatDuration(v.etaSeconds)}${v.etaSource === 'estimate' ? ' (estimated from the progress so far)' : ''}`,
    );
  if (v.progressMessage) line(`           ${v.progressMessage}`);
  const current = v.steps.find((s) => s.step === v.currentStep);
  if (current && current.details.length > 0)
    for (const [k, val] of current.details) line(`           ${k}: ${val}`);

  const failing = v.conditions.filter(
    (c) => (c.type === 'Ready' || c.type === 'Failed') && c.status !== 'True',
  );
  const failedStep = v.steps.find((s) => s.phase === 'Failed');
  if (v.phase === 'Failed' && failedStep) {
    line();
    line(`Failed:    ${failedStep.step}: ${failedStep.reason ?? ''}`);
    if (failedStep.message) line(`           ${failedStep.message}`);
  } else if (failing.length > 0 && v.phase !== 'Succeeded') {
    line();
    for (const c of failing) line(`${c.type}: ${c.reason}: ${c.message}`);
  }

  line();
  line('Steps:');
  out.push(
    ...table([
      ['STEP', 'STATE', 'ATTEMPT', 'DURATION', 'RESULT'],
      ...v.steps.map((s) => [
        s.step,
        s.phase,
        s.attempt ? String(s.attempt) : '',
        s.startTime ? since(s.startTime, s.completionTime ? new Date(s.completionTime) : now) : '',
        s.reason ? `${s.reason}${s.message && s.step !== failedStep?.step ? `: ${s.message}` : ''}` : '',
      ]),
    ]),
  );

  if (v.plan) {
    line();
    line(`Plan:      ${v.plan.institutions.length} institution(s), ${v.plan.totalBibRecords} bib records`);
    line(`  staging volume   ${v.plan.stagingSize}`);
    line(`  database volume  ${v.plan.databaseSize}`);
    for (const i of v.plan.institutions)
      line(
        `  institution ${i.institutionId}: schema ${i.schema}, tablespace ${i.tablespace} ${i.tablespaceSize}`,
      );
    if (v.plan.importEstimate) line(`  import estimate  ${v.plan.importEstimate.text}`);
    if (v.plan.basis)
      line(`  sized from       staging: ${v.plan.basis.staging}; tablespaces: ${v.plan.basis.tablespaces}`);
    for (const w of v.plan.warnings ?? []) line(`  WARNING: ${w}`);
  }

  if (v.tablespaces.length > 0) {
    line();
    line('Tablespaces:');
    for (const t of v.tablespaces)
      line(
        `  ${t.tablespace.padEnd(10)} ${progressBar(t.usedRatio * 100, 20)}${t.usedRatio >= t.alertRatio ? `  above the ${Math.round(t.alertRatio * 100)}% line` : ''}`,
      );
  }

  if (v.verification.length > 0) {
    line();
    line('Verification:');
    for (const r of v.verification) {
      line(`  institution ${r.institutionId}: ${r.passed} of ${r.total} checks passed`);
      for (const f of r.failed) line(`    FAILED ${f.name}${f.text ? `: ${f.text}` : ''}`);
    }
  }

  if (v.inventory.length > 0) {
    line();
    line('Inventory (exact counts):');
    for (const inst of v.inventory) {
      line(`  institution ${inst.institutionId}${inst.baseline ? `, compared with ${inst.baseline}` : ''}:`);
      out.push(
        ...table(
          [
            ['AREA', 'COUNT', 'PREVIOUS', 'CHANGE'],
            ...inst.areas.map((a) => [
              a.area,
              a.count !== undefined ? a.count.toLocaleString('en-US') : 'not in this delivery',
              a.previous !== undefined ? a.previous.toLocaleString('en-US') : '',
              a.change !== undefined ? `${a.change >= 0 ? '+' : ''}${(a.change * 100).toFixed(1)}%` : '',
            ]),
          ],
          '    ',
        ),
      );
    }
  }

  line();
  if (v.events.length === 0) line('Events:    none');
  else {
    line('Events (last first):');
    out.push(
      ...table([
        ['AGE', 'TYPE', 'REASON', 'MESSAGE'],
        ...[...v.events]
          .reverse()
          .map((e) => [
            e.time ? since(e.time, now) : '',
            e.type,
            e.reason,
            `${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`,
          ]),
      ]),
    );
  }

  line();
  line('Commands:');
  line(`  logs:      ${v.commands.logs}`);
  line(`  describe:  ${v.commands.describe}`);
  line(`  events:    ${v.commands.events}`);
  if (v.commands.retry) line(`  retry:     ${v.commands.retry}`);
  return `${out.join('\n')}\n`;
}

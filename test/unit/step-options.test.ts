// The step commands speak alike: the same -c/--config and --termination-log, and durations
// written like the spec's ("2h", "90s"), so a person who ran one by hand can run the next.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram } from '../../src/cli.js';
import { describeConnectFailure } from '../../src/sftp/connection.js';
import { mergeFetchSettings } from '../../src/steps/fetch/options.js';
import { parseDurationFlag } from '../../src/steps/options.js';

const STEPS = ['fetch', 'prepare', 'import', 'verify'];

describe('step command options', () => {
  const program = buildProgram();
  const command = (name: string) => program.commands.find((c) => c.name() === name)!;

  it('every step has -c, --config and --termination-log, explained alike', () => {
    const described = (step: string, long: string) => {
      const o = command(step).options.find((x) => x.long === long);
      assert.ok(o, `${step} has ${long}`);
      return o;
    };
    for (const step of STEPS) {
      assert.equal(described(step, '--config').short, '-c', `${step} -c`);
      assert.equal(
        described(step, '--termination-log').description,
        described('fetch', '--termination-log').description,
      );
    }
    for (const step of ['prepare', 'import', 'verify'])
      assert.equal(described(step, '--config').description, described('prepare', '--config').description);
  });

  it('durations are written like the spec, and help says so', () => {
    for (const [step, flag] of [
      ['fetch', '--wait'],
      ['fetch', '--stable-for'],
      ['fetch', '--progress-interval'],
      ['import', '--progress-interval'],
    ] as const) {
      const o = command(step).options.find((x) => x.long === flag)!;
      assert.match(o.flags, /<duration>$/, `${step} ${flag}`);
      assert.match(o.description, /a duration like 90s, 30m, 24h/);
    }
    assert.equal(parseDurationFlag('1h30m', '--wait'), 5400);
    assert.equal(parseDurationFlag('45', '--wait'), 45);
    assert.throws(
      () => parseDurationFlag('soon', '--wait'),
      /--wait "soon" is not a duration: write it like the spec does/,
    );
    const s = mergeFetchSettings(undefined, {
      host: 'h',
      customer: '1',
      institution: ['2'],
      dest: '/tmp/x',
      wait: '2h',
      stableFor: '2m',
    });
    assert.equal(s.config.sftp.waitForDeliverySeconds, 7200);
    assert.equal(s.config.sftp.stableForSeconds, 120);
  });

  it('a host name that does not resolve is named as such, with the field to fix', () => {
    const ep = {
      host: 'stfp.example.edu',
      port: 22,
      credentials: { username: 'u' },
      insecureSkipHostKeyVerification: false,
    };
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND stfp.example.edu'), { code: 'ENOTFOUND' });
    assert.equal(
      describeConnectFailure(ep, 2, err, 5200),
      'cannot reach the SFTP server stfp.example.edu:22 after 2 attempt(s) in 5 s (the delivery wait ended): the host name "stfp.example.edu" does not resolve (DNS ENOTFOUND): check spec.source.sftp.host',
    );
  });
});

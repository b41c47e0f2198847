// The pure parts of `logs`: the pods/log URL kubectl asks for, the API server's refusal as one
// sentence, and how a followed log ended, read from the pod after the stream closed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logEnd, podLogUrl, refusalMessage } from '../../src/status/log-stream.js';

describe('logs: pods/log URL, refusals, how a followed log ended', () => {
  it('asks for the container, follow=true only when following, and tailLines', () => {
    const u = podLogUrl('https://10.0.0.1:6443/', 'library', 'q3-fetch-1-x', 'fetch', {
      follow: true,
      tailLines: 5,
    });
    assert.equal(
      u.toString(),
      'https://10.0.0.1:6443/api/v1/namespaces/library/pods/q3-fetch-1-x/log?container=fetch&follow=true&tailLines=5',
    );
    assert.equal(podLogUrl('https://h', 'ns', 'p', 'c', { follow: false }).search, '?container=c');
  });

  it("a refusal is the API server's Status message, else the body's first line", () => {
    const status = JSON.stringify({
      kind: 'Status',
      message: 'container "fetch" in pod "p" is waiting to start: ContainerCreating',
    });
    assert.equal(
      refusalMessage(400, status),
      'container "fetch" in pod "p" is waiting to start: ContainerCreating',
    );
    assert.equal(refusalMessage(502, 'bad gateway\nmore'), 'bad gateway');
    assert.equal(refusalMessage(503, ''), 'HTTP 503');
  });

  it('ended (exit code and reason), gone (deleted or terminating), or closed while still running', () => {
    const terminated = {
      status: {
        containerStatuses: [
          {
            name: 'fetch',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 14 } },
          },
        ],
      },
    };
    assert.deepEqual(logEnd(terminated, 'fetch'), { kind: 'ended', exitCode: 14, reason: 'Error' });
    assert.deepEqual(logEnd(undefined, 'fetch'), { kind: 'gone' });
    assert.deepEqual(logEnd({ metadata: { deletionTimestamp: new Date() } }, 'fetch'), { kind: 'gone' });
    const running = {
      status: {
        containerStatuses: [
          { name: 'fetch', image: '', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    assert.deepEqual(logEnd(running, 'fetch'), { kind: 'closed' });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { homePaths, resolveHome, stepLogFile, stepProcFile } from '../../local/home.ts';

describe('the local state home', () => {
  it('is SCI_HOME when set (relative to the current directory), else <repo>/.sci-state', () => {
    assert.equal(resolveHome('/repo', {}), '/repo/.sci-state');
    assert.equal(resolveHome('/repo', { SCI_HOME: '  ' }), '/repo/.sci-state');
    assert.equal(resolveHome('/repo', { SCI_HOME: '/var/sci' }), '/var/sci');
    assert.equal(resolveHome('/repo', { SCI_HOME: 'state' }), resolve('state'));
  });

  it('asks for the repository (a git process) only without SCI_HOME', () => {
    const asked: string[] = [];
    const repo = () => {
      asked.push('repo');
      return '/repo';
    };
    assert.equal(resolveHome(repo, { SCI_HOME: '/var/sci' }), '/var/sci');
    assert.deepEqual(asked, []);
    assert.equal(resolveHome(repo, {}), '/repo/.sci-state');
    assert.deepEqual(asked, ['repo']);
  });

  it('lays out the store, logs, artifacts, cache, work and secrets under it', () => {
    const paths = homePaths('/h');
    assert.deepEqual(paths, {
      home: '/h',
      store: '/h/store',
      storeDb: '/h/store/db',
      storeServer: '/h/store/server.json',
      storeLock: '/h/store/lock',
      storeSwept: '/h/store/swept-at',
      logs: '/h/logs',
      artifacts: '/h/artifacts',
      cache: '/h/cache',
      work: '/h/work',
      secrets: '/h/secrets',
      procs: '/h/procs',
    });
    assert.equal(stepLogFile('/h', '01JD5', 'test_node_20'), join('/h', 'logs', '01JD5', 'test_node_20.log'));
    assert.equal(stepProcFile('/h', '01JD5', 'test_node_20'), join('/h', 'procs', '01JD5', 'test_node_20.json'));
  });

  it('refuses ids that would leave the home', () => {
    for (const bad of ['..', '../x', 'a/b', '']) {
      assert.throws(() => stepLogFile('/h', bad, 'k'), /not a safe path segment/);
      assert.throws(() => stepProcFile('/h', 'r', bad), /not a safe path segment/);
    }
  });
});

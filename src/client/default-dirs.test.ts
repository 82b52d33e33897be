import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDirs, resolveSocketPath } from './default-dirs.js';

describe('defaultDirs', () => {
  test('root gets the FHS locations', () => {
    assert.deepEqual(defaultDirs(0, { HOME: '/root', XDG_RUNTIME_DIR: '/run/user/0' }), {
      configDir: '/etc/hearth',
      stateDir: '/var/lib/hearth',
      runtimeDir: '/run/hearth',
      logDir: '/var/log/hearth',
    });
  });

  test('a user gets XDG locations when they are set', () => {
    const env = { HOME: '/home/a', XDG_CONFIG_HOME: '/cfg', XDG_STATE_HOME: '/st', XDG_RUNTIME_DIR: '/run/user/1000' };
    assert.deepEqual(defaultDirs(1000, env), {
      configDir: '/cfg/hearth',
      stateDir: '/st/hearth',
      runtimeDir: '/run/user/1000/hearth',
      logDir: '/st/hearth/log',
    });
  });

  test('a user without XDG variables falls back to the home dir and /tmp/hearth-UID', () => {
    assert.deepEqual(defaultDirs(1001, { HOME: '/home/b', XDG_RUNTIME_DIR: 'relative/ignored' }), {
      configDir: '/home/b/.config/hearth',
      stateDir: '/home/b/.local/state/hearth',
      runtimeDir: '/tmp/hearth-1001',
      logDir: '/home/b/.local/state/hearth/log',
    });
  });
});

describe('resolveSocketPath', () => {
  test('the flag wins over $HEARTH_SOCKET, which wins over the default', () => {
    const env = { HOME: '/home/a', HEARTH_SOCKET: '/env.sock', XDG_RUNTIME_DIR: '/run/user/5' };
    assert.equal(resolveSocketPath({ flag: '/flag.sock', env, uid: 5 }), '/flag.sock');
    assert.equal(resolveSocketPath({ env, uid: 5 }), '/env.sock');
    assert.equal(resolveSocketPath({ env: { ...env, HEARTH_SOCKET: '' }, uid: 5 }), '/run/user/5/hearth/hearth.sock');
    assert.equal(resolveSocketPath({ env: {}, uid: 0 }), '/run/hearth/hearth.sock');
    assert.equal(resolveSocketPath({ env: { HOME: '/h' }, uid: 7 }), '/tmp/hearth-7/hearth.sock');
  });
});

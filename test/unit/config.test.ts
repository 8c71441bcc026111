import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../server/config.ts';
import { ConfigError } from '../../lib/errors.ts';

// Next's types make NODE_ENV required in ProcessEnv; loadConfig takes it as optional.
const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

const problemsOf = (vars: Record<string, string>): string[] => {
  try {
    loadConfig(env(vars), []);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('accepted');
};

test('the live process runs at real-time priority 10 unless told otherwise; 0 turns it off', () => {
  assert.equal(loadConfig(env({}), []).live?.realtimePriority, undefined, 'the role decides (live-link.ts)');
  assert.equal(loadConfig(env({ LINEWATCH_LIVE_RT_PRIORITY: '0' }), []).live?.realtimePriority, 0);
  assert.equal(loadConfig(env({ LINEWATCH_LIVE_RT_PRIORITY: '40' }), []).live?.realtimePriority, 40);
});

test('a priority outside 0-99 or not a whole number is refused, naming the variable', () => {
  for (const bad of ['100', '-1', '2.5', 'high']) {
    const problems = problemsOf({ LINEWATCH_LIVE_RT_PRIORITY: bad });
    assert.equal(problems.length, 1, bad);
    assert.match(problems[0]!, /^LINEWATCH_LIVE_RT_PRIORITY: /, bad);
  }
});

test('flags override the environment, and an unknown flag is refused by name', () => {
  const config = loadConfig(env({ PORT: '4000' }), ['--port', '5000', '--data=/tmp/lw']);
  assert.equal(config.port, 5000);
  assert.equal(config.dataDir, '/tmp/lw');
  assert.throws(
    () => loadConfig(env({}), ['--verbose']),
    (error: unknown) => error instanceof ConfigError && /"--verbose"/.test(error.message),
  );
});

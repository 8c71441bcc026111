import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

test('the server refuses a bad plant file at start, listing every problem by path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-cli-'));
  try {
    const file = join(dir, 'plant.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'bad',
        lines: [
          { id: 'ok', name: 'OK', connections: [{ id: 'c0', protocol: 'tcp', tags: [{ name: 't', area: 'holding', address: 0, type: 'int16' }] }] },
          {
            id: 'Bad Id',
            name: 'L',
            connections: [
              {
                id: 'c1',
                protocol: 'tcp',
                tags: [
                  { name: 'a', area: 'holding', address: 0, type: 'int16' },
                  { name: 'b', area: 'holding', address: 1, type: 'int16' },
                  { name: 'c', area: 'holding', address: 2, type: 'int16' },
                  { name: 'd', area: 'holding', address: -3, type: 'int16' },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', '--plant', file], {
      env: { ...process.env, PORT: '0', LINEWATCH_DATA: dir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Linewatch cannot start: plant file .* is invalid/);
    assert.match(r.stderr, /lines\[1\]\.id: must be 1–40 lowercase/);
    assert.match(r.stderr, /lines\[1\]\.connections\[0\]\.tags\[3\]\.address: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unknown flag or bad PORT is refused with the field named', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PORT: /);
  const f = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', '--colour', 'red'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(f.status, 1);
  assert.match(f.stderr, /unknown argument "--colour"/);
});

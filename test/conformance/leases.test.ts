import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachEngine } from './engines.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

eachEngine('leases', (engine) => {
  test('a free resource is taken with a token; its holder extends it; another holder gets nothing meanwhile', async () => {
    const store = await engine.open();
    const before = Date.now();
    const lease = await store.leases.acquire('conn:extrusion-plc', 'collector-a', 10_000);
    assert.ok(lease);
    assert.equal(lease.holder, 'collector-a');
    assert.equal(lease.resource, 'conn:extrusion-plc');
    assert.ok(lease.expiresAt >= before + 9_000 && lease.expiresAt <= Date.now() + 11_000, 'by the store clock, about now + ttl');
    assert.equal(await store.leases.acquire('conn:extrusion-plc', 'collector-b', 10_000), undefined);
    const again = await store.leases.acquire('conn:extrusion-plc', 'collector-a', 20_000);
    assert.equal(again?.token, lease.token, 'its holder taking it again keeps the token');
    assert.ok(again.expiresAt > lease.expiresAt);
    const renewed = await store.leases.renew('conn:extrusion-plc', 'collector-a', lease.token, 30_000);
    assert.equal(renewed?.token, lease.token);
    assert.equal(await store.leases.renew('conn:extrusion-plc', 'collector-b', lease.token, 30_000), undefined, 'not its lease');
    assert.equal(await store.leases.renew('conn:extrusion-plc', 'collector-a', lease.token + 1, 30_000), undefined, 'not that token');
    assert.deepEqual(
      (await store.leases.current()).map((l) => [l.resource, l.holder]),
      [['conn:extrusion-plc', 'collector-a']],
    );
  });

  test('an expired lease goes to the next holder with a greater token; the old holder can no longer renew it', async () => {
    const store = await engine.open();
    const first = (await store.leases.acquire('conn:filling-plc', 'collector-a', 150))!;
    await sleep(250);
    assert.deepEqual(await store.leases.current(), [], 'expired leases are not current');
    const taken = await store.leases.acquire('conn:filling-plc', 'collector-b', 10_000);
    assert.equal(taken?.holder, 'collector-b');
    assert.ok(taken.token > first.token, 'fencing: a newer token');
    assert.equal(await store.leases.renew('conn:filling-plc', 'collector-a', first.token, 10_000), undefined);
    assert.equal(await store.leases.release('conn:filling-plc', 'collector-a', first.token), false);
    // Its own lease that lapsed, taken again, gets a new token too: it stopped meanwhile.
    const lapsed = (await store.leases.acquire('conn:packaging-plc', 'collector-a', 100))!;
    await sleep(200);
    assert.ok((await store.leases.acquire('conn:packaging-plc', 'collector-a', 10_000))!.token > lapsed.token);
  });

  test('a released lease is free at once, and its token goes on growing', async () => {
    const store = await engine.open();
    const lease = (await store.leases.acquire('conn:x', 'collector-a', 10_000))!;
    assert.equal(await store.leases.release('conn:x', 'collector-a', lease.token), true);
    assert.equal(await store.leases.release('conn:x', 'collector-a', lease.token), false, 'released once');
    const next = await store.leases.acquire('conn:x', 'collector-b', 10_000);
    assert.ok(next && next.token > lease.token);
  });

  test('racing holders: exactly one gets each resource, also across connections', async () => {
    await engine.open();
    const stores = [await engine.openShared(), await engine.openShared()];
    for (let round = 0; round < 20; round++) {
      const resource = `conn:race-${round}`;
      const got = await Promise.all(['a', 'b', 'c', 'd'].map((holder, i) => stores[i % 2]!.leases.acquire(resource, `collector-${holder}`, 10_000)));
      assert.equal(got.filter((l) => l !== undefined).length, 1, `round ${round}: ${JSON.stringify(got)}`);
    }
  });
});

eachEngine('leases: take-overs', (engine) => {
  test('ended() shows lapsed and released leases; acquire with ifToken takes only what was seen; a lapsed lease can be released by its holder', async () => {
    const store = await engine.open();
    const lapsed = (await store.leases.acquire('conn:lapsed', 'collector-a', 100))!;
    const released = (await store.leases.acquire('conn:released', 'collector-a', 10_000))!;
    await store.leases.release('conn:released', 'collector-a', released.token);
    await store.leases.acquire('conn:running', 'collector-a', 10_000);
    await sleep(200);
    const ended = await store.leases.ended();
    assert.deepEqual(
      ended.map((l) => [l.resource, l.holder, l.token, l.expiresAt > 0]),
      [
        ['conn:lapsed', 'collector-a', lapsed.token, true],
        ['conn:released', 'collector-a', released.token, false],
      ],
    );

    assert.equal(await store.leases.acquire('conn:lapsed', 'collector-b', 10_000, lapsed.token + 1), undefined, 'not the lease it saw');
    assert.equal(await store.leases.acquire('conn:lapsed', 'collector-b', 10_000, 0), undefined, 'it was leased before');
    assert.equal(await store.leases.acquire('conn:running', 'collector-b', 10_000, 1), undefined, 'running: never taken over');
    const taken = await store.leases.acquire('conn:lapsed', 'collector-b', 10_000, lapsed.token);
    assert.equal(taken?.holder, 'collector-b');
    assert.ok(taken.token > lapsed.token);
    assert.equal(await store.leases.acquire('conn:lapsed', 'collector-c', 10_000, lapsed.token), undefined, 'taken once');
    assert.equal((await store.leases.acquire('conn:never', 'collector-c', 10_000, 0))?.token, 1, 'never leased: 0');
    assert.equal(await store.leases.acquire('conn:never', 'collector-d', 10_000, 0), undefined);
    const own = (await store.leases.acquire('conn:released', 'collector-a', 10_000, released.token))!;
    assert.ok(own.token > released.token, 'taken again after its release: a new token');
    assert.equal((await store.leases.acquire('conn:released', 'collector-a', 10_000, own.token))?.token, own.token, 'its holder extends it');

    // Its holder gives up a lease that ran out: free for others at once (it marked it stopped).
    const short = (await store.leases.acquire('conn:short', 'collector-a', 100))!;
    await sleep(200);
    assert.equal(await store.leases.release('conn:short', 'collector-b', short.token), false, 'not its lease');
    assert.equal(await store.leases.release('conn:short', 'collector-a', short.token), true);
    assert.equal(await store.leases.release('conn:short', 'collector-a', short.token), false, 'released once');
    assert.equal((await store.leases.ended()).find((l) => l.resource === 'conn:short')?.expiresAt, 0);
  });

  test('racing take-overs of one lapsed lease: exactly one wins, also across connections', async () => {
    await engine.open();
    const stores = [await engine.openShared(), await engine.openShared()];
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[0]!.leases.acquire(`conn:lapse-${i}`, 'collector-a', 50)));
    await sleep(150);
    for (const [i, lapsed] of leases.entries()) {
      const got = await Promise.all(
        ['b', 'c', 'd', 'e'].map((h, j) => stores[j % 2]!.leases.acquire(`conn:lapse-${i}`, `collector-${h}`, 10_000, lapsed!.token)),
      );
      assert.equal(got.filter((l) => l !== undefined).length, 1, `${i}: ${JSON.stringify(got)}`);
    }
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBaskets } from './baskets';
import { DEFAULT_EVENT_WEIGHTS, loadEvents } from './events';
import { loadSequences } from './sequences';
import { DataError } from './source';

const dir = mkdtempSync(join(tmpdir(), 'recsys-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tempFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function dataError(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe('loadSequences', () => {
  it('parses text: blank lines skipped, CRLF, tabs, items kept as strings', async () => {
    const s = await loadSequences({ text: '1 1 2 3\r\n\n  \n2\t4 5\n' });
    expect(s).toEqual({
      users: ['1', '2'],
      sequences: [
        ['1', '2', '3'],
        ['4', '5'],
      ],
    });
  });

  it('reads a file by path with the same result', async () => {
    const path = tempFile('seq.txt', '\uFEFF10 7 8\n11 9\n');
    expect(await loadSequences(path)).toEqual({ users: ['10', '11'], sequences: [['7', '8'], ['9']] });
  });

  it('rejects a user line without items unless allowEmpty', async () => {
    const e = await dataError(loadSequences({ text: '1 2\n\n3\n', name: 'beauty' }));
    expect([e.file, e.line]).toEqual(['beauty', 3]);
    expect(e.reason).toMatch(/user 3 has no items/);
    expect(e.message).toMatch(/^beauty:3: /);
    expect(await loadSequences({ text: '1 2\n3\n' }, { allowEmpty: true })).toEqual({
      users: ['1', '3'],
      sequences: [['2'], []],
    });
  });

  it('rejects a non-integer token and a repeated user, with the line', async () => {
    const bad = await dataError(loadSequences({ text: '1 2\n2 3 x4\n' }));
    expect([bad.file, bad.line, bad.reason]).toEqual(['<text>', 2, 'item 2 "x4" is not an integer id']);
    const dup = await dataError(loadSequences({ text: '1 2\n2 3\n1 4\n' }));
    expect([dup.line, dup.reason]).toEqual([3, 'user 1 already appeared on line 1']);
  });

  it('reports a missing file', async () => {
    const e = await dataError(loadSequences(join(dir, 'nope.txt')));
    expect(e.line).toBeUndefined();
    expect(e.reason).toMatch(/cannot open.*ENOENT/);
  });
});

describe('loadBaskets', () => {
  it('drops [-1] padding and stringifies ids', async () => {
    const text = '{"1": [[-1], [0, 1, 2], [3], [-1]],\n "2": [[-1], ["a", "b"], [-1]], "3": [[-1], [-1]]}';
    const m = await loadBaskets({ text });
    expect([...m.entries()]).toEqual([
      ['1', [['0', '1', '2'], ['3']]],
      ['2', [['a', 'b']]],
      ['3', []],
    ]);
    expect(await loadBaskets(tempFile('b.json', text))).toEqual(m);
  });

  it('names the user, basket and line of a non-array basket', async () => {
    const e = await dataError(loadBaskets({ text: '{\n"1": [[-1], [1], [-1]],\n"2": [[-1], 5, [-1]]\n}' }));
    expect(e.line).toBe(3);
    expect(e.reason).toBe('user 2 basket 1: basket must be an array of item ids');
  });

  it('rejects bad item ids, empty baskets, non-array values and a non-object top level', async () => {
    expect((await dataError(loadBaskets({ text: '{"1": [[1.5]]}' }))).reason).toMatch(/^user 1 basket 0 item 0: /);
    expect((await dataError(loadBaskets({ text: '{"1": [[-1], []]}' }))).reason).toBe('user 1 basket 1: empty basket');
    expect((await dataError(loadBaskets({ text: '{"1": [[3, -1]]}' }))).reason).toMatch(/only allowed as the \[-1\]/);
    expect((await dataError(loadBaskets({ text: '{"1": 7}' }))).reason).toBe(
      'user 1: value must be an array of baskets',
    );
    expect((await dataError(loadBaskets({ text: '[[1]]' }))).reason).toMatch(/top level must be an object/);
  });

  it('reports invalid JSON with its line', async () => {
    const e = await dataError(loadBaskets({ text: '{"1": [[1]],\n "2": [[2]]\n "3": [[3]]}' }));
    expect(e.reason).toMatch(/^invalid JSON/);
    expect(e.line).toBe(3);
  });
});

describe('loadEvents', () => {
  const lines = [
    '{"customerId":"c1","itemId":"milk","type":"purchase","ts":1000}',
    '',
    '{"shopperId":"s9","itemId":"bread","type":"view","ts":"2025-01-01T00:00:00Z"}',
    '{"customerId":"c1","shopperId":"s1","itemId":"egg","type":"cart_add","ts":5,"weight":2,"zone":"dairy"}',
    '{"shopperId":"s2","itemId":"egg","type":"touch","ts":6}',
  ];

  it('parses, defaults weights by type and resolves the user id', async () => {
    const events = await loadEvents(tempFile('events.jsonl', `${lines.join('\n')}\n`));
    expect(events).toEqual([
      { userId: 'c1', customerId: 'c1', itemId: 'milk', type: 'purchase', ts: 1000, weight: 1 },
      { userId: 's9', shopperId: 's9', itemId: 'bread', type: 'view', ts: Date.UTC(2025, 0, 1), weight: 0.1 },
      { userId: 'c1', customerId: 'c1', shopperId: 's1', itemId: 'egg', type: 'cart_add', ts: 5, weight: 2 },
      { userId: 's2', shopperId: 's2', itemId: 'egg', type: 'touch', ts: 6, weight: 0.3 },
    ]);
    expect(DEFAULT_EVENT_WEIGHTS).toEqual({ purchase: 1, cart_add: 0.5, touch: 0.3, view: 0.1 });
  });

  it('fails with the line number and the field', async () => {
    const bad = (line: string) => dataError(loadEvents({ text: `${lines[0]}\n\n${line}\n`, name: 'log.jsonl' }));
    const json = await bad('{"customerId": ');
    expect([json.file, json.line]).toEqual(['log.jsonl', 3]);
    expect(json.reason).toMatch(/^invalid JSON/);
    expect((await bad('{"itemId":"a","type":"purchase","ts":1}')).reason).toBe(
      'customerId: customerId or shopperId is required',
    );
    expect((await bad('{"customerId":"c","itemId":"a","type":"buy","ts":1}')).reason).toMatch(/^type: /);
    expect((await bad('{"customerId":"c","itemId":"a","type":"view","ts":"yesterday"}')).reason).toMatch(/^ts: /);
    expect((await bad('{"customerId":"c","itemId":"a","type":"view","ts":1,"weight":-1}')).reason).toMatch(/^weight: /);
    expect((await bad('{"customerId":"c","type":"view","ts":1}')).reason).toMatch(/^itemId: /);
  });
});

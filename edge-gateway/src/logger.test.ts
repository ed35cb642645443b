import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

/** A logger writing into an array of lines. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger('info', sink) };
}

describe('logger', () => {
  it('redacts shopper and customer identifiers wherever they appear', () => {
    const { lines, log } = capture();
    log.info({ deviceId: 'shp-secret01', customerId: 'cus-0042', zoneId: 'beauty' }, 'entered');
    log.child({ module: 'x' }).warn({ notice: { shopperDeviceId: 'shp-secret02' } }, 'nested');
    const text = lines.join('');
    expect(text).not.toMatch(/shp-secret01|shp-secret02|cus-0042/);
    expect(text).toContain('"zoneId":"beauty"');
    expect(text.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('redacts contact details, loyalty numbers, names and tokens too', () => {
    const { lines, log } = capture();
    log.info(
      { email: 'a@b.example', phone: '+82 10-1234-5678', loyaltyId: 'AISLE-0042', firstName: 'Minji', token: 't0k3n' },
      'identify',
    );
    log.warn({ request: { email: 'c@d.example', identifiers: [{ kind: 'phone', value: '01012345678' }] } }, 'refused');
    const text = lines.join('');
    expect(text).not.toMatch(/b\.example|d\.example|1234-5678|01012345678|AISLE-0042|Minji|t0k3n/);
    expect(text.match(/\[redacted\]/g)).toHaveLength(7);
  });
});

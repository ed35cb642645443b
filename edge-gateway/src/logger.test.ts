import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('logger', () => {
  it('redacts shopper and customer identifiers wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info({ deviceId: 'shp-secret01', customerId: 'cus-0042', zoneId: 'beauty' }, 'entered');
    log.child({ module: 'x' }).warn({ notice: { shopperDeviceId: 'shp-secret02' } }, 'nested');
    const text = lines.join('');
    expect(text).not.toMatch(/shp-secret01|shp-secret02|cus-0042/);
    expect(text).toContain('"zoneId":"beauty"');
    expect(text.match(/\[redacted\]/g)).toHaveLength(3);
  });
});

import { unmatchedReason } from './matching';

describe('a provider payment against its invoice', () => {
  const invoice = { currency: 'EUR', due: 100000 };

  it('counts when its currency is the invoice’s and it is within what is due', () => {
    expect(unmatchedReason({ amount: 100000, currency: 'EUR' }, invoice)).toBeNull();
    expect(unmatchedReason({ amount: 40000, currency: 'EUR' }, invoice)).toBeNull(); // an intent we did not make, partly paying
    expect(
      unmatchedReason({ amount: 60000, currency: 'EUR' }, { ...invoice, checkout: 60000 }),
    ).toBeNull();
  });

  it('does not count in another currency, whatever the amount', () => {
    expect(unmatchedReason({ amount: 100000, currency: 'JPY' }, invoice)).toBe(
      'paid in JPY, the invoice is in EUR',
    );
    expect(unmatchedReason({ amount: 1, currency: 'USD' }, { ...invoice, checkout: 1 })).toMatch(
      /USD/,
    );
  });

  it('does not count beyond what is due', () => {
    expect(unmatchedReason({ amount: 10_000_000, currency: 'EUR' }, invoice)).toBe(
      '10000000 paid, only 100000 is due',
    );
    expect(
      unmatchedReason({ amount: 100000, currency: 'EUR' }, { currency: 'EUR', due: 0 }),
    ).toMatch(/only 0 is due/);
  });

  it('does not count when it is not what our checkout asked for', () => {
    expect(
      unmatchedReason({ amount: 50000, currency: 'EUR' }, { ...invoice, checkout: 100000 }),
    ).toBe('50000 paid, the checkout asked for 100000');
  });

  it('takes a notification without a currency (sent before it was carried) as the invoice’s', () => {
    expect(unmatchedReason({ amount: 100000 }, invoice)).toBeNull();
    expect(unmatchedReason({ amount: 100001 }, invoice)).toMatch(/only 100000 is due/);
  });
});

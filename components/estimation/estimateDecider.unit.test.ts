import type { EstimateEvent } from '../../contracts/estimation';
import { spec } from '../../test/support/deciderSpec';
import { estimateDecider, estimateTotals } from './estimateDecider';

const E = '77777777-7777-4777-8777-777777777777';
const P = '11111111-1111-4111-8111-111111111111';
const U = '22222222-2222-4222-8222-222222222222';
const I1 = '88888888-8888-4888-8888-888888888881';
const I2 = '88888888-8888-4888-8888-888888888882';
const estimate = spec(estimateDecider);

const drafted: EstimateEvent[] = [
  {
    type: 'EstimateDrafted',
    data: {
      id: E,
      projectId: P,
      title: 'Website',
      currency: 'EUR',
      taxRate: 2000,
      discount: 0,
      depositPercent: 30,
      validUntil: '2026-12-31',
      notes: '',
      clientEmail: 'c@example.com',
      supersedes: null,
      createdBy: U,
    },
  },
  {
    type: 'EstimateItemAdded',
    data: { itemId: I1, description: 'Design', quantity: '10', unit: 'hour', unitPrice: 9500 },
  },
];
const sent: EstimateEvent = {
  type: 'EstimateSent',
  data: {
    clientEmail: 'c@example.com',
    expiresAt: '2026-12-31T00:00:00.000Z',
    sentBy: 'auth0|dev',
  },
};

describe('estimate decider', () => {
  it('drafts with items and computes exact totals', () => {
    const state = drafted.reduce(estimateDecider.evolve, estimateDecider.initialState());
    expect(estimateTotals(state)).toEqual({
      subtotal: 95000,
      discount: 0,
      taxable: 95000,
      tax: 19000,
      total: 114000,
    });
  });

  it('edits a draft, item by item', () => {
    estimate
      .given(...drafted)
      .when({
        type: 'AddEstimateItems',
        data: {
          items: [
            { itemId: I2, description: 'Build', quantity: '2.5', unit: 'point', unitPrice: 4000 },
          ],
        },
      })
      .then({
        type: 'EstimateItemAdded',
        data: { itemId: I2, description: 'Build', quantity: '2.5', unit: 'point', unitPrice: 4000 },
      });
    estimate
      .given(...drafted)
      .when({ type: 'ModifyEstimateItem', data: { itemId: I1, quantity: '12' } })
      .then({ type: 'EstimateItemModified', data: { itemId: I1, quantity: '12' } });
    estimate
      .given(...drafted)
      .when({ type: 'RemoveEstimateItem', data: { itemId: I2 } })
      .thenRefused('not_found');
  });

  it('is sent only with something to charge, and then no longer edited', () => {
    estimate
      .given(drafted[0]!)
      .when({ type: 'RecordEstimateSent', data: sent.data })
      .thenRefused('invalid', /at least one item/);
    estimate
      .given(...drafted)
      .when({ type: 'RecordEstimateSent', data: sent.data })
      .then(sent);
    estimate
      .given(...drafted, sent)
      .when({ type: 'ModifyEstimate', data: { title: 'Changed' } })
      .thenRefused('conflict', /revision/);
  });

  it('takes one decision after it is sent', () => {
    estimate
      .given(...drafted, sent)
      .when({ type: 'RecordEstimateApproved', data: { by: 'auth0|client' } })
      .then({ type: 'EstimateApproved', data: { by: 'auth0|client' } });
    estimate
      .given(...drafted, sent, { type: 'EstimateApproved', data: { by: 'auth0|client' } })
      .when({ type: 'RecordEstimateRejected', data: { by: 'auth0|client', reason: 'too late' } })
      .thenRefused('conflict', /approved/);
    estimate
      .given(...drafted)
      .when({ type: 'RecordEstimateExpired', data: {} })
      .thenRefused('conflict', /draft/);
  });

  it('refuses amounts too large to total exactly', () => {
    estimate
      .given(...drafted)
      .when({
        type: 'AddEstimateItems',
        data: {
          items: [
            {
              itemId: I2,
              description: 'x',
              quantity: '9999999',
              unit: 'item',
              unitPrice: 1_000_000_000_000,
            },
          ],
        },
      })
      .thenRefused('invalid', /too large/);
  });

  it('refuses a total above what an invoice can carry, and does not send one recorded before', () => {
    const huge = {
      itemId: I2,
      description: 'x',
      quantity: '1000',
      unit: 'item' as const,
      unitPrice: 1_000_000_000_000,
    };
    estimate
      .given(...drafted)
      .when({ type: 'AddEstimateItems', data: { items: [huge] } })
      .thenRefused('invalid', /at most 1000000000000/);
    estimate
      .given(...drafted)
      .when({
        type: 'ModifyEstimateItem',
        data: { itemId: I1, quantity: '1000', unitPrice: 1_000_000_000_000 },
      })
      .thenRefused('invalid', /at most/);
    estimate
      .given(...drafted, { type: 'EstimateItemAdded', data: huge })
      .when({ type: 'RecordEstimateSent', data: sent.data })
      .thenRefused('invalid', /at most/);
  });
});

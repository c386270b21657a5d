import type { EstimateCommand, EstimateEvent, ItemData } from '../../contracts/estimation';
import { accept, refuse, type Decider, type Decision } from '../../platform/decider';
import { MAX_AMOUNT } from '../../contracts/money';
import { totals } from './totals';

export type EstimateStatus = 'draft' | 'sent' | 'approved' | 'rejected' | 'expired' | 'withdrawn';

export interface Estimate {
  exists: boolean;
  status: EstimateStatus;
  id: string;
  projectId: string;
  currency: string;
  taxRate: number;
  discount: number;
  depositPercent: number;
  clientEmail: string | null;
  items: Record<string, ItemData>;
  itemOrder: string[];
}

export const emptyEstimate = (): Estimate => ({
  exists: false,
  status: 'draft',
  id: '',
  projectId: '',
  currency: '',
  taxRate: 0,
  discount: 0,
  depositPercent: 100,
  clientEmail: null,
  items: {},
  itemOrder: [],
});

export const estimateTotals = (e: Pick<Estimate, 'items' | 'itemOrder' | 'discount' | 'taxRate'>) =>
  totals(
    e.itemOrder.map((id) => itemOf(e, id)),
    e.discount,
    e.taxRate,
  );

/**
 * An item the estimate has: its order names only those (an item and its place come and go
 * together), and decide modifies no other.
 */
function itemOf(e: Pick<Estimate, 'items'>, itemId: string): ItemData {
  const item = e.items[itemId];
  if (!item) throw new Error(`invariant broken: the estimate has no item ${itemId}`);
  return item;
}

/**
 * Refuses a draft whose totals cannot be computed exactly, or whose total no invoice could carry:
 * its approval could never issue one (absurd amounts).
 */
function computable(e: Estimate): Decision<never> | null {
  try {
    if (estimateTotals(e).total > MAX_AMOUNT)
      return refuse(
        'invalid',
        `the amounts are too large: the total may be at most ${MAX_AMOUNT} minor units`,
      );
    return null;
  } catch {
    return refuse('invalid', 'the amounts are too large');
  }
}

function decide(command: EstimateCommand, e: Estimate): Decision<EstimateEvent> {
  if (command.type === 'DraftEstimate') {
    if (e.exists) return refuse('already_exists', 'the estimate already exists');
    const d = command.data;
    const items = d.items ?? [];
    if (new Set(items.map((i) => i.itemId)).size !== items.length)
      return refuse('invalid', 'item ids must be unique');
    const events: EstimateEvent[] = [
      {
        type: 'EstimateDrafted',
        data: {
          id: d.estimateId,
          projectId: d.projectId,
          title: d.title,
          currency: d.currency,
          taxRate: d.taxRate ?? 0,
          discount: d.discount ?? 0,
          depositPercent: d.depositPercent ?? 100,
          validUntil: d.validUntil,
          notes: d.notes ?? '',
          clientEmail: d.clientEmail ?? null,
          supersedes: d.supersedes ?? null,
          createdBy: d.createdBy,
        },
      },
      ...items.map((item): EstimateEvent => ({ type: 'EstimateItemAdded', data: item })),
    ];
    const after = events.reduce(evolve, e);
    return computable(after) ?? accept(...events);
  }
  if (!e.exists) return refuse('not_found', 'no such estimate');

  const draftOnly = () =>
    e.status === 'draft'
      ? null
      : refuse(
          'conflict',
          `the estimate is ${e.status}: it can no longer be edited; draft a revision instead`,
        );
  const sentOnly = () =>
    e.status === 'sent' ? null : refuse('conflict', `the estimate is ${e.status}`);
  const checked = (events: EstimateEvent[]) =>
    computable(events.reduce(evolve, e)) ?? accept(...events);

  switch (command.type) {
    case 'ModifyEstimate':
      return draftOnly() ?? checked([{ type: 'EstimateModified', data: command.data }]);
    case 'AddEstimateItems': {
      const ids = command.data.items.map((i) => i.itemId);
      if (new Set(ids).size !== ids.length || ids.some((id) => e.items[id]))
        return refuse('invalid', 'item ids must be new and unique');
      return (
        draftOnly() ??
        checked(command.data.items.map((item) => ({ type: 'EstimateItemAdded', data: item })))
      );
    }
    case 'ModifyEstimateItem':
      if (!e.items[command.data.itemId]) return refuse('not_found', 'no such item');
      return draftOnly() ?? checked([{ type: 'EstimateItemModified', data: command.data }]);
    case 'RemoveEstimateItem':
      if (!e.items[command.data.itemId]) return refuse('not_found', 'no such item');
      return draftOnly() ?? accept({ type: 'EstimateItemRemoved', data: command.data });
    case 'RecordEstimateSent': {
      const refusal = draftOnly();
      if (refusal) return refusal;
      if (e.itemOrder.length === 0)
        return refuse('invalid', 'an estimate needs at least one item before it is sent');
      // Drafts recorded before totals were bounded may still be above what an invoice carries.
      const unpayable = computable(e);
      if (unpayable) return unpayable;
      if (estimateTotals(e).total === 0)
        return refuse('invalid', 'an estimate of nothing cannot be sent');
      return accept({ type: 'EstimateSent', data: command.data });
    }
    case 'RecordEstimateReminder':
      return sentOnly() ?? accept({ type: 'EstimateReminderSent', data: command.data });
    case 'RecordEstimateApproved':
      return sentOnly() ?? accept({ type: 'EstimateApproved', data: command.data });
    case 'RecordEstimateRejected':
      return sentOnly() ?? accept({ type: 'EstimateRejected', data: command.data });
    case 'RecordEstimateExpired':
      return sentOnly() ?? accept({ type: 'EstimateExpired', data: command.data });
    case 'RecordEstimateWithdrawn':
      return sentOnly() ?? accept({ type: 'EstimateWithdrawn', data: command.data });
  }
}

function evolve(e: Estimate, event: EstimateEvent): Estimate {
  switch (event.type) {
    case 'EstimateDrafted': {
      const d = event.data;
      return {
        ...emptyEstimate(),
        exists: true,
        id: d.id,
        projectId: d.projectId,
        currency: d.currency,
        taxRate: d.taxRate,
        discount: d.discount,
        depositPercent: d.depositPercent,
        clientEmail: d.clientEmail,
      };
    }
    case 'EstimateModified': {
      const { taxRate, discount, depositPercent, currency, clientEmail } = event.data;
      return {
        ...e,
        taxRate: taxRate ?? e.taxRate,
        discount: discount ?? e.discount,
        depositPercent: depositPercent ?? e.depositPercent,
        currency: currency ?? e.currency,
        clientEmail: clientEmail === undefined ? e.clientEmail : clientEmail,
      };
    }
    case 'EstimateItemAdded':
      return {
        ...e,
        items: { ...e.items, [event.data.itemId]: event.data },
        itemOrder: [...e.itemOrder, event.data.itemId],
      };
    case 'EstimateItemModified': {
      const { itemId, ...fields } = event.data;
      return { ...e, items: { ...e.items, [itemId]: { ...itemOf(e, itemId), ...fields } } };
    }
    case 'EstimateItemRemoved': {
      const { [event.data.itemId]: _, ...items } = e.items;
      return { ...e, items, itemOrder: e.itemOrder.filter((id) => id !== event.data.itemId) };
    }
    case 'EstimateSent':
      return { ...e, status: 'sent', clientEmail: event.data.clientEmail };
    case 'EstimateReminderSent':
      return e;
    case 'EstimateApproved':
      return { ...e, status: 'approved' };
    case 'EstimateRejected':
      return { ...e, status: 'rejected' };
    case 'EstimateExpired':
      return { ...e, status: 'expired' };
    case 'EstimateWithdrawn':
      return { ...e, status: 'withdrawn' };
  }
}

export const estimateDecider: Decider<EstimateCommand, EstimateEvent, Estimate> = {
  initialState: emptyEstimate,
  decide: (command, e) => decide(command, e),
  evolve,
};

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  Day,
  DurationMs,
  Email,
  Filled,
  Id,
  Instant,
  Int,
  Sub,
  Text as BoundedText,
} from '../formats';
import { BasisPoints, Currency, Minor, Quantity } from '../money';

export const ESTIMATE_CATEGORY = 'estimate';

const Text = (max: number) => BoundedText({ maxLength: max });
const Title = Filled(200);
/** Why a decision went the way it did. */
export const Reason = Filled(2000);
const Unit = Type.Union([Type.Literal('hour'), Type.Literal('point'), Type.Literal('item')]);

export const ItemFields = {
  description: Filled(500),
  quantity: Quantity,
  unit: Unit,
  unitPrice: Minor,
};
export const Item = Type.Object(
  { itemId: Id, ...ItemFields, taskId: Type.Optional(Id) },
  { additionalProperties: false },
);

/** What a draft may change: everything but its project and items (those have their own commands). */
export const DraftFields = {
  title: Title,
  currency: Currency,
  taxRate: BasisPoints,
  /** A fixed amount off the subtotal, before tax. */
  discount: Minor,
  /** Share of the total invoiced at approval, in percent; 100 invoices it all. */
  depositPercent: Int(1, 100),
  validUntil: Day,
  notes: Text(10_000),
  clientEmail: Type.Union([Email, Type.Null()]),
};

// Commands: drafts, decided by the estimation component --------------------------------------
export const DraftEstimate = Type.Object(
  {
    estimateId: Id,
    projectId: Id,
    title: Title,
    currency: Currency,
    taxRate: Type.Optional(BasisPoints),
    discount: Type.Optional(Minor),
    depositPercent: Type.Optional(DraftFields.depositPercent),
    validUntil: Day,
    notes: Type.Optional(DraftFields.notes),
    clientEmail: Type.Optional(DraftFields.clientEmail),
    items: Type.Optional(Type.Array(Item, { maxItems: 500 })),
    /** The sent estimate this one revises. */
    supersedes: Type.Optional(Id),
    createdBy: Id,
  },
  { additionalProperties: false },
);
export const ModifyEstimate = Type.Partial(Type.Object(DraftFields), {
  additionalProperties: false,
  minProperties: 1,
});
export const AddEstimateItems = Type.Object(
  { items: Type.Array(Item, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export const ModifyEstimateItem = Type.Object(
  {
    itemId: Id,
    description: Type.Optional(ItemFields.description),
    quantity: Type.Optional(Quantity),
    unit: Type.Optional(Unit),
    unitPrice: Type.Optional(Minor),
  },
  { additionalProperties: false, minProperties: 2 },
);
export const RemoveEstimateItem = Type.Object({ itemId: Id }, { additionalProperties: false });

// Commands the approval workflow sends (their ids derive from the workflow) --------------------
export const RecordEstimateSent = Type.Object(
  { clientEmail: Email, expiresAt: Instant, sentBy: Sub },
  { additionalProperties: false },
);
export const RecordEstimateReminder = Type.Object(
  { clientEmail: Email },
  { additionalProperties: false },
);
export const RecordEstimateApproved = Type.Object({ by: Sub }, { additionalProperties: false });
export const RecordEstimateRejected = Type.Object(
  { by: Sub, reason: Reason },
  { additionalProperties: false },
);
export const RecordEstimateExpired = Type.Object({}, { additionalProperties: false });
export const RecordEstimateWithdrawn = Type.Object({ by: Sub }, { additionalProperties: false });

// Events ---------------------------------------------------------------------------------------
export const EstimateDrafted = Type.Object(
  {
    id: Id,
    projectId: Id,
    title: Title,
    currency: Currency,
    taxRate: BasisPoints,
    discount: Minor,
    depositPercent: DraftFields.depositPercent,
    validUntil: Day,
    notes: DraftFields.notes,
    clientEmail: DraftFields.clientEmail,
    supersedes: Type.Union([Id, Type.Null()]),
    createdBy: Id,
  },
  { additionalProperties: false },
);
export const EstimateModified = ModifyEstimate;
export const EstimateItemAdded = Item;
export const EstimateItemModified = ModifyEstimateItem;
export const EstimateItemRemoved = RemoveEstimateItem;
export const EstimateSent = RecordEstimateSent;
export const EstimateReminderSent = RecordEstimateReminder;
export const EstimateApproved = RecordEstimateApproved;
export const EstimateRejected = RecordEstimateRejected;
export const EstimateExpired = RecordEstimateExpired;
export const EstimateWithdrawn = RecordEstimateWithdrawn;

export const estimateCommands = {
  DraftEstimate,
  ModifyEstimate,
  AddEstimateItems,
  ModifyEstimateItem,
  RemoveEstimateItem,
  RecordEstimateSent,
  RecordEstimateReminder,
  RecordEstimateApproved,
  RecordEstimateRejected,
  RecordEstimateExpired,
  RecordEstimateWithdrawn,
};
export const estimateEvents = {
  EstimateDrafted,
  EstimateModified,
  EstimateItemAdded,
  EstimateItemModified,
  EstimateItemRemoved,
  EstimateSent,
  EstimateReminderSent,
  EstimateApproved,
  EstimateRejected,
  EstimateExpired,
  EstimateWithdrawn,
};

// Process commands: decisions that go to the approval workflow, through the dispatcher ---------
export const SendEstimate = Type.Object(
  {
    clientEmail: Type.Optional(Email),
    expiresInMs: DurationMs(1000),
    reminderBeforeMs: DurationMs(0),
  },
  { additionalProperties: false },
);
export const DecideEstimate = Type.Object(
  {
    decision: Type.Union([
      Type.Literal('approve'),
      Type.Literal('reject'),
      Type.Literal('withdraw'),
    ]),
    /** Who decides: the token subject, and the address their token or profile proves. */
    by: Sub,
    email: Type.Union([Email, Type.Null()]),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
export const estimateProcessCommands = { SendEstimate, DecideEstimate };

type Union<M extends Record<string, TSchema>> = {
  [K in keyof M & string]: { type: K; data: Static<M[K]> };
}[keyof M & string];
export type EstimateCommand = Union<typeof estimateCommands>;
export type EstimateEvent = Union<typeof estimateEvents>;
export type ItemData = Static<typeof Item>;

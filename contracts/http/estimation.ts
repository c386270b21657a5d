import { Type, type Static } from '@sinclair/typebox';
import {
  DraftEstimate,
  EstimateDrafted,
  ItemFields,
  ModifyEstimate,
  ModifyEstimateItem,
  Reason,
  SendEstimate,
} from '../estimation';
import { Id, Instant, Int, Mailbox, MAX_SAFE, Sub } from '../formats';
import { Minor } from '../money';
import { History } from './history';
import { Empty, type ApiSection } from './operation';
import { Version } from './projects';

/** A sum of money an estimate computes, in minor units. */
const Amount = Int(0, MAX_SAFE);

export const EstimateItem = Type.Object(
  {
    id: Id,
    ...ItemFields,
    /** quantity × unitPrice, rounded half up. */
    lineTotal: Amount,
    taskId: Type.Union([Id, Type.Null()], { description: 'The task it was imported from.' }),
  },
  { additionalProperties: false },
);

const { createdBy: _creator, ...drafted } = EstimateDrafted.properties;
export const Estimate = Type.Object(
  {
    ...drafted,
    status: Type.Union([
      Type.Literal('draft'),
      Type.Literal('sent'),
      Type.Literal('approved'),
      Type.Literal('rejected'),
      Type.Literal('expired'),
      Type.Literal('withdrawn'),
    ]),
    items: Type.Array(EstimateItem),
    totals: Type.Object(
      { subtotal: Amount, discount: Amount, tax: Amount, total: Amount },
      { additionalProperties: false },
    ),
    sentAt: Type.Union([Instant, Type.Null()]),
    expiresAt: Type.Union([Instant, Type.Null()]),
    decidedBy: Type.Union([Sub, Type.Null()], {
      description: 'Who approved or rejected it (`team` as a client sees a team member).',
    }),
    reason: Type.Union([Reason, Type.Null()], { description: 'Why it was rejected.' }),
    history: History,
    version: Version,
    createdAt: Instant,
    updatedAt: Instant,
  },
  { additionalProperties: false },
);
export type Estimate = Static<typeof Estimate>;
export type EstimateItem = Static<typeof EstimateItem>;

const NewItem = Type.Object(
  { ...ItemFields, taskId: Type.Optional(Id) },
  { additionalProperties: false },
);
const {
  estimateId: _e,
  projectId: _p,
  createdBy: _c,
  items: _i,
  ...draftFields
} = DraftEstimate.properties;
/** The client's address is mailed the estimate: a mailbox, not just anything shaped like an email. */
const ClientEmail = Type.Union([Mailbox, Type.Null()]);
export const DraftBody = Type.Object(
  {
    ...draftFields,
    clientEmail: Type.Optional(ClientEmail),
    items: Type.Optional(Type.Array(NewItem, { maxItems: 500 })),
    /** Items from the board's tasks: their points times this rate (minor units per point). */
    importTasks: Type.Optional(
      Type.Object(
        { rate: Minor, taskIds: Type.Optional(Type.Array(Id, { maxItems: 500 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export const ItemsBody = Type.Object(
  { items: Type.Array(NewItem, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
const { itemId: _m, ...itemChanges } = ModifyEstimateItem.properties;
export const ItemBody = Type.Object(itemChanges, { additionalProperties: false, minProperties: 1 });
export const ModifyEstimateBody = Type.Partial(
  Type.Object({ ...ModifyEstimate.properties, clientEmail: ClientEmail }),
  { additionalProperties: false, minProperties: 1 },
);
export const SendBody = Type.Object(
  {
    clientEmail: Type.Optional(Mailbox),
    expiresInMs: Type.Optional(SendEstimate.properties.expiresInMs),
    reminderBeforeMs: Type.Optional(SendEstimate.properties.reminderBeforeMs),
  },
  { additionalProperties: false },
);
export const RejectBody = Type.Object({ reason: Reason }, { additionalProperties: false });

const estimate = (description: string, status = 200) => ({
  [status]: { description, body: Estimate },
});
const PROVE_EMAIL =
  'Sent to an address, and the token carries no verified email to prove it is the caller’s.';
/** Decisions are the process's: a decided or expired estimate says so. */
const DECISION_ERRORS = {
  403: `${PROVE_EMAIL} Or the caller is not the client it was sent to.`,
  409: 'It is not waiting for a decision: not sent, or already decided (another decision came first, or its process is over); the error then starts with `already decided`.',
  410: 'It has expired.',
};

export const estimationApi = {
  tag: 'estimation',
  description:
    'Cost estimates: the team drafts and sends them, the client approves or rejects them (an approval issues its invoice). The client sees what was sent to their verified email.',
  params: {
    pid: { description: 'The project’s id.' },
    eid: { description: 'The estimate’s id.' },
    iid: { description: 'The item’s id.' },
  },
  schemas: {
    Estimate,
    EstimateItem,
    DraftBody,
    ItemsBody,
    ItemBody,
    ModifyEstimateBody,
    SendBody,
    RejectBody,
  },
  operations: {
    listEstimates: {
      method: 'get',
      path: '/projects/:pid/estimates',
      summary: 'A project’s estimates: all of them for its team, those sent to them for a client',
      errors: { 403: PROVE_EMAIL },
      responses: { 200: { description: 'Oldest first.', body: Type.Array(Estimate) } },
    },
    draftEstimate: {
      method: 'post',
      path: '/projects/:pid/estimates',
      summary: 'Draft an estimate, its items given or imported from the board’s tasks',
      body: DraftBody,
      command: {},
      errors: { 422: '`supersedes` names no estimate of this project, or the rules refuse it.' },
      responses: estimate('The draft.', 201),
    },
    getEstimate: {
      method: 'get',
      path: '/estimates/:eid',
      summary: 'An estimate',
      errors: { 403: PROVE_EMAIL },
      responses: estimate('The estimate.'),
    },
    modifyEstimate: {
      method: 'patch',
      path: '/estimates/:eid',
      summary: 'Change a draft',
      body: ModifyEstimateBody,
      command: {},
      responses: estimate('The changed draft.'),
    },
    addItems: {
      method: 'post',
      path: '/estimates/:eid/items',
      summary: 'Add items to a draft',
      body: ItemsBody,
      command: {},
      responses: estimate('The draft with its new items.', 201),
    },
    modifyItem: {
      method: 'patch',
      path: '/estimates/:eid/items/:iid',
      summary: 'Change an item of a draft',
      body: ItemBody,
      command: {},
      responses: estimate('The changed draft.'),
    },
    removeItem: {
      method: 'delete',
      path: '/estimates/:eid/items/:iid',
      summary: 'Remove an item from a draft',
      command: {},
      responses: estimate('The changed draft.'),
    },
    sendEstimate: {
      method: 'post',
      path: '/estimates/:eid/send',
      summary: 'Send a draft to its client, who is emailed a link',
      description:
        'It expires at the end of its `validUntil` day (UTC) unless `expiresInMs` says otherwise; the client is reminded `reminderBeforeMs` before.',
      body: SendBody,
      bodyOptional: true,
      command: {},
      errors: {
        409: 'It was sent already.',
        422: '`validUntil` has passed or is more than five years away, or it has no client email.',
      },
      responses: estimate('The estimate, sent.'),
    },
    approveEstimate: {
      method: 'post',
      path: '/estimates/:eid/approve',
      summary: 'Approve an estimate sent to the caller (its invoice follows)',
      body: Empty,
      bodyOptional: true,
      command: {},
      errors: DECISION_ERRORS,
      responses: estimate('The estimate, approved.'),
    },
    rejectEstimate: {
      method: 'post',
      path: '/estimates/:eid/reject',
      summary: 'Reject an estimate sent to the caller, saying why',
      body: RejectBody,
      command: {},
      errors: DECISION_ERRORS,
      responses: estimate('The estimate, rejected.'),
    },
    withdrawEstimate: {
      method: 'post',
      path: '/estimates/:eid/withdraw',
      summary: 'Withdraw a sent estimate (the team)',
      body: Empty,
      bodyOptional: true,
      command: {},
      errors: { 409: DECISION_ERRORS[409], 410: DECISION_ERRORS[410] },
      responses: estimate('The estimate, withdrawn.'),
    },
  },
} satisfies ApiSection;

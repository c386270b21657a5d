// The REST API's types, generated from contracts/openapi.json by `npm run contracts`
// (openapi-typescript): do not edit. With openapi-fetch:
//   createClient<paths>({ baseUrl: 'https://<host>/api/v1' })

export interface paths {
  '/users/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The caller’s profile
     * @description The frontend reads a 404 (its status line `404 Not Found`) as "not registered yet" and registers.
     */
    get: operations['getMe'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Change the caller’s profile */
    patch: operations['modifyMe'];
    trace?: never;
  };
  '/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Register the caller
     * @description `auth0Id` must be the token’s subject, and `email` the token’s email where it has one; `emailVerified` is taken from the token, never from the body. The user is readable as soon as this answers.
     */
    post: operations['register'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Projects the caller owns or shares through a team */
    get: operations['listProjects'];
    put?: never;
    /**
     * Create a project, with the columns To Do, In Progress, Review and Done
     * @description With `teamId`, the board is shared with that team at once (only its administrators may). With an Idempotency-Key a retry names the same project.
     */
    post: operations['createProject'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects/{pid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A project */
    get: operations['getProject'];
    put?: never;
    post?: never;
    /** Delete a project with its columns and tasks (its owner only) */
    delete: operations['deleteProject'];
    options?: never;
    head?: never;
    /**
     * Change a project (name, description, flags, team, column order)
     * @description Changing `teamId` is sharing: for the owner, or an administrator of the team it is shared with now (and of the new team).
     */
    patch: operations['modifyProject'];
    trace?: never;
  };
  '/projects/{pid}/board': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The whole board in one answer */
    get: operations['getBoard'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects/{pid}/columns': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A project’s columns, in board order */
    get: operations['listColumns'];
    put?: never;
    /** Add a column at the end of the board */
    post: operations['addColumn'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects/columns/{cid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete an empty column */
    delete: operations['deleteColumn'];
    options?: never;
    head?: never;
    /** Rename a column */
    patch: operations['renameColumn'];
    trace?: never;
  };
  '/projects/{pid}/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A project’s tasks, by number */
    get: operations['listTasks'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects/{pid}/columns/{cid}/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Add a task at the end of a column */
    post: operations['addTask'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects/tasks/{tid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Change a task
     * @description Commenters may change `comments` and nothing else.
     */
    patch: operations['modifyTask'];
    trace?: never;
  };
  '/projects/tasks/{tid}/move': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Move a task within its column or to another
     * @description Placed on the destination’s order as it is now, so moves on a busy board are not refused for what others did meanwhile. With `taskIds` (the destination’s order as the caller saw it after the move) the task goes right after the nearest task it followed there that is still in the column (else before the nearest it preceded); tasks added or moved since keep their places. Or name the place with `afterTaskId` or `index`. Refused (409) when the task has left `from` (`fromColumnId`) since, or the task to follow is gone.
     */
    patch: operations['moveTask'];
    trace?: never;
  };
  '/projects/columns/{cid}/tasks/{tid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete a task */
    delete: operations['deleteTask'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Teams the caller belongs to */
    get: operations['listTeams'];
    put?: never;
    /**
     * Create a team; the caller becomes its administrator
     * @description With `projectId`, the project is shared with the new team (the caller must be allowed to share it). The answer waits, within the write wait, for the share too.
     */
    post: operations['createTeam'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/invites': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Invitations sent to the caller’s verified email */
    get: operations['listInvites'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/{tid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A team */
    get: operations['getTeam'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/{tid}/project/{pid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Share a project with a team */
    post: operations['assignTeam'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/{tid}/leave': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Leave a team
     * @description Refused (409) for its last administrator.
     */
    post: operations['leaveTeam'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/{tid}/members': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A team’s members with their profiles */
    get: operations['listMembers'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/{tid}/members/{uid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Remove a member */
    delete: operations['removeMember'];
    options?: never;
    head?: never;
    /** Change a member’s role */
    patch: operations['changeRole'];
    trace?: never;
  };
  '/users/teams/{tid}/invites': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Invite people by email; they are mailed a link
     * @description An address with an open invitation is not invited again; its invitation stands.
     */
    post: operations['invite'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/teams/{tid}/invites/{iid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Accept or decline an invitation sent to the caller
     * @description Accepting makes the caller an `editor` of the team.
     */
    patch: operations['answerInvite'];
    trace?: never;
  };
  '/projects/{pid}/estimates': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A project’s estimates: all of them for its team, those sent to them for a client */
    get: operations['listEstimates'];
    put?: never;
    /** Draft an estimate, its items given or imported from the board’s tasks */
    post: operations['draftEstimate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/estimates/{eid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An estimate */
    get: operations['getEstimate'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Change a draft */
    patch: operations['modifyEstimate'];
    trace?: never;
  };
  '/estimates/{eid}/items': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Add items to a draft */
    post: operations['addItems'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/estimates/{eid}/items/{iid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Remove an item from a draft */
    delete: operations['removeItem'];
    options?: never;
    head?: never;
    /** Change an item of a draft */
    patch: operations['modifyItem'];
    trace?: never;
  };
  '/estimates/{eid}/send': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send a draft to its client, who is emailed a link
     * @description It expires at the end of its `validUntil` day (UTC) unless `expiresInMs` says otherwise; the client is reminded `reminderBeforeMs` before.
     */
    post: operations['sendEstimate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/estimates/{eid}/approve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Approve an estimate sent to the caller (its invoice follows) */
    post: operations['approveEstimate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/estimates/{eid}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Reject an estimate sent to the caller, saying why */
    post: operations['rejectEstimate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/estimates/{eid}/withdraw': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Withdraw a sent estimate (the team) */
    post: operations['withdrawEstimate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/projects/{pid}/invoices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A project’s invoices: all of them for its team, those sent to them for a client */
    get: operations['listInvoices'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/invoices/{iid}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An invoice */
    get: operations['getInvoice'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/invoices/{iid}/payments': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Record a bank transfer */
    post: operations['recordPayment'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/invoices/{iid}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel an invoice */
    post: operations['cancelInvoice'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/invoices/{iid}/checkout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Start paying an invoice online (its client) */
    post: operations['checkout'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/payments/webhooks/stripe': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * A Stripe event (payment_intent.succeeded, payment_intent.payment_failed)
     * @description Verified with the endpoint’s signing secret, written to the log for the invoice’s process, and acknowledged at once. Events about no payment of ours are acknowledged and ignored.
     */
    post: operations['stripeWebhook'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/commands/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What became of a command the caller sent */
    get: operations['commandStatus'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: operations['openApi'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/docs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document as a page to read and try (Swagger UI, served without any CDN) */
    get: operations['reference'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/docs/{file}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The reference page’s own files */
    get: operations['referenceFile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The process answers (the liveness probe) */
    get: operations['alive'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every dependency of the process’s roles answers (the readiness probe) */
    get: operations['ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The process’s metrics in Prometheus’s text format, for its scraper (docs/operations.md, “Metrics and alerts”) */
    get: operations['metrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      /** @description What went wrong, meant for people. */
      error: string;
    };
    Pending: {
      /** @constant */
      status: 'pending';
      /** Format: uuid */
      commandId: string;
      /** @description Where the outcome can be read (`GET`), as in the Location header. */
      statusUrl: string;
    };
    Empty: Record<string, never>;
    User: {
      /** Format: uuid */
      id: string;
      /** Format: text */
      auth0Id: string;
      /** Format: email */
      email: string;
      emailVerified: boolean;
      /** Format: text */
      firstName: string;
      /** Format: text */
      lastName: string;
      /** Format: text */
      picture: string;
      /** Format: text */
      locale: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    RegisterBody: {
      /** Format: text */
      auth0Id: string;
      /** Format: email */
      email: string;
      emailVerified: boolean;
      /** Format: text */
      firstName: string;
      /** Format: text */
      lastName: string;
      picture: '' | string;
      /** Format: text */
      locale: string;
    };
    ModifyUser: {
      /** Format: text */
      firstName?: string;
      /** Format: text */
      lastName?: string;
      picture?: '' | string;
      /** Format: text */
      locale?: string;
    };
    Project: {
      /** Format: uuid */
      id: string;
      /** Format: text */
      name: string;
      /** Format: text */
      description: string;
      active: boolean;
      public: boolean;
      teamId: string | null;
      /** Format: text */
      prefix: string;
      /** Format: uuid */
      userId: string;
      columnOrder: string[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Column: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      projectId: string;
      /** Format: text */
      title: string;
      columnName: string;
      taskIds: string[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Task: {
      /** Format: uuid */
      id: string;
      /** Format: text */
      key: string;
      seq: number;
      /** Format: text */
      title: string;
      /** Format: text */
      content: string;
      points: number;
      assignedTo: string | null;
      attachments: string[];
      comments: string[];
      /** Format: uuid */
      projectId: string;
      /** Format: uuid */
      columnId: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Board: {
      project: components['schemas']['Project'];
      /** @description In the board’s order. */
      columns: components['schemas']['Column'][];
      /** @description Every task, column by column in board order, each column’s in its order. */
      tasks: components['schemas']['Task'][];
      version: number;
    };
    Moved: {
      /** @description Null when deleted since the move. */
      task: components['schemas']['Task'] | null;
      /** @description The columns it left and joined. */
      columns: components['schemas']['Column'][];
    };
    CreateProjectBody: {
      /** Format: text */
      name: string;
      teamId?: string | null;
      /** Format: text */
      description?: string;
    };
    ModifyProject: {
      /** Format: text */
      name?: string;
      /** Format: text */
      description?: string;
      active?: boolean;
      public?: boolean;
      teamId?: string | null;
      columnOrder?: string[];
    };
    TitleBody: {
      /** Format: text */
      title: string;
    };
    ModifyTaskBody: {
      /** Format: text */
      title?: string;
      /** Format: text */
      content?: string;
      points?: number;
      assignedTo?: string | null;
      attachments?: string[];
      comments?: string[];
    };
    /** MoveTaskBody */
    MoveTaskBody:
      | {
          /** Format: uuid */
          from: string;
          /** Format: uuid */
          to: string;
          taskIds: string[];
        }
      | {
          /** Format: uuid */
          toColumnId: string;
          /** Format: uuid */
          fromColumnId?: string;
          afterTaskId: string | null;
        }
      | {
          /** Format: uuid */
          toColumnId: string;
          /** Format: uuid */
          fromColumnId?: string;
          index: number;
        };
    Team: {
      /** Format: uuid */
      id: string;
      /** Format: text */
      name: string;
      /** Format: uuid */
      userId: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Member: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      userId: string;
      /** Format: text */
      firstName: string;
      /** Format: text */
      lastName: string;
      /** Format: text */
      picture: string;
      email: string | '';
      /** Format: uuid */
      teamId: string;
      role: 'administrator' | 'editor' | 'commenter' | 'viewer';
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Invite: {
      /** Format: uuid */
      id: string;
      /** @description The caller’s user id, when it is theirs. */
      userId: string | null;
      /** Format: uuid */
      teamId: string;
      /** Format: text */
      teamName: string;
      /** Format: email */
      email: string;
      /** @description Answered. */
      read: boolean;
      accepted: boolean;
      /** @description `expired`: never answered, and past its expiration. */
      status: 'open' | 'accepted' | 'declined' | 'expired';
      /** Format: date-time */
      expiration: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    CreateTeamBody: {
      /** Format: text */
      name: string;
      projectId?: string | null;
    };
    InviteBody: {
      emailList: string[];
    };
    AnswerBody: {
      accepted: boolean;
    };
    RoleBody: {
      role: 'administrator' | 'editor' | 'commenter' | 'viewer';
    };
    Estimate: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      projectId: string;
      /** Format: text */
      title: string;
      /** Format: currency */
      currency: string;
      taxRate: number;
      discount: number;
      depositPercent: number;
      /** Format: date */
      validUntil: string;
      /** Format: text */
      notes: string;
      clientEmail: string | null;
      supersedes: string | null;
      status: 'draft' | 'sent' | 'approved' | 'rejected' | 'expired' | 'withdrawn';
      items: components['schemas']['EstimateItem'][];
      totals: {
        subtotal: number;
        discount: number;
        tax: number;
        total: number;
      };
      sentAt: string | null;
      expiresAt: string | null;
      /** @description Who approved or rejected it (`team` as a client sees a team member). */
      decidedBy: string | null;
      /** @description Why it was rejected. */
      reason: string | null;
      history: {
        /**
         * Format: text
         * @description The event’s type.
         */
        type: string;
        /** Format: date-time */
        at: string;
        /** @description Who did it: their Auth0 subject; `team` for a team member, as a client sees it; null for the process. */
        by: string | null;
      }[];
      version: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    EstimateItem: {
      /** Format: uuid */
      id: string;
      /** Format: text */
      description: string;
      quantity: string;
      unit: 'hour' | 'point' | 'item';
      unitPrice: number;
      lineTotal: number;
      /** @description The task it was imported from. */
      taskId: string | null;
    };
    DraftBody: {
      /** Format: text */
      title: string;
      /** Format: currency */
      currency: string;
      taxRate?: number;
      discount?: number;
      depositPercent?: number;
      /** Format: date */
      validUntil: string;
      /** Format: text */
      notes?: string;
      clientEmail?: string | null;
      /** Format: uuid */
      supersedes?: string;
      items?: {
        /** Format: text */
        description: string;
        quantity: string;
        unit: 'hour' | 'point' | 'item';
        unitPrice: number;
        /** Format: uuid */
        taskId?: string;
      }[];
      importTasks?: {
        rate: number;
        taskIds?: string[];
      };
    };
    ItemsBody: {
      items: {
        /** Format: text */
        description: string;
        quantity: string;
        unit: 'hour' | 'point' | 'item';
        unitPrice: number;
        /** Format: uuid */
        taskId?: string;
      }[];
    };
    ItemBody: {
      /** Format: text */
      description?: string;
      quantity?: string;
      unit?: 'hour' | 'point' | 'item';
      unitPrice?: number;
    };
    ModifyEstimateBody: {
      /** Format: text */
      title?: string;
      /** Format: currency */
      currency?: string;
      taxRate?: number;
      discount?: number;
      depositPercent?: number;
      /** Format: date */
      validUntil?: string;
      /** Format: text */
      notes?: string;
      clientEmail?: string | null;
    };
    SendBody: {
      /** Format: mailbox */
      clientEmail?: string;
      expiresInMs?: number;
      reminderBeforeMs?: number;
    };
    RejectBody: {
      /** Format: text */
      reason: string;
    };
    Invoice: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      estimateId: string;
      /** Format: uuid */
      projectId: string;
      /** Format: currency */
      currency: string;
      amount: number;
      kind: 'full' | 'deposit';
      /** Format: date-time */
      dueAt: string;
      /** Format: email */
      clientEmail: string;
      amountPaid: number;
      amountDue: number;
      status: 'open' | 'overdue' | 'paid' | 'cancelled';
      payments: components['schemas']['Payment'][];
      unmatchedPayments: components['schemas']['UnmatchedPayment'][];
      history: {
        /**
         * Format: text
         * @description The event’s type.
         */
        type: string;
        /** Format: date-time */
        at: string;
        /** @description Who did it: their Auth0 subject; `team` for a team member, as a client sees it; null for the process. */
        by: string | null;
      }[];
      version: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Payment: {
      /** Format: uuid */
      id: string;
      method: 'manual' | 'stripe';
      amount: number;
      refunded: number;
      /** @description `unmatched`: the provider took money that does not count (see `unmatchedPayments`). */
      status: 'requested' | 'succeeded' | 'failed' | 'refunded' | 'unmatched';
      reference: string | null;
      reason: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    UnmatchedPayment: {
      /** Format: uuid */
      paymentId: string;
      amount: number;
      /** Format: currency */
      currency: string;
      /** Format: text */
      providerReference: string;
      /** Format: text */
      reason: string;
      /** Format: date-time */
      at: string;
    };
    Checkout: {
      /** Format: text */
      paymentIntentId: string;
      clientSecret: string | null;
    };
    PaymentBody: {
      amount: number;
      /** Format: text */
      reference: string;
    };
    CancelBody: {
      /** Format: text */
      reason: string;
    };
    CommandStatus:
      | {
          /** Format: uuid */
          commandId: string;
          /** @constant */
          status: 'pending';
        }
      | {
          /** Format: uuid */
          commandId: string;
          /** @constant */
          status: 'accepted';
          /** Format: text */
          streamId: string;
          version: number;
          result?: unknown;
        }
      | {
          /** Format: uuid */
          commandId: string;
          /** @constant */
          status: 'rejected';
          /** Format: text */
          streamId: string;
          code: 'conflict' | 'already_exists' | 'not_found' | 'invalid' | 'forbidden' | 'expired';
          reason: string;
        };
    Readiness: {
      status: 'ready' | 'catching up' | 'not ready';
      /** @description Each dependency of each role the process runs, `<role>.<check>`. */
      checks: {
        [key: string]: boolean;
      };
      /** @description What operators are shown of a check (the writer lease, parked entries). */
      details?: {
        [key: string]: unknown;
      };
    };
  };
  responses: {
    /** @description The body is not JSON or breaks its schema (the message names the field), or an Idempotency-Key or If-Match header is malformed. */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No bearer token, or one that is expired, invalid or signed by an unknown key. */
    Unauthorized: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The caller's role may not do this, the proof it needs is missing (a verified email), or the rules refused it. */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such thing, or not the caller’s to see. */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The state does not allow it: an If-Match version that is no longer current, something that already exists, a step already taken. */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Too late: it has expired. */
    Gone: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The body is larger than the limit. */
    PayloadTooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The body is not JSON (send Content-Type: application/json). */
    UnsupportedMediaType: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Well-formed, but the rules refuse it (the message says why), or its Idempotency-Key named another request. */
    Unprocessable: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The request’s headers (its URL included) are larger than the server takes. */
    HeadersTooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description A failure of ours; the body says no more. */
    InternalError: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Unavailable for now: the signing keys cannot be fetched, the event log is away, or this aggregate is being repaired. Try again; Retry-After says when, where known. */
    Unavailable: {
      headers: {
        /** @description Seconds to wait before trying again. */
        'Retry-After'?: string;
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Accepted for processing, but its outcome was not visible in time: read it at the Location (`GET /commands/{id}`). */
    Pending: {
      headers: {
        /** @description Where the outcome can be read: `GET /api/v1/commands/{id}`. */
        Location: string;
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Pending'];
      };
    };
  };
  parameters: {
    /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
    IfMatch: string;
    /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
    IdempotencyKey: string;
    /** @description Stripe’s signature over the exact body, with the endpoint’s signing secret. */
    StripeSignature: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The caller. */
      200: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description The caller has not registered yet. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  modifyMe: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ModifyUser'];
      };
    };
    responses: {
      /** @description The changed profile. */
      200: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  register: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RegisterBody'];
      };
    };
    responses: {
      /** @description Registered. */
      201: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /** @description Already registered (the user as it is), or the registration’s outcome was not visible in time (pending, with its Location). */
      202: {
        headers: {
          /** @description Where the outcome can be read: `GET /api/v1/commands/{id}`. */
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'] | components['schemas']['Pending'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description `auth0Id` is not the token’s subject, or `email` is not the token’s. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listProjects: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Oldest first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Project'][];
        };
      };
      401: components['responses']['Unauthorized'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  createProject: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateProjectBody'];
      };
    };
    responses: {
      /** @description Created. */
      201: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Project'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  getProject: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The project. */
      200: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Project'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  deleteProject: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The project as it was. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Project'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  modifyProject: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ModifyProject'];
      };
    };
    responses: {
      /** @description The changed project. */
      200: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Project'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  getBoard: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The board. */
      200: {
        headers: {
          /** @description The resource’s version, to send back as If-Match. */
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Board'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listColumns: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The columns. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Column'][];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  addColumn: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TitleBody'];
      };
    };
    responses: {
      /** @description The new column. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Column'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  deleteColumn: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The column’s `id` (not its `columnName`). */
        cid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The column as it was. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Column'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      /** @description The column still holds tasks: move or delete them first. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  renameColumn: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The column’s `id` (not its `columnName`). */
        cid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TitleBody'];
      };
    };
    responses: {
      /** @description The renamed column. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Column'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listTasks: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The tasks. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Task'][];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  addTask: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The project’s id. */
        pid: string;
        /** @description The column’s `id` (not its `columnName`). */
        cid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TitleBody'];
      };
    };
    responses: {
      /** @description The new task. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Task'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  modifyTask: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The task’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ModifyTaskBody'];
      };
    };
    responses: {
      /** @description The changed task. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Task'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  moveTask: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The task’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['MoveTaskBody'];
      };
    };
    responses: {
      /** @description The task and the columns it touched. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Moved'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  deleteTask: {
    parameters: {
      query?: never;
      header?: {
        /** @description The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check. */
        'If-Match'?: components['parameters']['IfMatch'];
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The column’s `id` (not its `columnName`). */
        cid: string;
        /** @description The task’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The task as it was. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Task'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listTeams: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Oldest first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Team'][];
        };
      };
      401: components['responses']['Unauthorized'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  createTeam: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateTeamBody'];
      };
    };
    responses: {
      /** @description The new team. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Team'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listInvites: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Newest first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invite'][];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description The token carries no verified email, which this needs. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  getTeam: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The team’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The team. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Team'];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  assignTeam: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The team’s id. */
        tid: string;
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['Empty'];
      };
    };
    responses: {
      /** @description The project, now shared. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Project'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only administrators of the team may do this. The caller must also be allowed to share the project. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  leaveTeam: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The team’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['Empty'];
      };
    };
    responses: {
      /** @description The team left. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Team'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listMembers: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The team’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The members. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Member'][];
        };
      };
      401: components['responses']['Unauthorized'];
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  removeMember: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The team’s id. */
        tid: string;
        /** @description The member’s user id. */
        uid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The member as they were. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Member'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only administrators of the team may do this. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  changeRole: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The team’s id. */
        tid: string;
        /** @description The member’s user id. */
        uid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RoleBody'];
      };
    };
    responses: {
      /** @description The member. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Member'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only administrators of the team may do this. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  invite: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The team’s id. */
        tid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['InviteBody'];
      };
    };
    responses: {
      /** @description The open invitations to these addresses. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invite'][];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only administrators of the team may do this. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  answerInvite: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The team’s id. */
        tid: string;
        /** @description The invitation’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AnswerBody'];
      };
    };
    responses: {
      /** @description The invitation, answered. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invite'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description The token carries no verified email, which this needs. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      /** @description The invitation has expired. */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listEstimates: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Oldest first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'][];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description Sent to an address, and the token carries no verified email to prove it is the caller’s. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  draftEstimate: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DraftBody'];
      };
    };
    responses: {
      /** @description The draft. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      /** @description `supersedes` names no estimate of this project, or the rules refuse it. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  getEstimate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The estimate. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description Sent to an address, and the token carries no verified email to prove it is the caller’s. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  modifyEstimate: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ModifyEstimateBody'];
      };
    };
    responses: {
      /** @description The changed draft. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  addItems: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ItemsBody'];
      };
    };
    responses: {
      /** @description The draft with its new items. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  removeItem: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
        /** @description The item’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The changed draft. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  modifyItem: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
        /** @description The item’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ItemBody'];
      };
    };
    responses: {
      /** @description The changed draft. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  sendEstimate: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['SendBody'];
      };
    };
    responses: {
      /** @description The estimate, sent. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      /** @description It was sent already. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      /** @description `validUntil` has passed or is more than five years away, or it has no client email. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  approveEstimate: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['Empty'];
      };
    };
    responses: {
      /** @description The estimate, approved. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Sent to an address, and the token carries no verified email to prove it is the caller’s. Or the caller is not the client it was sent to. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      /** @description It is not waiting for a decision: not sent, or already decided (another decision came first, or its process is over); the error then starts with `already decided`. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description It has expired. */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  rejectEstimate: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RejectBody'];
      };
    };
    responses: {
      /** @description The estimate, rejected. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Sent to an address, and the token carries no verified email to prove it is the caller’s. Or the caller is not the client it was sent to. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      /** @description It is not waiting for a decision: not sent, or already decided (another decision came first, or its process is over); the error then starts with `already decided`. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description It has expired. */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  withdrawEstimate: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The estimate’s id. */
        eid: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['Empty'];
      };
    };
    responses: {
      /** @description The estimate, withdrawn. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Estimate'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      /** @description It is not waiting for a decision: not sent, or already decided (another decision came first, or its process is over); the error then starts with `already decided`. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description It has expired. */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  listInvoices: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The project’s id. */
        pid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Oldest first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invoice'][];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description The token carries no verified email to prove the caller is a client. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  getInvoice: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The invoice’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The invoice. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invoice'];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description The token carries no verified email to prove the caller is its client. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  recordPayment: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The invoice’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PaymentBody'];
      };
    };
    responses: {
      /** @description The invoice with the payment. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invoice'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only those who manage the project (its owner, an administrator of its team) may do this. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      /** @description The invoice is settled (paid or cancelled) and takes nothing more: the error starts with `already decided`. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  cancelInvoice: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The invoice’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CancelBody'];
      };
    };
    responses: {
      /** @description The invoice, cancelled. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invoice'];
        };
      };
      202: components['responses']['Pending'];
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only those who manage the project (its owner, an administrator of its team) may do this. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      404: components['responses']['NotFound'];
      /** @description The invoice is settled (paid or cancelled) and takes nothing more: the error starts with `already decided`. Or it has payments: refund them first. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  checkout: {
    parameters: {
      query?: never;
      header?: {
        /** @description Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters. */
        'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
      };
      path: {
        /** @description The invoice’s id. */
        iid: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['Empty'];
      };
    };
    responses: {
      /** @description The payment to confirm with the provider. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Checkout'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      /** @description Only the client pays online. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No such invoice, or online payment is not available (pay by bank transfer). */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The invoice is settled (paid or cancelled) and takes nothing more: the error starts with `already decided`. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['Unprocessable'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      /** @description The payment provider did not answer in time; try again. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  stripeWebhook: {
    parameters: {
      query?: never;
      header: {
        /** @description Stripe’s signature over the exact body, with the endpoint’s signing secret. */
        'Stripe-Signature': components['parameters']['StripeSignature'];
      };
      path?: never;
      cookie?: never;
    };
    /** @description The event as Stripe sent it; the signature covers these exact bytes. */
    requestBody: {
      content: {
        'application/json': Record<string, never>;
      };
    };
    responses: {
      /** @description Received. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            received: true;
          };
        };
      };
      /** @description The signature does not verify, or the body is not JSON. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No payment provider is configured. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      /** @description The event log is away; Stripe retries. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  commandStatus: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The command’s id, from a 202’s `commandId`. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Its outcome, or pending. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CommandStatus'];
        };
      };
      401: components['responses']['Unauthorized'];
      /** @description No such command of the caller’s. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      503: components['responses']['Unavailable'];
    };
  };
  openApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OpenAPI 3.1. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': Record<string, never>;
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
    };
  };
  reference: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The page. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/html': unknown;
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
    };
  };
  referenceFile: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A file of the reference page (the Swagger UI bundle, its style sheet, icons). */
        file: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The file. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/javascript': unknown;
          'text/css': unknown;
          'image/png': unknown;
        };
      };
      /** @description No such file. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
    };
  };
  alive: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Alive. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            status: 'ok';
          };
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
    };
  };
  ready: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Readiness'];
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
      /** @description Not ready: the failing checks are false. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Readiness'];
        };
      };
    };
  };
  metrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every metric family of the process. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': unknown;
        };
      };
      431: components['responses']['HeadersTooLarge'];
      500: components['responses']['InternalError'];
    };
  };
}

/**
 * The simulator's rows and how each looks at a given moment. A row is generated with its whole life
 * (a payment that succeeds, is refunded nine days later, …); `values(row, asOf)` gives the columns as
 * the database would hold them at `asOf`, so one generator serves both history and live traffic.
 */
export type TableName =
  | 'users'
  | 'sellers'
  | 'subscriptions'
  | 'sessions'
  | 'page_views'
  | 'events'
  | 'carts'
  | 'orders'
  | 'payments'
  | 'refunds'
  | 'returns'
  | 'reviews'
  | 'login_events'
  | 'profile_changes'
  | 'audit_log'
  | 'support_tickets'
  | 'bug_reports'
  | 'incidents';

/** Parents before children, so foreign keys hold within one batch. */
export const TABLE_ORDER: readonly TableName[] = [
  'users',
  'sellers',
  'subscriptions',
  'sessions',
  'page_views',
  'events',
  'carts',
  'orders',
  'payments',
  'refunds',
  'returns',
  'reviews',
  'login_events',
  'profile_changes',
  'audit_log',
  'support_tickets',
  'bug_reports',
  'incidents',
];

type Ms = number;

export interface UserRow {
  id: number;
  createdAt: Ms;
}
export interface SellerRow {
  id: number;
  appliedAt: Ms;
  approvedAt: Ms | null;
  churnedAt: Ms | null;
  creditsTotal: number;
  creditsUsed: number;
}
export interface SubscriptionRow {
  id: number;
  sellerId: number;
  plan: string;
  amount: number;
  currency: string;
  startedAt: Ms;
  cancelledAt: Ms | null;
}
export interface SessionRow {
  id: number;
  userId: number | null;
  signedInAt: Ms | null;
  visitorId: string;
  platform: string;
  channel: string;
  startedAt: Ms;
  endedAt: Ms;
}
export interface PageViewRow {
  id: number;
  sessionId: number;
  viewedAt: Ms;
  path: string;
  loadTimeMs: number | null;
  httpStatus: number;
}
export interface EventRow {
  id: number;
  sessionId: number;
  type: string;
  occurredAt: Ms;
}
export interface CartRow {
  id: number;
  userId: number | null;
  sessionId: number;
  createdAt: Ms;
  convertedAt: Ms | null;
  abandonedAt: Ms | null;
}
export interface OrderRow {
  id: number;
  userId: number;
  sellerId: number;
  sessionId: number;
  category: string;
  createdAt: Ms;
  amount: number;
  currency: string;
  paidAt: Ms | null;
  failedAt: Ms | null;
  shippedAt: Ms | null;
  deliveredAt: Ms | null;
  refundedAt: Ms | null;
}
export interface PaymentRow {
  id: number;
  orderId: number;
  provider: string;
  providerRef: string;
  failureCode: string | null;
  amount: number;
  currency: string;
  createdAt: Ms;
  succeededAt: Ms | null;
  failedAt: Ms | null;
  refundedAt: Ms | null;
  disputedAt: Ms | null;
}
export interface RefundRow {
  id: number;
  paymentId: number;
  amount: number;
  currency: string;
  reason: string;
  createdAt: Ms;
}
export interface ReturnRow {
  id: number;
  orderId: number;
  reason: string;
  createdAt: Ms;
}
export interface ReviewRow {
  id: number;
  orderId: number;
  rating: number;
  createdAt: Ms;
}
export interface LoginRow {
  id: number;
  userId: number | null;
  occurredAt: Ms;
  success: boolean;
  failureReason: string | null;
}
export interface ProfileChangeRow {
  id: number;
  userId: number;
  field: string;
  changedAt: Ms;
}
export interface AuditRow {
  id: number;
  actorId: number;
  action: string;
  objectCount: number;
  occurredAt: Ms;
}
export interface TicketRow {
  id: number;
  openedAt: Ms;
  closedAt: Ms | null;
  csat: number | null;
}
export interface BugRow {
  id: number;
  severity: string;
  reportedAt: Ms;
  resolvedAt: Ms | null;
}
export interface IncidentRow {
  id: number;
  component: string;
  severity: string;
  startedAt: Ms;
  resolvedAt: Ms | null;
}

export interface RowTypes {
  users: UserRow;
  sellers: SellerRow;
  subscriptions: SubscriptionRow;
  sessions: SessionRow;
  page_views: PageViewRow;
  events: EventRow;
  carts: CartRow;
  orders: OrderRow;
  payments: PaymentRow;
  refunds: RefundRow;
  returns: ReturnRow;
  reviews: ReviewRow;
  login_events: LoginRow;
  profile_changes: ProfileChangeRow;
  audit_log: AuditRow;
  support_tickets: TicketRow;
  bug_reports: BugRow;
  incidents: IncidentRow;
}

export interface TableSpec<R> {
  /** Column names (id excluded) with the SQL element type used for unnest(). */
  columns: readonly (readonly [string, string])[];
  /** When the row comes into existence; it is inserted once this moment has passed. */
  born(r: R): Ms;
  /** Later moments that change the row (status changes); it is updated once each has passed. */
  later(r: R): readonly (Ms | null)[];
  values(r: R, asOf: Ms): unknown[];
}

// Timestamps travel as epoch milliseconds (cheaper to send and parse than ISO text); the writer
// turns them into timestamptz with to_timestamp().
const iso = (ms: Ms): Ms => ms;
/** The timestamp if it has happened by `asOf`, else NULL. */
const seen = (ms: Ms | null, asOf: Ms): Ms | null => (ms !== null && ms <= asOf ? ms : null);
const happened = (ms: Ms | null, asOf: Ms): boolean => ms !== null && ms <= asOf;

export const SPECS: { [T in TableName]: TableSpec<RowTypes[T]> } = {
  users: { columns: [['created_at', 'timestamptz']], born: (r) => r.createdAt, later: () => [], values: (r) => [iso(r.createdAt)] },
  sellers: {
    columns: [
      ['applied_at', 'timestamptz'],
      ['approved_at', 'timestamptz'],
      ['churned_at', 'timestamptz'],
      ['credits_total', 'numeric'],
      ['credits_used', 'numeric'],
    ],
    born: (r) => r.appliedAt,
    later: (r) => [r.approvedAt, r.churnedAt],
    values: (r, t) => [iso(r.appliedAt), seen(r.approvedAt, t), seen(r.churnedAt, t), r.creditsTotal, r.creditsUsed],
  },
  subscriptions: {
    columns: [
      ['seller_id', 'bigint'],
      ['plan', 'text'],
      ['amount_monthly', 'numeric'],
      ['currency', 'text'],
      ['started_at', 'timestamptz'],
      ['cancelled_at', 'timestamptz'],
    ],
    born: (r) => r.startedAt,
    later: (r) => [r.cancelledAt],
    values: (r, t) => [r.sellerId, r.plan, r.amount, r.currency, iso(r.startedAt), seen(r.cancelledAt, t)],
  },
  sessions: {
    columns: [
      ['user_id', 'bigint'],
      ['visitor_id', 'text'],
      ['platform', 'text'],
      ['channel', 'text'],
      ['started_at', 'timestamptz'],
      ['ended_at', 'timestamptz'],
    ],
    born: (r) => r.startedAt,
    later: (r) => [r.signedInAt, r.endedAt],
    values: (r, t) => [
      happened(r.signedInAt, t) ? r.userId : null,
      r.visitorId,
      r.platform,
      r.channel,
      iso(r.startedAt),
      seen(r.endedAt, t),
    ],
  },
  page_views: {
    columns: [
      ['session_id', 'bigint'],
      ['viewed_at', 'timestamptz'],
      ['path', 'text'],
      ['load_time_ms', 'integer'],
      ['http_status', 'smallint'],
    ],
    born: (r) => r.viewedAt,
    later: () => [],
    values: (r) => [r.sessionId, iso(r.viewedAt), r.path, r.loadTimeMs, r.httpStatus],
  },
  events: {
    columns: [
      ['session_id', 'bigint'],
      ['type', 'text'],
      ['occurred_at', 'timestamptz'],
    ],
    born: (r) => r.occurredAt,
    later: () => [],
    values: (r) => [r.sessionId, r.type, iso(r.occurredAt)],
  },
  carts: {
    columns: [
      ['user_id', 'bigint'],
      ['session_id', 'bigint'],
      ['created_at', 'timestamptz'],
      ['status', 'text'],
      ['abandoned_at', 'timestamptz'],
    ],
    born: (r) => r.createdAt,
    later: (r) => [r.convertedAt, r.abandonedAt],
    values: (r, t) => [
      r.userId,
      r.sessionId,
      iso(r.createdAt),
      happened(r.convertedAt, t) ? 'converted' : happened(r.abandonedAt, t) ? 'abandoned' : 'open',
      seen(r.abandonedAt, t),
    ],
  },
  orders: {
    columns: [
      ['user_id', 'bigint'],
      ['seller_id', 'bigint'],
      ['session_id', 'bigint'],
      ['category', 'text'],
      ['created_at', 'timestamptz'],
      ['status', 'text'],
      ['total_amount', 'numeric'],
      ['currency', 'text'],
    ],
    born: (r) => r.createdAt,
    later: (r) => [r.paidAt, r.failedAt, r.shippedAt, r.deliveredAt, r.refundedAt],
    values: (r, t) => [r.userId, r.sellerId, r.sessionId, r.category, iso(r.createdAt), orderStatus(r, t), r.amount, r.currency],
  },
  payments: {
    columns: [
      ['order_id', 'bigint'],
      ['provider', 'text'],
      ['provider_ref', 'text'],
      ['status', 'text'],
      ['failure_code', 'text'],
      ['amount', 'numeric'],
      ['currency', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
      ['succeeded_at', 'timestamptz'],
      ['failed_at', 'timestamptz'],
      ['refunded_at', 'timestamptz'],
      ['disputed_at', 'timestamptz'],
    ],
    born: (r) => r.createdAt,
    later: (r) => [r.succeededAt, r.failedAt, r.refundedAt, r.disputedAt],
    values: (r, t) => {
      const failed = happened(r.failedAt, t);
      const updated = Math.max(
        r.createdAt,
        ...[r.succeededAt, r.failedAt, r.refundedAt, r.disputedAt].filter((x): x is number => x !== null && x <= t),
      );
      return [
        r.orderId,
        r.provider,
        r.providerRef,
        paymentStatus(r, t),
        failed ? r.failureCode : null,
        r.amount,
        r.currency,
        iso(r.createdAt),
        iso(updated),
        seen(r.succeededAt, t),
        seen(r.failedAt, t),
        seen(r.refundedAt, t),
        seen(r.disputedAt, t),
      ];
    },
  },
  refunds: {
    columns: [
      ['payment_id', 'bigint'],
      ['amount', 'numeric'],
      ['currency', 'text'],
      ['reason', 'text'],
      ['created_at', 'timestamptz'],
    ],
    born: (r) => r.createdAt,
    later: () => [],
    values: (r) => [r.paymentId, r.amount, r.currency, r.reason, iso(r.createdAt)],
  },
  returns: {
    columns: [
      ['order_id', 'bigint'],
      ['reason', 'text'],
      ['created_at', 'timestamptz'],
    ],
    born: (r) => r.createdAt,
    later: () => [],
    values: (r) => [r.orderId, r.reason, iso(r.createdAt)],
  },
  reviews: {
    columns: [
      ['order_id', 'bigint'],
      ['rating', 'smallint'],
      ['created_at', 'timestamptz'],
    ],
    born: (r) => r.createdAt,
    later: () => [],
    values: (r) => [r.orderId, r.rating, iso(r.createdAt)],
  },
  login_events: {
    columns: [
      ['user_id', 'bigint'],
      ['occurred_at', 'timestamptz'],
      ['success', 'boolean'],
      ['failure_reason', 'text'],
    ],
    born: (r) => r.occurredAt,
    later: () => [],
    values: (r) => [r.userId, iso(r.occurredAt), r.success, r.failureReason],
  },
  profile_changes: {
    columns: [
      ['user_id', 'bigint'],
      ['field', 'text'],
      ['changed_at', 'timestamptz'],
    ],
    born: (r) => r.changedAt,
    later: () => [],
    values: (r) => [r.userId, r.field, iso(r.changedAt)],
  },
  audit_log: {
    columns: [
      ['actor_id', 'bigint'],
      ['action', 'text'],
      ['object_count', 'integer'],
      ['occurred_at', 'timestamptz'],
    ],
    born: (r) => r.occurredAt,
    later: () => [],
    values: (r) => [r.actorId, r.action, r.objectCount, iso(r.occurredAt)],
  },
  support_tickets: {
    columns: [
      ['opened_at', 'timestamptz'],
      ['closed_at', 'timestamptz'],
      ['csat_score', 'smallint'],
    ],
    born: (r) => r.openedAt,
    later: (r) => [r.closedAt],
    values: (r, t) => [iso(r.openedAt), seen(r.closedAt, t), happened(r.closedAt, t) ? r.csat : null],
  },
  bug_reports: {
    columns: [
      ['severity', 'text'],
      ['reported_at', 'timestamptz'],
      ['resolved_at', 'timestamptz'],
    ],
    born: (r) => r.reportedAt,
    later: (r) => [r.resolvedAt],
    values: (r, t) => [r.severity, iso(r.reportedAt), seen(r.resolvedAt, t)],
  },
  incidents: {
    columns: [
      ['component', 'text'],
      ['severity', 'text'],
      ['started_at', 'timestamptz'],
      ['resolved_at', 'timestamptz'],
    ],
    born: (r) => r.startedAt,
    later: (r) => [r.resolvedAt],
    values: (r, t) => [r.component, r.severity, iso(r.startedAt), seen(r.resolvedAt, t)],
  },
};

function orderStatus(r: OrderRow, t: Ms): string {
  if (happened(r.refundedAt, t)) return 'refunded';
  if (happened(r.failedAt, t)) return 'cancelled';
  if (happened(r.deliveredAt, t)) return 'delivered';
  if (happened(r.shippedAt, t)) return 'shipped';
  if (happened(r.paidAt, t)) return 'paid';
  return 'pending';
}

function paymentStatus(r: PaymentRow, t: Ms): string {
  if (happened(r.disputedAt, t)) return 'disputed';
  if (happened(r.refundedAt, t)) return 'refunded';
  if (happened(r.succeededAt, t)) return 'succeeded';
  if (happened(r.failedAt, t)) return 'failed';
  return 'pending';
}

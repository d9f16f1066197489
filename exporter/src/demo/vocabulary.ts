/**
 * The values the simulated marketplace uses, with their relative weights. Each list carries one rare
 * value outside the exporter's default allow-lists, so folding into `other` is visible in the demo.
 */
export const PLATFORMS = { web: 55, ios: 25, android: 19.5, smart_tv: 0.5 };
export const CHANNELS = { direct: 30, organic: 25, paid: 15, social: 12, email: 8, referral: 9.5, affiliate_network: 0.5 };
export const CATEGORIES = {
  electronics: 18,
  fashion: 22,
  home: 15,
  beauty: 10,
  sports: 9,
  toys: 8,
  books: 9,
  grocery: 8.5,
  vintage_collectibles: 0.5,
};
export const CURRENCIES = { USD: 55, EUR: 30, GBP: 15 };
export const PROVIDERS = { stripe: 68, paypal: 32 };
export const FAILURE_CODES = {
  card_declined: 45,
  insufficient_funds: 25,
  expired_card: 10,
  incorrect_cvc: 8,
  processing_error: 5,
  authentication_required: 5,
  fraudulent: 2,
};
export const REFUND_REASONS = { damaged: 25, not_as_described: 25, late_delivery: 20, changed_mind: 27, fraud: 3 };
export const RETURN_REASONS = { damaged: 20, wrong_size: 40, not_as_described: 20, changed_mind: 20 };
export const PROFILE_FIELDS = { email: 20, password: 25, phone: 15, address: 30, payout_account: 6, two_factor: 4 };
export const INCIDENT_COMPONENTS = { web: 25, api: 25, checkout: 15, payments: 15, search: 20 };
export const INCIDENT_SEVERITIES = { minor: 75, major: 21, critical: 4 };
export const BUG_SEVERITIES = { minor: 70, major: 25, critical: 5 };
export const RATINGS = { '5': 50, '4': 25, '3': 11, '2': 6, '1': 8 };
export const CSAT_SCORES = { '5': 45, '4': 28, '3': 12, '2': 7, '1': 8 };
export const PLANS: Record<string, number> = { basic: 19, pro: 49, business: 199 };
export const PLAN_WEIGHTS = { basic: 60, pro: 32, business: 8 };
/** Median order value in major units per category, for plausible baskets. */
export const CATEGORY_MEDIAN: Record<string, number> = {
  electronics: 120,
  fashion: 55,
  home: 70,
  beauty: 30,
  sports: 60,
  toys: 35,
  books: 20,
  grocery: 40,
  vintage_collectibles: 90,
};
/** An event type the exporter does not know about, so `other` shows up in events_total. */
export const UNKNOWN_EVENT = 'share_link';
export const UNKNOWN_EVENT_SHARE = 0.003;

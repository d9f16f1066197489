/** The busy tail of the dashboards end-to-end history (shared with tests/integration/history-tail.test.ts). */
export const DASHBOARD_TAIL = { seed: 13, minutes: 130, sessionsPerMinute: 40 } as const;

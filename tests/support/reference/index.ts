/** The full-window collectors as they were before continuous aggregates: ground truth for equivalence tests. */
export { activeUsers } from './active-users';
export { bounce } from './bounce';
export { bugReports } from './bug-reports';
export { carts } from './carts';
export { cohortRetention } from './cohort-retention';
export { funnel } from './funnel';
export { logins } from './logins';
export { retention } from './retention';
export { revenue } from './revenue';
export { sellers } from './sellers';
export { support } from './support';
export { visitors } from './visitors';

/** Customer satisfaction: CSAT, reviews, support tickets, bug reports. */
import { M } from '../../shared/catalogue';
import { gaugeOf, increaseOf, sumBy } from '../../shared/promql';
import { RANGE } from './promql';

export const csat = (window?: string) => sumBy(window ? [] : ['window'], gaugeOf(M.csatScore.name, window ? { window } : {}));
export const reviewRating = (window?: string) => sumBy(window ? [] : ['window'], gaugeOf(M.reviewRating.name, window ? { window } : {}));
export const ticketsOpen = () => sumBy([], gaugeOf(M.supportTicketsOpen.name));
export const ticketsOpened = (window: string = RANGE) => sumBy([], increaseOf(M.supportTicketsTotal.name, {}, window));
export const bugsOpen = () => sumBy(['severity'], gaugeOf(M.bugReportsOpen.name));
export const bugsReported = (window: string = RANGE) => sumBy(['severity'], increaseOf(M.bugReportsTotal.name, {}, window));

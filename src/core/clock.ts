/**
 * What day it is, for catalog lifecycle decisions (deprecation warnings, retired models, `models --check`).
 * Injectable (`createGateway({ now })`) so tests and replays can move time.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

import { randomUUID } from 'node:crypto';

export { nameId } from '../contracts/ids';

export const newId = (): string => randomUUID();

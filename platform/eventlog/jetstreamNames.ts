import { channelName, type ChannelKind } from './port';

/**
 * How the log's channels are laid out on JetStream: one stream per channel (a category's events,
 * its commands, its process commands, its parked messages), so a stream's sequence is the
 * channel's position, 1..n, exactly as on NATS Streaming: checkpoints and snapshots keep their
 * meaning when a log is copied from one to the other, and `head` after an append is the next
 * position with nothing from another channel in between.
 *
 * Inside a channel's stream, under its root subject R (`<prefix><category>.<kind>`):
 *   R.a.<stream id>   what concerns one aggregate: its events entries (the subject whose last
 *                     sequence an append expects), its commands, its process commands; and,
 *                     from lease-free components, its refusals too, so that every outcome is
 *                     checked against the one before and the subject is all a component loads
 *   R.r.<stream id>   the rejection of a command to that aggregate by a leased writer (the one
 *                     writer of its category needs no check on refusals)
 *   R.fence           fences (`head`)
 *   R.entry           anything else (parked records)
 */
export type JetStreamChannel = ChannelKind | 'parked';

/** Subject tokens cannot hold `.`, `*`, `>` or whitespace; stream ids may hold anything. */
const SUBJECT_SAFE = /^[A-Za-z0-9_-]$/;
/** Stream and consumer names cannot hold `.`, `*`, `>`, path separators or whitespace. */
const NAME_SAFE = /^[A-Za-z0-9-]$/;

/** Escapes every byte outside `safe` as `<mark>HH`; the mark is never safe, so this is one-to-one. */
function escape(value: string, safe: RegExp, mark: string): string {
  let out = '';
  for (const char of value) {
    if (safe.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `${mark}${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A stream id as one subject token: readable for ordinary ids (`user-1f3c…` stays as it is). */
export const subjectToken = (streamId: string): string => escape(streamId, SUBJECT_SAFE, '%');

/** Whether a prefix and category make valid subject tokens (a prefix may end with a dot). */
export function checkSubjectPart(part: string): void {
  if (/[\s*>]/.test(part) || part.includes('..') || part.startsWith('.'))
    throw new Error(`"${part}" cannot be part of a NATS subject`);
}

export const channelRoot = (prefix: string, category: string, kind: JetStreamChannel): string =>
  channelName(prefix, category, kind);

/**
 * `<prefix><category>_<kind>`, escaped: kinds hold no `_`, so the last `_` parts them and the
 * name is one-to-one. `user_event` without a prefix.
 */
export const streamName = (prefix: string, category: string, kind: JetStreamChannel): string =>
  `${escape(`${prefix}${category}`, NAME_SAFE, '_')}_${kind}`;

export const consumerName = (durableName: string): string => escape(durableName, NAME_SAFE, '_');

export const aggregateSubject = (root: string, streamId: string): string =>
  `${root}.a.${subjectToken(streamId)}`;
export const rejectionSubject = (root: string, streamId: string): string =>
  `${root}.r.${subjectToken(streamId)}`;
export const fenceSubject = (root: string): string => `${root}.fence`;
export const entrySubject = (root: string): string => `${root}.entry`;

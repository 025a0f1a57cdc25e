import { fenceUntrusted } from '../injection/screen.js';
import type { RejectionReason } from './guard-answer.js';

// The detail quotes what the model sent (unknown keys, paths): it goes back fenced and capped.
const MAX_DETAIL_CHARS = 600;

const REASON_TEXT: Readonly<Record<RejectionReason, string>> = {
  not_json: 'it contained no JSON object',
  invalid_json: 'its JSON could not be parsed',
  not_object: 'its JSON was not an object',
  too_large: 'it was too large',
  too_deep: 'its JSON was nested too deeply',
  too_many_items: 'its JSON had too many items',
  forbidden_key: 'it used a forbidden key',
  multiple_objects: 'it contained more than one JSON object',
  schema: 'it did not match the required format',
  injection: 'it contained text that looks like instructions to other agents or to the system',
};

/**
 * The prompt for the next round after a rejected answer: the original request
 * plus what was wrong, so the model can fix it. `round` counts from 1.
 */
export function correctivePrompt(prompt: string, rejection: { reason: RejectionReason; detail: string }, round: number, rounds: number): string {
  const detail = rejection.detail.length > MAX_DETAIL_CHARS ? `${rejection.detail.slice(0, MAX_DETAIL_CHARS)}…` : rejection.detail;
  return [
    prompt,
    '',
    `<correction round="${round}" of="${rounds}">`,
    `Your previous answer was rejected because ${REASON_TEXT[rejection.reason]}. What the validator reported:`,
    fenceUntrusted('validator report', detail),
    'Answer again with exactly one JSON object in the required format and nothing else.',
    '</correction>',
  ].join('\n');
}

/** The correction round a prompt asks for (0 when it is a first request). */
export function correctionRoundOf(prompt: string): number {
  const match = /<correction round="(\d+)" of="\d+">/.exec(prompt);
  return match ? Number(match[1]) : 0;
}

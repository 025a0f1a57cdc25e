/**
 * The payload key the committed replay histories were captured with. A test
 * key, known to everyone who reads the repo: it protects nothing and is never
 * used by a stack (the stack generates its own keys into .data/stack.env).
 */
export const REPLAY_PAYLOAD_KEYS = 'replay-fixture:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

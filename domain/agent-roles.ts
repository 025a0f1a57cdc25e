/** The agents of a team; each has its own prompt, governance rules and token usage. */
export const AGENT_ROLES = ['developer', 'tester', 'reviewer', 'security', 'architect', 'supervisor'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/**
 * Custom search attributes the workflows set, so the Temporal Web UI and
 * `temporal workflow list --query` can filter tasks. The local stack registers
 * exactly this list; production clusters must register it too.
 */
export const SEARCH_ATTRIBUTES = [
  { name: 'TenantId', type: 'Keyword' },
  { name: 'TaskStatus', type: 'Keyword' },
  { name: 'AgentRole', type: 'Keyword' },
] as const;

export type SearchAttributeName = (typeof SEARCH_ATTRIBUTES)[number]['name'];

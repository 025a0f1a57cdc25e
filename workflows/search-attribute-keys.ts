import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeName } from '../domain/search-attributes.js';

function keywordKey(name: SearchAttributeName) {
  return defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);
}

export const TenantIdKey = keywordKey('TenantId');
export const TaskStatusKey = keywordKey('TaskStatus');
export const AgentRoleKey = keywordKey('AgentRole');

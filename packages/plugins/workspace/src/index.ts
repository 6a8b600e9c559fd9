/**
 * @kefu/plugin-workspace — the HTTP API behind the agent workspace: quick replies, contact tags,
 * merge and split, routing decisions, the supervisor view, transfer targets, the customer 360 and
 * agent assist.
 *
 * @packageDocumentation
 */
export { workspacePlugin, queueKey, WorkspaceErrors, WORKSPACE_PREFIX, type WorkspacePluginOptions } from './plugin.js';
export { expandVariables, searchQuickReplies, unknownVariables, variableValues, QUICK_REPLY_VARIABLES, type QuickReply, type QuickReplyVariable, type VariableContext } from './quick-replies.js';
export { tagKind, groupTags, isValidTag, TAG_PREFIXES, type TagKind } from './tags.js';

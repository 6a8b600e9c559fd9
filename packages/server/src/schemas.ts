import { z } from 'zod';

/**
 * The zod schemas of the REST API. Request schemas validate input; model schemas describe
 * answers. Both feed the OpenAPI document, so the docs cannot drift from what is checked.
 * Every schema registered in {@link apiRegistry} becomes `#/components/schemas/<id>`.
 */
export const apiRegistry = z.registry<{ id: string; description?: string }>();

function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  apiRegistry.add(schema, description ? { id, description } : { id });
  return schema;
}

const id = z.string().min(1).max(128);
const role = z.enum(['agent', 'supervisor', 'admin']);
const presence = z.enum(['online', 'away', 'offline']);
const status = z.enum(['bot', 'queued', 'assigned', 'closed']);
const timestamp = z.number().int().describe('Milliseconds since the Unix epoch');

const cardAction = z.object({
  id: z.string(),
  label: z.string(),
  type: z.enum(['postback', 'link', 'reply']),
  value: z.string().optional(),
  url: z.string().optional(),
  style: z.enum(['primary', 'default', 'danger']).optional(),
});

interface CardShape {
  kind: string;
  title: string;
  subtitle?: string | undefined;
  text?: string | undefined;
  imageUrl?: string | undefined;
  url?: string | undefined;
  fields?: Array<{ label: string; value: string }> | undefined;
  actions?: Array<z.infer<typeof cardAction>> | undefined;
  items?: CardShape[] | undefined;
  data?: unknown;
}

export const CardSchema: z.ZodType<CardShape> = named(
  'Card',
  z.object({
    kind: z.string().min(1).max(64),
    title: z.string().max(1000),
    subtitle: z.string().max(1000).optional(),
    text: z.string().max(4000).optional(),
    imageUrl: z.string().max(2000).optional(),
    url: z.string().max(2000).optional(),
    fields: z.array(z.object({ label: z.string(), value: z.string() })).max(50).optional(),
    actions: z.array(cardAction).max(20).optional(),
    get items() {
      return z.array(CardSchema).max(20).optional();
    },
    data: z.unknown().optional(),
  }),
);

export const PartSchema = named(
  'Part',
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string().max(10_000) }),
    z.object({ type: z.literal('image'), url: z.string().min(1).max(2000), alt: z.string().max(1000).optional(), mimeType: z.string().optional(), size: z.number().int().nonnegative().optional(), mediaId: z.string().optional() }),
    z.object({ type: z.literal('file'), url: z.string().min(1).max(2000), name: z.string().max(500), mimeType: z.string().optional(), size: z.number().int().nonnegative().optional() }),
    z.object({ type: z.literal('audio'), url: z.string().min(1).max(2000), mimeType: z.string().optional(), durationMs: z.number().nonnegative().optional(), transcript: z.string().optional() }),
    z.object({ type: z.literal('location'), latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180), label: z.string().optional() }),
    z.object({ type: z.literal('card'), card: CardSchema }),
    z.object({ type: z.literal('action'), actionId: z.string(), value: z.string().optional(), label: z.string().optional(), cardMessageId: z.string().optional(), token: z.string().optional() }),
    z.object({ type: z.literal('event'), name: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
  ]),
);

export const EntryContextSchema = named(
  'EntryContext',
  z.looseObject({
    pageType: z.string().optional(),
    url: z.string().optional(),
    title: z.string().optional(),
    productId: z.string().optional(),
    orderId: z.string().optional(),
    category: z.string().optional(),
    locale: z.string().optional(),
    referrer: z.string().optional(),
  }),
);

export const MessageSchema = named(
  'Message',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    conversationId: z.string(),
    seq: z.number().int().describe('Position in the conversation, from 1, without gaps'),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    author: z.object({ role: z.enum(['customer', 'agent', 'bot', 'system']), id: z.string().optional(), name: z.string().optional() }),
    text: z.string(),
    parts: z.array(PartSchema),
    channel: z.string(),
    externalId: z.string().optional(),
    status: z.enum(['received', 'pending', 'sent', 'delivered', 'failed']),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    attempts: z.number().int(),
    nextAttemptAt: timestamp.optional(),
    createdAt: timestamp,
    sentAt: timestamp.optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
  'A stored message (the channel payload `raw` is never sent over the API)',
);

export const ConversationSchema = named(
  'Conversation',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    contactId: z.string(),
    channel: z.string(),
    address: z.string(),
    status,
    assigneeId: z.string().optional(),
    teamId: z.string().optional(),
    priority: z.number(),
    entry: EntryContextSchema.optional(),
    language: z.string().optional(),
    tags: z.array(z.string()),
    subject: z.string().optional(),
    lastSeq: z.number().int(),
    attributes: z.record(z.string(), z.unknown()),
    openedAt: timestamp,
    queuedAt: timestamp.optional(),
    assignedAt: timestamp.optional(),
    firstResponseAt: timestamp.optional(),
    closedAt: timestamp.optional(),
    lastMessageAt: timestamp,
    updatedAt: timestamp,
  }),
);

export const ContactSchema = named(
  'Contact',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string().optional(),
    identities: z.array(z.object({ channel: z.string(), externalId: z.string() })),
    identifiers: z.array(z.object({ kind: z.string(), value: z.string() })),
    tier: z.string(),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.unknown()),
    mergedInto: z.string().optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

export const AgentSchema = named(
  'Agent',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    email: z.string().optional(),
    role,
    teams: z.array(z.string()),
    skills: z.record(z.string(), z.number()),
    languages: z.array(z.string()),
    capacity: z.number().int(),
    presence,
    attributes: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

export const TeamSchema = named('Team', z.object({ id: z.string(), tenantId: z.string(), name: z.string(), attributes: z.record(z.string(), z.unknown()) }));

export const ErrorSchema = named(
  'Error',
  z.object({ error: z.object({ code: z.string().describe('A stable KEFU_* code'), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
  'Every 4xx/5xx answer',
);

// Requests

export const LoginRequest = named('LoginRequest', z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1000), tenantId: id.optional().describe('Only needed when the same e-mail exists in several tenants') }));
export const LoginResponse = named('LoginResponse', z.object({ token: z.string().describe('HS256 JWT, 12 h; claims sub, tid, role, iat, exp'), agent: AgentSchema }));
export const AgentResponse = named('AgentResponse', z.object({ agent: AgentSchema }));
export const PresenceRequest = named('PresenceRequest', z.object({ presence }));

export const AgentWithLoad = named('AgentWithLoad', AgentSchema.extend({ load: z.number().int().describe('Conversations assigned now') }));
export const AgentList = named('AgentList', z.object({ items: z.array(AgentWithLoad) }));
const agentFields = {
  name: z.string().min(1).max(200),
  email: z.email().max(320),
  role,
  teams: z.array(id).max(50),
  skills: z.record(z.string().max(64), z.number().int().min(0).max(5)),
  languages: z.array(z.string().min(2).max(35)).max(20),
  capacity: z.number().int().min(1).max(1000).describe('Concurrent conversations; core clamps it to the router\'s maxCapacity'),
};
export const CreateAgentRequest = named(
  'CreateAgentRequest',
  z.object({
    id: id.regex(/^[\w.-]+$/).optional(),
    ...agentFields,
    password: z.string().min(8).max(1000),
    role: role.default('agent'),
    teams: agentFields.teams.default([]),
    skills: agentFields.skills.default({}),
    languages: agentFields.languages.default([]),
    capacity: agentFields.capacity.optional().describe('Default: the router\'s defaultCapacity (5)'),
  }),
);
export const UpdateAgentRequest = named(
  'UpdateAgentRequest',
  z.object({ ...agentFields, password: z.string().min(8).max(1000) }).partial().refine((v) => Object.keys(v).length > 0, 'Give at least one field'),
);

export const TeamList = named('TeamList', z.object({ items: z.array(TeamSchema) }));
export const CreateTeamRequest = named('CreateTeamRequest', z.object({ id: id.regex(/^[\w.-]+$/).optional(), name: z.string().min(1).max(200) }));
export const TeamResponse = named('TeamResponse', z.object({ team: TeamSchema }));

export const ConversationSummary = named(
  'ConversationSummary',
  z.object({ conversation: ConversationSchema, contact: ContactSchema, lastMessage: MessageSchema.optional(), queuePosition: z.number().int().optional() }),
);
export const ConversationList = named('ConversationList', z.object({ items: z.array(ConversationSummary) }));
export const ConversationDetail = named('ConversationDetail', z.object({ conversation: ConversationSchema, contact: ContactSchema, queuePosition: z.number().int().optional() }));
export const ConversationResponse = named('ConversationResponse', z.object({ conversation: ConversationSchema }));
export const MessageList = named('MessageList', z.object({ items: z.array(MessageSchema) }));
export const MessageResponse = named('MessageResponse', z.object({ message: MessageSchema }));

/** The buying stages @kefu/plugin-commerce writes to `conversation.attributes.stage`. */
export const BUYING_STAGES = ['consulted-not-ordered', 'ordered-not-paid', 'paid', 'after-sale'] as const;

const statusList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(status).min(1));

export const ConversationListQuery = z.object({
  status: statusList.optional().describe('Comma-separated: queued,assigned,bot,closed'),
  assignee: z.string().min(1).max(128).optional().describe('`me` or an agent id'),
  contactId: id.optional(),
  stage: z
    .enum(BUYING_STAGES)
    .optional()
    .describe('Buying stage in `attributes.stage` (set by @kefu/plugin-commerce): consulted-not-ordered, ordered-not-paid, paid, after-sale'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const MessageListQuery = z.object({
  afterSeq: z.coerce.number().int().min(0).optional(),
  beforeSeq: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const ContactListQuery = z.object({ search: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });
export const IdParams = z.object({ id });

export const SendMessageRequest = named(
  'SendMessageRequest',
  z
    .object({ text: z.string().min(1).max(10_000).optional(), parts: z.array(PartSchema).min(1).max(20).optional(), internal: z.boolean().default(false).describe('An internal note: agents see it, the customer does not') })
    .refine((v) => v.text !== undefined || v.parts !== undefined, { message: 'Give text or parts', path: ['text'] }),
);
export const AcceptRequest = named('AcceptRequest', z.object({ agentId: id.optional().describe('Supervisors and API keys may accept on behalf of an agent; default: the caller') }));
export const TransferRequest = named(
  'TransferRequest',
  z
    .object({ agentId: id.optional(), teamId: id.optional(), note: z.string().max(2000).optional(), force: z.boolean().optional().describe('Supervisor+: assign past the agent\'s capacity') })
    .refine((v) => v.agentId !== undefined || v.teamId !== undefined, { message: 'Give agentId or teamId', path: ['agentId'] }),
);
export const CloseRequest = named('CloseRequest', z.object({ reason: z.string().max(500).optional() }));
export const UpdateConversationRequest = named(
  'UpdateConversationRequest',
  z
    .object({ tags: z.array(z.string().min(1).max(64)).max(50).optional(), priority: z.number().int().min(-100).max(100).optional() })
    .refine((v) => v.tags !== undefined || v.priority !== undefined, 'Give tags or priority'),
);

export const ContactList = named('ContactList', z.object({ items: z.array(ContactSchema) }));
export const ContactDetail = named('ContactDetail', z.object({ contact: ContactSchema, conversations: z.array(ConversationSchema) }));
export const ContactResponse = named('ContactResponse', z.object({ contact: ContactSchema }));
export const UpdateContactRequest = named(
  'UpdateContactRequest',
  z
    .object({ name: z.string().min(1).max(200).optional(), tier: z.string().min(1).max(64).optional(), tags: z.array(z.string().min(1).max(64)).max(50).optional() })
    .refine((v) => Object.keys(v).length > 0, 'Give name, tier or tags'),
);
export const MergeContactRequest = named('MergeContactRequest', z.object({ sourceId: id }));

export const QueueList = named(
  'QueueList',
  z.object({
    items: z.array(
      z.object({
        conversationId: z.string(),
        priority: z.number(),
        queuedAt: timestamp,
        target: z.object({ teamId: z.string().optional(), skills: z.array(z.string()).optional(), agentId: z.string().optional(), language: z.string().optional() }),
        position: z.number().int(),
      }),
    ),
  }),
);
export const OkResponse = named('Ok', z.object({ ok: z.boolean() }));

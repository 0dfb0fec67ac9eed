/**
 * The chat form of a page, and the AWS Chatbot (Amazon Q Developer in chat applications) custom
 * notification that carries it.
 */
import type { Incident } from './incident';
import {
  AUTOMATION_LINES,
  type ChatPage,
  type Fact,
  type LinkItem,
  type Page,
  type PageKind,
  type Rendered,
} from './page-model';
import { clip, oneLine } from './page-text';

/**
 * Chat length limits. The custom notification schema states none, so these are the tightest limits of
 * the blocks Slack renders it into (a header holds 150 characters, a section's text 3,000); Teams allows
 * more. A free-text field (title, diagnosis, reason, one automation line) is cut at CHAT_FIELD_LIMIT
 * first, so one long value cannot push the rest of the facts out.
 */
export const CHAT_TITLE_LIMIT = 150;
export const CHAT_DESCRIPTION_LIMIT = 3000;
export const CHAT_NEXT_STEPS_LIMIT = 3000;
export const CHAT_FIELD_LIMIT = 300;

const URL_ONLY = /^https?:\/\/\S+$/;
/** Facts the chat title already states. */
const IN_CHAT_TITLE: ReadonlySet<string> = new Set(['Incident ID', 'Severity']);
/** A free-text value cut for chat; a URL is kept whole (a cut link is worse than a long one). */
const chatValue = (value: string): string => (URL_ONLY.test(value) ? value : clip(value, CHAT_FIELD_LIMIT));

/** Shows the newest automation lines that fit in `room` characters, counting the ones left out. */
const chatActions = (all: readonly string[], room: number): string[] => {
  for (let shown = Math.min(all.length, AUTOMATION_LINES); shown > 0; shown--) {
    const hidden = all.length - shown;
    const block = [
      '*Actions taken:*',
      ...(hidden > 0 ? [`• (${hidden} earlier on the incident timeline)`] : []),
      ...all.slice(-shown).map((a) => `• ${clip(a, CHAT_FIELD_LIMIT)}`),
    ];
    if (block.join('\n').length + 2 <= room) return block;
  }
  const count = `*Actions taken:* ${all.length}, on the incident timeline`;
  return all.length > 0 && count.length + 2 <= room ? [count] : [];
};

/** Next steps in order, as many as fit the limit; a step is never cut. */
const fitSteps = (steps: readonly string[]): string[] => {
  const out: string[] = [];
  let used = 0;
  for (const step of steps) {
    const cost = step.length + (out.length > 0 ? 1 : 0);
    if (used + cost > CHAT_NEXT_STEPS_LIMIT) break;
    out.push(step);
    used += cost;
  }
  return out;
};

/** The chat form of a rendered page: the facts, the runbook, automation, and the links as next steps. */
export const chatPage = (
  r: Rendered,
  incident: Incident,
  title: string,
  automation: readonly string[],
  links: readonly LinkItem[],
  incidentPage: string | undefined,
): ChatPage => {
  const facts = r.facts
    .filter((f): f is Fact | '' => f !== undefined && !(f !== '' && IN_CHAT_TITLE.has(f[0])))
    .map((f) => (f === '' ? '' : `*${f[0]}:* ${chatValue(f[1])}`));
  const closing = r.tail
    ? [
        '',
        `*Runbook:* ${incident.runbookUrl ?? 'none configured'}`,
        ...(links.length > 0
          ? [
              incidentPage
                ? '_Each action link in the next steps works once; the incident page until it expires._'
                : '_Each link in the next steps works once._',
            ]
          : []),
      ]
    : [];
  const head = clip([...facts, ...closing].join('\n'), CHAT_DESCRIPTION_LIMIT);
  const actions = r.tail ? chatActions(automation, CHAT_DESCRIPTION_LIMIT - head.length) : [];
  const steps = r.tail
    ? links.map((l) =>
        l.url
          ? `${clip(l.label, CHAT_FIELD_LIMIT)}: ${l.url}`
          : `${clip(l.label, CHAT_FIELD_LIMIT)}: \`${l.fallback}\``,
      )
    : (r.closing?.steps ?? []);
  // The incident page comes first, so the limit never leaves it out.
  const pageStep = incidentPage ? [`Incident page: ${incidentPage}`] : [];
  return {
    title: clip(`${r.label}: [${incident.severity}] ${incident.id} ${title}`, CHAT_TITLE_LIMIT),
    description: actions.length > 0 ? `${head}\n\n${actions.join('\n')}` : head,
    nextSteps: fitSteps([...pageStep, ...steps]),
  };
};

/** The chat form of `page`: its own, or, for a page built without one, its subject and body cut to fit. */
export const chatOf = (page: Page): ChatPage =>
  page.chat ?? {
    title: clip(oneLine(page.subject), CHAT_TITLE_LIMIT),
    description: clip(page.body, CHAT_DESCRIPTION_LIMIT),
    nextSteps: [],
  };

/**
 * An AWS Chatbot (Amazon Q Developer in chat applications) custom notification: what a chat channel
 * subscribed to a tier's topic renders as a card rather than dropping. Pages of one incident share a
 * `threadId`, so a channel that allows threads keeps each incident in one thread.
 * @see https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps?: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: PageKind;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

export const chatNotification = (page: Page): ChatNotification => {
  const chat = chatOf(page);
  const context = {
    incidentId: page.incidentId,
    kind: page.kind,
    severity: page.severity,
    service: page.service,
    at: page.at,
  };
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: chat.title,
      description: chat.description,
      ...(chat.nextSteps.length > 0 ? { nextSteps: chat.nextSteps } : {}),
      keywords: [page.kind, page.severity, page.service].filter((k) => k !== undefined),
    },
    metadata: {
      threadId: page.incidentId,
      summary: page.subject,
      eventType: page.kind,
      additionalContext: Object.fromEntries(
        Object.entries(context).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    },
  };
};

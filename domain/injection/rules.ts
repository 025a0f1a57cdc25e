/**
 * Pattern rules of the injection screen. Every pattern runs on normalized
 * text (see normalize.ts): lowercase, confusables folded, invisible
 * characters gone, so a rule never has to spell out those variants.
 */
import { compileLiterals, type LiteralMatcher, markLiterals } from './literal-matcher.js';

export const INJECTION_CATEGORIES = [
  'instruction-override',
  'role-impersonation',
  'exfiltration',
  'hidden-text',
  'tool-call',
  'dangerous-payload',
] as const;
export type InjectionCategory = (typeof INJECTION_CATEGORIES)[number];

export interface InjectionSignal {
  readonly category: InjectionCategory;
  readonly detail: string;
  readonly weight: number;
}

interface Rule {
  readonly category: InjectionCategory;
  readonly detail: string;
  readonly weight: number;
  readonly pattern: RegExp;
  /** Extra check on the matched text, for rules a regex alone would over-match. */
  readonly accept?: (match: string) => boolean;
  /** A cheap test the text must pass before the (costlier) pattern runs at all. */
  readonly requires?: RegExp;
  /**
   * Literals the normalized text must contain for the pattern to be able to
   * match: one of each group (all groups). Substrings, not words: letter-split
   * text collapses to "ignoreallprevious…". Each must be a substring of every
   * text the pattern (and `accept`) can accept, or the rule would be skipped
   * wrongly; the equivalence check in the injection tests guards that.
   */
  readonly triggers: ReadonlyArray<readonly string[]>;
}

// \s* between words: letter-split text collapses to "ignoreallprevious…".
const ARTICLES = String.raw`(?:(?:all|any|every|the|your|of|my|these|those|its|their)\s*)*`;
const PRIOR = String.raw`(?:previous|prior|above|earlier|preceding|foregoing|original|initial|system|existing|former)`;
const ORDERS = String.raw`(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|context|messages|guidance|constraints|orders|programming|policies|safeguards)`;
// The same words as trigger literals (stems do: a trigger only has to be contained in the match).
const PRIOR_WORDS = ['previous', 'prior', 'above', 'earlier', 'preceding', 'foregoing', 'original', 'initial', 'system', 'existing', 'former'];
const ORDER_WORDS = ['instruction', 'prompt', 'rules', 'direction', 'directive', 'guideline', 'command', 'context', 'messages', 'guidance',
  'constraints', 'orders', 'programming', 'policies', 'safeguards'];

const SECRETISH = /secret|token|api[_-]?key|apikey|password|passwd|credential|\benv\b|\.env|environ|process\.env|ssh|id_rsa|private[_-]?key|aws_|cookie|session|conversation|chat history|system[ _-]?prompt|\$\(|\{\{|\$\{|\$[a-z_]{3,}|%7b/;
const TRUSTED_HOSTS = /^(?:[\w-]+\.)*(?:github\.com|githubusercontent\.com|npmjs\.(?:com|org)|pypi\.org|docker\.com|nodejs\.org|python\.org|mozilla\.org|microsoft\.com|google\.com|readthedocs\.io|shields\.io|localhost|127\.0\.0\.1|internal)$/;

function urls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s)"'<>`]+/g)].map((m) => m[0]);
}

function host(url: string): string {
  return url.replace(/^https?:\/\//, '').split(/[/?#:]/)[0] ?? '';
}

function carriesData(url: string): boolean {
  const query = url.split('?')[1] ?? '';
  if (SECRETISH.test(url.replace(/^https?:\/\/[^/]+/, ''))) return true;
  return /[=/][a-z0-9+/=_%-]{40,}/.test(query);
}

const EXTERNAL_DATA = (match: string): boolean =>
  urls(match).some((url) => !TRUSTED_HOSTS.test(host(url)) && (carriesData(url) || SECRETISH.test(match)));

export const RULES: readonly Rule[] = [
  // instruction override
  { category: 'instruction-override', detail: 'ignore previous instructions', weight: 0.9, triggers: [['ignore', 'disregard', 'forget', 'override', 'bypass', 'discard', 'abandon', 'neglect'], PRIOR_WORDS, ORDER_WORDS],
    pattern: new RegExp(String.raw`\b(?:ignore|disregard|forget|override|bypass|discard|abandon|neglect)\s*(?:about\s*)?${ARTICLES}${PRIOR}\s*${ORDERS}`) },
  { category: 'instruction-override', detail: 'discard what you were told', weight: 0.85, triggers: [['aside', 'forget', 'ignore', 'disregard', 'away', 'discard', 'drop'], ['told', 'given', 'instructed', 'asked', 'said']],
    pattern: /\b(?:set\s*aside|forget|ignore|disregard|throw\s*away|discard|drop)\s*(?:about\s*)?(?:everything|all|anything|whatever)\s*(?:that\s*)?(?:you\s*(?:were|have\s*been|'ve\s*been)|you've\s*been|i|we)\s*(?:told|given|instructed|asked|said)/ },
  { category: 'instruction-override', detail: 'prior instructions declared void', weight: 0.85, triggers: [PRIOR_WORDS, ORDER_WORDS, ['void', 'cancel', 'obsolete', 'revoked', 'valid', 'null', 'superseded', 'fake']],
    pattern: new RegExp(String.raw`\b${ARTICLES}${PRIOR}\s*${ORDERS}\s*(?:are|is|were)\s*(?:now\s*)?(?:void|cancel+ed|obsolete|revoked|no longer valid|null|superseded|fake)`) },
  { category: 'instruction-override', detail: 'new instructions', weight: 0.8, triggers: [['new', 'updated', 'real', 'actual', 'true', 'revised'], ['instruction', 'rules', 'directive', 'prompt', 'orders']],
    pattern: /\b(?:new|updated|real|actual|true|revised)\s*(?:instructions?|rules|directives?|system\s*prompt|orders)\s*(?::|follow\b|are\b)/ },
  { category: 'instruction-override', detail: 'system prompt label', weight: 0.8, triggers: [['system'], ['prompt'], [':']], pattern: /\bsystem\s*prompt\s*:/ },
  { category: 'instruction-override', detail: 'prompt leak request', weight: 0.85, triggers: [['reveal', 'print', 'show', 'repeat', 'output', 'leak', 'dump', 'disclose', 'recite', 'echo'], ['prompt', 'instructions', 'message']],
    pattern: /\b(?:reveal|print|show|repeat|output|leak|dump|disclose|recite|echo)\s*(?:me\s*)?(?:back\s*)?(?:your|the|all)\s*(?:full\s*|entire\s*|exact\s*)?(?:system\s*prompt|hidden\s*instructions|initial\s*prompt|original\s*instructions|developer\s*message)/ },
  { category: 'instruction-override', detail: 'role reassignment', weight: 0.85, triggers: [['you'], ['are'], ['no']],
    pattern: /\byou\s*are\s*(?:now|no\s*longer)\s*(?:an?\s*|in\s*|my\s*|the\s*)?(?:dan\b|unrestricted|unfiltered|jailbroken|evil|uncensored|free|different|new|developer\s*mode|god\s*mode|root|admin|bound|an?\s*ai\s*without|required|allowed|authori[sz]ed|operating|acting|assistant\s*that|\w+gpt|a\s*helpful\s*assistant\s*with\s*no)/ },
  { category: 'instruction-override', detail: 'from now on', weight: 0.7, triggers: [['from'], ['now']],
    pattern: /\bfrom\s*now\s*on,?\s*(?:you|ignore|always|never|respond|reply|answer|act|only)\b/ },
  { category: 'instruction-override', detail: 'jailbreak persona', weight: 0.85, triggers: [['unrestricted', 'unfiltered', 'jailbroken', 'uncensored', 'evil', 'dan', 'anything', 'developer', 'pretend', 'bound']],
    pattern: /\b(?:act|behave|respond|roleplay)\s*as\s*(?:an?\s*)?(?:unrestricted|unfiltered|jailbroken|uncensored|evil|dan\b)|\bdo\s*anything\s*now\b|\bdeveloper\s*mode\s*(?:enabled|on|activated)|\bpretend\s*(?:that\s*)?you\s*(?:are|have)\s*no\s*(?:restrictions|rules|guidelines|limits|filters)|\bno\s*longer\s*bound\s*by/ },
  { category: 'instruction-override', detail: 'stop following instructions', weight: 0.85, triggers: [['not', "don't", 'stop', 'cease', 'longer'], ['follow', 'obey', 'comply', 'adhere'], ORDER_WORDS],
    pattern: new RegExp(String.raw`\b(?:do\s*not|don't|stop|cease\s*to|no\s*longer)\s*(?:follow|obey|comply\s*with|adhere\s*to|following|obeying)\s*${ARTICLES}${PRIOR}?\s*${ORDERS}`) },
  { category: 'instruction-override', detail: 'approval coercion', weight: 0.75, triggers: [['reviewer', 'grader', 'judge', 'evaluator', 'ai', 'assistant', 'model', 'llm', 'agent'], ['must', 'should', 'shall', 'required'],
    ['approve', 'pass', 'accept', 'rate', 'score', 'mark'], ['regardless', 'matter', 'without']],
    pattern: /\b(?:reviewers?|graders?|judges?|evaluators?|the\s*ai|assistants?|models?|llms?|agents?)\s*(?:must|should|shall|are\s*required\s*to)\s*(?:always\s*)?(?:approve|pass|accept|rate|score|mark)\b[^\n]{0,60}\b(?:regardless|no\s*matter|without\s*(?:review|checking|running))/ },

  // role impersonation
  { category: 'role-impersonation', detail: 'chat template token', weight: 0.9, triggers: [['<|', 'inst]', 'sys>>', '_of_turn>']],
    pattern: /<\|\s*(?:im_start|im_end|system|assistant|user|endoftext|begin_of_text|start_header_id|end_header_id|eot_id)\s*\|>|\[\/?inst\]|<<\/?sys>>|<\/?start_of_turn>|<\/?end_of_turn>/ },
  { category: 'role-impersonation', detail: 'fake conversation turn', weight: 0.8, triggers: [['sys', 'assistant', 'developer', 'admin'], [':']],
    pattern: /(?:^|\n|[.!?:;]\s*|["'`]\s*)(?:system|assistant|developer|sys|administrator|admin)\s*(?:message|note)?\s*:\s*[^\n]{0,40}\b(?:you|ignore|must|override|reveal|always|never|allowed|approve|authori[sz]ed|instructions?|respond|output|disregard|forget|new|now|task)\b/ },
  { category: 'role-impersonation', detail: 'fake markdown role heading', weight: 0.8, triggers: [['#'], ['system', 'assistant', 'developer', 'instruction', 'response']],
    pattern: /(?:^|\n)\s*#{1,4}\s*(?:system|assistant|system\s*message|system\s*prompt|developer\s*message|instruction|response)\s*(?::|\n|$)/ },
  { category: 'role-impersonation', detail: 'fake role tag', weight: 0.8, triggers: [['sys', 'assistant', 'developer', 'instruction', 'admin'], ['<', '[']],
    pattern: /<\/?\s*(?:system|system_prompt|system-prompt|sys|assistant|developer|instructions?|admin)\s*>|\[\s*(?:system|assistant|admin|developer)\s*(?:message|note)?\s*\]/ },
  { category: 'role-impersonation', detail: 'fake human/assistant dialogue', weight: 0.8, triggers: [['human', 'user'], ['assistant', 'ai'], [':']],
    pattern: /(?:^|\n)\s*(?:human|user)\s*:[^]{0,400}?(?:^|\n)\s*(?:assistant|ai)\s*:/ },
  { category: 'role-impersonation', detail: 'message claims authority', weight: 0.65, triggers: [['from', 'end'], ['message', 'notice', 'directive', 'instruction', 'override', 'input', 'prompt', 'content']],
    pattern: /\b(?:message|notice|directive|instruction|override)\s*from\s*(?:the\s*)?(?:system|administrator|admin|developers?|openai|anthropic|security\s*team|platform)\b|\bend\s*of\s*(?:the\s*)?(?:user|untrusted|system)\s*(?:input|message|prompt|content)\b/ },

  // exfiltration
  { category: 'exfiltration', detail: 'markdown image/link carrying data', weight: 0.85, triggers: [[']('], ['http']],
    pattern: /!?\[[^\]\n]{0,200}\]\(\s*https?:\/\/[^)\s]+/g, accept: EXTERNAL_DATA, requires: /\]\(\s*https?:/ },
  { category: 'exfiltration', detail: 'markdown image with long query', weight: 0.8, triggers: [['!['], [']('], ['http']],
    pattern: /!\[[^\]\n]{0,200}\]\(\s*https?:\/\/[^)\s]*\?[^)\s]{40,}\)/g,
    accept: (m) => urls(m).some((u) => !TRUSTED_HOSTS.test(host(u))), requires: /\]\(\s*https?:/ },
  { category: 'exfiltration', detail: 'send data to external host', weight: 0.85, triggers: [['http'], ['send', 'post', 'upload', 'forward', 'transmit', 'exfiltrate', 'leak', 'report', 'copy', 'paste', 'mail', 'submit', 'append', 'include', 'encode']],
    pattern: /[^\n.!?]{0,100}\b(?:send|post|upload|forward|transmit|exfiltrate|leak|report|copy|paste|email|submit|append|include|encode)\b[^\n]{0,120}?\b(?:to|at|into|in|via)\s*(?:the\s*)?(?:url\s*|endpoint\s*|server\s*|webhook\s*)?:?\s*https?:\/\/\S+/g,
    accept: EXTERNAL_DATA, requires: /https?:\/\// },
  { category: 'exfiltration', detail: 'http client call to external host', weight: 0.85, triggers: [['curl', 'wget', 'fetch', 'invoke-webrequest', 'iwr', 'requests.', 'axios.', 'http.get', 'nc'], ['http']],
    pattern: /\b(?:curl|wget|fetch|invoke-webrequest|iwr|requests\.(?:get|post)|axios\.(?:get|post)|http\.get|nc)\b[^\n]{0,160}/g,
    accept: EXTERNAL_DATA },
  { category: 'exfiltration', detail: 'secret sent to an address', weight: 0.8, triggers: [['send', 'mail', 'forward', 'post', 'upload', 'leak'],
    ['secret', 'token', 'api', 'password', 'credential', 'env', 'ssh', 'id_rsa', 'cookie', 'conversation', 'chat', 'system']],
    pattern: /\b(?:send|email|forward|mail|post|upload|leak)\b[^\n]{0,80}\b(?:secrets?|tokens?|api\s*keys?|passwords?|credentials?|\.env|env(?:ironment)?\s*(?:variables|vars)|ssh\s*keys?|id_rsa|cookies?|conversation|chat\s*history|system\s*prompt)\b[^\n]{0,80}\b(?:to|at)\s*(?:[\w.+-]+@[\w-]+\.[\w.]+|https?:\/\/|[\w-]+\.(?:com|net|io|ru|xyz|site|org|cn|tk|top|app))/ },

  // tool-call smuggling
  { category: 'tool-call', detail: 'tool-call markup', weight: 0.85, triggers: [['<'], ['tool_', 'function', 'invoke', 'python_tag', 'plugin']],
    pattern: /<\/?\s*(?:tool_call|tool_use|tool_calls|function_calls?|antml:invoke|invoke)\b|<function\s*=|<\s*invoke\s*name\s*=|<\|?\s*(?:tool_call|python_tag|plugin)\s*\|?>/ },
  { category: 'tool-call', detail: 'tool-call JSON', weight: 0.85, triggers: [['"'], ['function', 'tool', 'action', 'command', 'name'], [':']],
    pattern: /"(?:function_call|tool_calls?|tool_use)"\s*:|\{\s*"(?:tool|tool_name|action|function|command)"\s*:\s*"[\w.:-]+"|"(?:name|tool)"\s*:\s*"[\w.:-]+"\s*,\s*"(?:arguments|args|parameters|input)"\s*:/ },

  // dangerous payloads (only scored for agent answers)
  { category: 'dangerous-payload', detail: 'SQL injection: quote then statement', weight: 0.75, triggers: [[';'], ['drop', 'delete', 'truncate', 'update', 'insert', 'alter', 'shutdown', 'exec', 'grant', 'create'], ["'", '"', '`']],
    pattern: /['"`]\s*\)?\s*;\s*(?:drop|delete|truncate|update|insert|alter|shutdown|exec|grant|create)\b/ },
  { category: 'dangerous-payload', detail: 'SQL injection: tautology', weight: 0.75, triggers: [["'", '"'], ['=', 'sleep', '--']],
    pattern: /['"]\s*\)?\s*or\s*\(?\s*(['"]?)(\w+)\1\s*=\s*\1\2\b|['"]\s*(?:or|and)\s*sleep\s*\(|\w['"]\s*--\s*$/m },
  { category: 'dangerous-payload', detail: 'SQL UNION SELECT', weight: 0.65, triggers: [['union'], ['select']], pattern: /\bunion\s+(?:all\s+)?select\b/ },
  { category: 'dangerous-payload', detail: 'shell command substitution', weight: 0.65, triggers: [['$(']], pattern: /\$\([^)\n]{1,200}\)/ },
  { category: 'dangerous-payload', detail: 'dangerous command in backticks', weight: 0.75, triggers: [['`'], ['rm', 'curl', 'wget', 'nc', '/dev/tcp', 'mkfifo', 'chmod', 'base64', '/etc', 'whoami']],
    pattern: /`[^`\n]*(?:\brm\s+-[rf]{2}\s+(?:\/|~|\*|\$)|\bcurl\b[^`]*\|\s*\w*sh\b|\bwget\b|\bnc\s+-|\/dev\/tcp|\bmkfifo\b|\bchmod\s+[+0-7]*s|\bbase64\s+-d|\bcat\s+\/etc|\bwhoami\b)[^`\n]*`/ },
  { category: 'dangerous-payload', detail: 'destructive rm', weight: 0.8, triggers: [['rm'], ['-']],
    pattern: /(?:;|&&|\|\|)\s*rm\s+-[a-z]*[rf][a-z]*\b|\brm\s+-(?:rf|fr)\s+(?:\/|~|\*|\$home|--no-preserve-root)/ },
  { category: 'dangerous-payload', detail: 'pipe to shell', weight: 0.75, triggers: [['|'], ['sh', 'python', 'perl', 'iex']], pattern: /\|\s*(?:sudo\s+)?(?:sh|bash|zsh|dash|python3?|perl|iex)\b/ },
  { category: 'dangerous-payload', detail: 'script injection', weight: 0.8, triggers: [['script', 'onerror', 'onload', 'onmouseover', 'onfocus', 'iframe']],
    pattern: /<\s*script\b|\bjavascript\s*:|\bon(?:error|load|mouseover|focus)\s*=|<\s*iframe\b/ },
  { category: 'dangerous-payload', detail: 'path traversal', weight: 0.7, triggers: [['../', '..\\', '%2e%2e%2f', '/etc/']], pattern: /(?:\.\.[/\\]){2,}|%2e%2e%2f|\/etc\/(?:passwd|shadow)\b/ },
  { category: 'dangerous-payload', detail: 'reverse shell', weight: 0.85, triggers: [['/dev/tcp/', 'nc', 'bash']], pattern: /\/dev\/tcp\/|\bnc\s+-[a-z]*e\b|\bbash\s+-i\b/ },
];

/** One matcher for the trigger literals of every rule, built on first use. */
let triggerMatcher: LiteralMatcher | undefined;
/** Per rule, per trigger group: indexes of the group's literals in the matcher. */
let ruleTriggers: number[][][] = [];

export function ruleTriggerMatcher(): LiteralMatcher {
  if (triggerMatcher === undefined) {
    const matcher = compileLiterals(RULES.flatMap((rule) => rule.triggers.flat()));
    const index = new Map(matcher.literals.map((literal, i) => [literal, i]));
    const indexOf = (literal: string): number => {
      const i = index.get(literal.toLowerCase());
      if (i === undefined) throw new Error(`trigger ${JSON.stringify(literal)} missing from the matcher`);
      return i;
    };
    ruleTriggers = RULES.map((rule) => rule.triggers.map((group) => group.map(indexOf)));
    triggerMatcher = matcher;
  }
  return triggerMatcher;
}

function triggered(ruleIndex: number, found: Uint8Array): boolean {
  for (const group of ruleTriggers[ruleIndex] ?? []) {
    if (!group.some((literal) => found[literal] === 1)) return false;
  }
  return true;
}

/**
 * Whether any rule could match a text with these trigger literals (`found`,
 * one slot per literal of `ruleTriggerMatcher()`). False means `matchRules`
 * on that text returns nothing, without running a single pattern.
 */
export function anyRuleTriggered(found: Uint8Array, includeDangerous: boolean): boolean {
  ruleTriggerMatcher();
  for (let i = 0; i < RULES.length; i++) {
    if (!includeDangerous && RULES[i]?.category === 'dangerous-payload') continue;
    if (triggered(i, found)) return true;
  }
  return false;
}

/**
 * Runs the rules on normalized text. `found` may carry the trigger literals
 * already known to be in it (from the plain scan), saving a pass.
 */
export function matchRules(text: string, includeDangerous: boolean, known?: Uint8Array): InjectionSignal[] {
  const matcher = ruleTriggerMatcher();
  let found = known;
  if (found === undefined) {
    found = new Uint8Array(matcher.literals.length);
    markLiterals(matcher, text, found);
  }
  const signals: InjectionSignal[] = [];
  RULES.forEach((rule, i) => {
    if (rule.category === 'dangerous-payload' && !includeDangerous) return;
    if (!triggered(i, found)) return;
    if (rule.requires && !rule.requires.test(text)) return;
    const matched = rule.pattern.global
      ? [...text.matchAll(rule.pattern)].some((m) => rule.accept?.(m[0]) ?? true)
      : rule.pattern.test(text);
    if (matched) signals.push({ category: rule.category, detail: rule.detail, weight: rule.weight });
  });
  return signals;
}

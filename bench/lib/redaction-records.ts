/** The records the redaction bench redacts, shared by its processes. */

/** 5 fields, 3 of them secrets: a key by name, a header by name at depth 2, a `token=` in a string. */
export const SECRET_FIELDS = {
  task_id: 'task:001',
  attempt: 2,
  api_key: 'k-3f9a1c77e2',
  headers: { authorization: 'Basic dXNlcjpwYXNz' },
  note: 'retried GET /v1/items?token=abc123&page=2',
};

/** Strings the default patterns must look at (URLs, `key=value`, a stack of `file://` frames), no secret. */
export const BUSY_FIELDS = {
  url: 'https://api.example.com/v1/items?page=2&limit=50',
  model: 'claude-sonnet-4-5',
  command: 'git fetch origin main --depth=1',
  tool: { name: 'fetch_page', args: { href: 'https://docs.example.org/guide#install', retries: 3 } },
  host: 'db.internal:5432',
};
export const BUSY_MESSAGE = 'GET https://api.example.com/v1/items?page=2 answered 503 after 1200 ms';
export const BUSY_ERROR = {
  type: 'UpstreamError',
  message: 'upstream https://api.example.com/v1/items answered 503: Service Unavailable',
  stack: [
    'UpstreamError: upstream https://api.example.com/v1/items answered 503: Service Unavailable',
    '    at fetchItems (file:///srv/agent/dist/tools/fetch.js:41:13)',
    '    at async runTool (file:///srv/agent/dist/tools/run.js:88:20)',
    '    at async Agent.step (file:///srv/agent/dist/agent.js:212:7)',
    '    at async Agent.loop (file:///srv/agent/dist/agent.js:150:9)',
  ].join('\n'),
};

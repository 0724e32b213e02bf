/**
 * A price table for `tracebridge trace --prices FILE`: what a model's tokens cost, as the user says.
 * Nothing is shipped as truth (prices change and differ by contract); docs/prices.sample.json shows the
 * format:
 *
 * ```json
 * { "currency": "USD", "per": 1000000,
 *   "models": { "claude-sonnet-4-5": { "input": 3, "output": 15, "cache_read": 0.3, "cache_creation": 3.75 },
 *               "gpt-4o*": { "input": 2.5, "output": 10, "cache_read": 1.25 } } }
 * ```
 *
 * `per` is how many tokens a price is for (default one million). A model key matches the response
 * model exactly, then the request model exactly, then the longest key ending in `*` that is a prefix of
 * either. Cache prices default to the input price.
 */
import { readFile } from 'node:fs/promises';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';

/** Prices of one model, per {@link PriceTable.per} tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** A validated price table. */
export interface PriceTable {
  currency: string;
  per: number;
  models: ReadonlyMap<string, ModelPrice>;
  /** Where it was read from, for the views. */
  source: string;
}

function fail(source: string, what: string): never {
  throw new TracebridgeError(ERROR_CODES.INPUT, `price table ${source}: ${what}; see docs/prices.sample.json for the format`);
}

function price(source: string, path: string, value: unknown, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(source, `${path} must be a non-negative number`);
  return value;
}

/** Checks a parsed table; throws TRACEBRIDGE_ERR_INPUT naming the first bad field. */
export function parsePriceTable(json: unknown, source: string): PriceTable {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(source, 'must be a JSON object');
  const o = json as Record<string, unknown>;
  const currency = o.currency === undefined ? 'USD' : o.currency;
  if (typeof currency !== 'string' || currency.trim() === '') fail(source, '"currency" must be a non-empty string');
  const per = o.per === undefined ? 1_000_000 : o.per;
  if (typeof per !== 'number' || !Number.isFinite(per) || per <= 0) fail(source, '"per" must be a positive number of tokens');
  if (typeof o.models !== 'object' || o.models === null || Array.isArray(o.models)) fail(source, '"models" must be an object of model name → prices');
  const models = new Map<string, ModelPrice>();
  for (const [name, entry] of Object.entries(o.models as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(source, `models["${name}"] must be an object with "input" and "output"`);
    const e = entry as Record<string, unknown>;
    const input = price(source, `models["${name}"].input`, e.input, true) as number;
    const output = price(source, `models["${name}"].output`, e.output, true) as number;
    const cacheRead = price(source, `models["${name}"].cache_read`, e.cache_read, false) ?? input;
    const cacheCreation = price(source, `models["${name}"].cache_creation`, e.cache_creation, false) ?? input;
    models.set(name, { input, output, cacheRead, cacheCreation });
  }
  return { currency: currency.trim(), per, models, source };
}

/** Reads and checks a table file. */
export async function loadPriceTable(file: string): Promise<PriceTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TracebridgeError(ERROR_CODES.INPUT, `cannot read price table ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TracebridgeError(ERROR_CODES.INPUT, `price table ${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parsePriceTable(json, file);
}

/** The prices of a model, by the matching rule above, or undefined. */
export function priceFor(table: PriceTable, responseModel: string | null, requestModel: string | null): ModelPrice | undefined {
  for (const m of [responseModel, requestModel]) if (m !== null && table.models.has(m)) return table.models.get(m);
  let best: { length: number; price: ModelPrice } | undefined;
  for (const [key, p] of table.models) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if ([responseModel, requestModel].some((m) => m !== null && m.startsWith(prefix)) && (best === undefined || prefix.length > best.length)) best = { length: prefix.length, price: p };
  }
  return best?.price;
}

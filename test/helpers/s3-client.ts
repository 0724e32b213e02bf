// A minimal S3 client for tests: AWS Signature Version 4 with Node's crypto, path-style requests, and the
// four calls the archive tests need (create bucket, list, get, list buckets as a probe). Written here
// rather than pulling in @aws-sdk/client-s3 (dozens of packages) for four requests.
//
// Signing follows https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html. The
// request is sent with its path and query exactly as canonicalised, so the server sees the same bytes
// whichever way it re-derives the canonical request.
import { createHash, createHmac } from 'node:crypto';

/** Where and as whom to talk to an S3-compatible API. */
export interface S3Credentials {
  /** Base URL, e.g. `http://127.0.0.1:7070` (path-style: `<endpoint>/<bucket>/<key>`). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** An object listed by {@link listObjects}. */
export interface S3Object {
  key: string;
  size: number;
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` kept when asked. */
function uriEncode(value: string, keepSlash: boolean): string {
  const encoded = encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * Sends one SigV4-signed request. `path` is the unencoded path (`/bucket/key`); `query` values are
 * unencoded too.
 */
export async function s3Request(
  creds: S3Credentials,
  { method, path, query = {}, body }: { method: string; path: string; query?: Record<string, string>; body?: Buffer },
): Promise<Response> {
  const base = new URL(creds.endpoint);
  const canonicalUri = uriEncode(path, true);
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${uriEncode(k, false)}=${uriEncode(query[k] ?? '', false)}`)
    .join('&');
  const payload = body ?? Buffer.alloc(0);
  const payloadHash = sha256Hex(payload);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); // 20260704T070559Z
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: base.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
  };
  const signedHeaders = Object.keys(headers).sort();
  const canonicalRequest = [
    method,
    canonicalUri,
    canonicalQuery,
    ...signedHeaders.map((h) => `${h}:${headers[h]}`),
    '',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${creds.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), creds.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  const { host: _host, ...sent } = headers; // fetch derives Host from the URL (and refuses to be told)
  const url = `${base.origin}${canonicalUri}${canonicalQuery ? `?${canonicalQuery}` : ''}`;
  return fetch(url, {
    method,
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
    },
    body: body && body.length > 0 ? body : undefined,
    signal: AbortSignal.timeout(10_000),
  });
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}: ${await res.text()}`);
  return res;
}

/** `PUT /<bucket>`. */
export async function createBucket(creds: S3Credentials, bucket: string): Promise<void> {
  await expectOk(await s3Request(creds, { method: 'PUT', path: `/${bucket}` }), `create bucket ${bucket}`);
}

const xmlText = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Every object under `prefix` (ListObjectsV2, following continuation tokens), in key order. */
export async function listObjects(creds: S3Credentials, bucket: string, prefix = ''): Promise<S3Object[]> {
  const out: S3Object[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = { 'list-type': '2', prefix };
    if (token) query['continuation-token'] = token;
    const res = await expectOk(await s3Request(creds, { method: 'GET', path: `/${bucket}`, query }), `list ${bucket}/${prefix}`);
    const xml = await res.text();
    for (const [, block] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = /<Key>([\s\S]*?)<\/Key>/.exec(block ?? '')?.[1];
      const size = /<Size>(\d+)<\/Size>/.exec(block ?? '')?.[1];
      if (key !== undefined) out.push({ key: xmlText(key), size: Number(size ?? 0) });
    }
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    token = truncated ? xmlText(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '') : undefined;
  } while (token);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** The bytes of one object, as stored (fetch does not inflate: archive objects carry no Content-Encoding). */
export async function getObject(
  creds: S3Credentials,
  bucket: string,
  key: string,
): Promise<{ body: Buffer; contentType: string | null }> {
  const res = await expectOk(await s3Request(creds, { method: 'GET', path: `/${bucket}/${key}` }), `get ${bucket}/${key}`);
  return { body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') };
}

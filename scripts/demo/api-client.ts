/** A small bearer-token JSON client (the API, and ingest's batch and webhook endpoints); errors carry the problem body. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** The response body as text with its headers (CSV pages); non-2xx throws with the problem body. */
  async raw(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ body: string; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path.split('?')[0]} → ${res.status}: ${text.slice(0, 500)}`);
    return { body: text, headers: res.headers };
  }

  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const { body: text } = await this.raw(method, path, body, contentType);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body ?? {});
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }
}

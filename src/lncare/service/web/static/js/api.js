// Calls to the service. A refusal comes back as the RFC 9457 problem the server sent (field, detail).
export class Problem extends Error {
  constructor(body) {
    super(body.detail || body.title || "request refused");
    this.body = body;
    this.field = body.field || null;
  }
}

async function answer(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : { detail: await response.text() };
  if (!response.ok) throw new Problem({ status: response.status, ...body });
  return body;
}

export async function getJSON(url) {
  return answer(await fetch(url, { headers: { Accept: "application/json" } }));
}

export async function postJSON(url, payload) {
  return answer(await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  }));
}

export function query(params) {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
}

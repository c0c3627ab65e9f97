// fetch() wrapper for the JSON API: sends the CSRF token, returns {ok, status, data}.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export async function api(method, url, body) {
  const options = {
    method,
    headers: { Accept: "application/json", "X-CSRFToken": csrf() },
    credentials: "same-origin",
  };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    return { ok: false, status: 0, data: { error: { message: String(error), fields: {} } } };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = { error: { message: response.statusText, fields: {} } };
  }
  return { ok: response.ok, status: response.status, data };
}

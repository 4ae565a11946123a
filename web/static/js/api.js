// Calls of the gateway's JSON API: POST /api/<service>/<method> with the request in protobuf's JSON mapping.
import { observeServerTime } from './server_clock.js';

export class ApiError extends Error {
  // body: {code, message, field?} as the gateway sends it.
  constructor(httpStatus, body) {
    super(body.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.code = body.code || 'UNKNOWN';
    this.field = body.field || '';
  }
}

// A bearer token for servers that require one (docs/security.md): opened once as `…/#token=<token>`, then kept for
// this tab only (sessionStorage) and removed from the address bar, so it is not bookmarked or shown on a wall screen.
const TOKEN_KEY = 'ketenbeeld.token';
const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get('token');
if (fromFragment) {
  sessionStorage.setItem(TOKEN_KEY, fromFragment);
  history.replaceState(null, '', window.location.pathname + window.location.search);
}
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export const Methods = {
  reportStatus: 'ketenbeeld.v1.PictureService/ReportStatus',
  list: 'ketenbeeld.v1.PictureService/List',
  history: 'ketenbeeld.v1.PictureService/History',
  acknowledgeAlert: 'ketenbeeld.v1.AlertService/AcknowledgeAlert',
  offerAssistance: 'ketenbeeld.v1.AssistanceService/OfferAssistance',
  gapReport: 'ketenbeeld.v1.ReportService/GetGapReport',
  capacityOverview: 'ketenbeeld.v1.ReportService/GetCapacityOverview',
  indicatorOverview: 'ketenbeeld.v1.ReportService/GetIndicatorOverview',
};

export async function call(method, request = {}) {
  let response;
  try {
    response = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: token()
        ? { 'Content-Type': 'application/json', Authorization: `Bearer ${token()}` }
        : { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
  } catch (error) {
    throw new ApiError(0, { code: 'UNAVAILABLE', message: String(error.message || error) });
  }
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { code: 'UNKNOWN', message: text };
  }
  if (!response.ok) throw new ApiError(response.status, body);
  // Reads say when the server made them (server_time, or a report's computed_at): ages follow the server's clock.
  observeServerTime(body.server_time || body.computed_at);
  return body;
}

import type { Hono } from 'hono';
import type { AppEnv } from '../pipeline/env.js';
import { bad, controlJson } from './answers.js';

export const REPORT_PATHS = ['GET /control/report?client_id=<id>'];
const MAX_CLIENT_ID = 4096;

/**
 * GET /control/report: every client's card; `?client_id=` one client's checks alone, as the plain
 * array of the conformance suite's checks.json, so tooling that reads the suite's output reads it.
 */
export function mountReportRoutes(app: Hono<AppEnv>): void {
  app.get('/control/report', (c) => {
    c.get('note').silent = true;
    const url = new URL(c.req.url);
    const unknown = [...new Set(url.searchParams.keys())].filter((k) => k !== 'client_id');
    if (unknown.length) return bad(c, `unknown query parameter ${unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(', ')}; expected /control/report or /control/report?client_id=<id>`);
    const ids = url.searchParams.getAll('client_id');
    const card = c.get('realm').report;
    if (ids.length === 0) return controlJson(card.report());
    if (ids.length > 1) return bad(c, 'client_id must not be repeated; ask for one client, or for all without client_id');
    const id = ids[0]!;
    if (id === '' || id.length > MAX_CLIENT_ID) return bad(c, `client_id must be 1 to ${MAX_CLIENT_ID} characters; expected /control/report?client_id=<id>`);
    const checks = card.checks(id);
    if (!checks) {
      c.get('note').outcome = 'not_found';
      return controlJson({ error: 'not_found', error_description: `no client ${JSON.stringify(id.slice(0, 200))} on this realm's report card: it has made no request here since the last reset (GET /control/report lists the clients it knows)` }, 404);
    }
    return controlJson(checks);
  });
}

import type { Hono } from 'hono';
import { z } from 'zod';
import type { ServerName } from '../events.js';
import type { AppEnv } from '../pipeline/env.js';
import { ExamRefused, MAX_EXAM_PROBES } from '../report/exam.js';
import { PROBE_IDS } from '../report/exam-probes.js';
import { bad, controlJson, readJson, record, zodMessage } from './answers.js';
import { didYouMean } from './did-you-mean.js';

/** The control paths of the exam, for the lists of valid paths and the 405s. */
export const EXAM_PATHS = ['GET|POST|DELETE /control/exam', 'POST /control/exam/finish'];
export const EXAM_ALLOW: Record<string, string> = { '/control/exam': 'GET, POST, DELETE', '/control/exam/finish': 'POST' };

const ProbeName = z.string().min(1).max(64);
const Arm = z.object({ probes: z.array(ProbeName).min(1).max(MAX_EXAM_PROBES) }).strict();
const EXAMPLE = `{"probes":["iss-wrong","token-503"]} (probes: ${PROBE_IDS.join(', ')})`;

/**
 * POST /control/exam arms probes (a new exam: the one before is disarmed), GET shows what is armed,
 * struck and graded, POST /control/exam/finish grades what is open once the client is done, DELETE
 * disarms and forgets. On both servers: in one process they share the realm, so either port answers
 * for the same exam.
 */
export function mountExamRoutes(app: Hono<AppEnv>, server: ServerName): void {
  app.get('/control/exam', (c) => {
    c.get('note').silent = true;
    return controlJson(c.get('realm').exam.view());
  });

  app.post('/control/exam', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return bad(c, `${body.problem}; expected ${EXAMPLE}`);
    const parsed = Arm.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected ${EXAMPLE}`);
    const ids = parsed.data.probes;
    const unknown = ids.find((id) => !PROBE_IDS.includes(id));
    if (unknown !== undefined) return bad(c, `unknown probe ${JSON.stringify(unknown)}${didYouMean(unknown, PROBE_IDS)}; probes: ${PROBE_IDS.join(', ')}`);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) return bad(c, `probe ${JSON.stringify(twice)} is listed twice: each probe is armed once per exam`);
    const exam = c.get('realm').exam;
    try {
      exam.arm(ids);
    } catch (err) {
      if (err instanceof ExamRefused) return bad(c, err.message, err.status);
      throw err;
    }
    record(c, server, 'exam', '/control/exam', `armed ${ids.join(',')}`, {}, 201);
    return controlJson(exam.view(), 201);
  });

  app.post('/control/exam/finish', (c) => {
    const exam = c.get('realm').exam;
    exam.finish();
    record(c, server, 'exam', '/control/exam/finish', 'finished');
    return controlJson(exam.view());
  });

  app.delete('/control/exam', (c) => {
    const exam = c.get('realm').exam;
    exam.disarm();
    record(c, server, 'exam', '/control/exam', 'disarmed');
    return controlJson(exam.view());
  });
}

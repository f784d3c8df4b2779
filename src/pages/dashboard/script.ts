import { SCRIPT_CORE } from './script-core.js';
import { SCRIPT_PROFILE } from './profile-script.js';
import { SCRIPT_REPORT } from './report-script.js';

/** /dashboard.js: the core, then each panel's part, in one function scope (they share `call`, `said`, `eventHooks`). */
export const DASHBOARD_JS = `(() => {\n${SCRIPT_CORE}\n${SCRIPT_REPORT}\n${SCRIPT_PROFILE}\n})();\n`;

/**
 * One graded check, in the MCP conformance suite's `checks.json` shape (its `ConformanceCheck`), so
 * tooling that reads the suite's output reads ours. `eventIds` and `clientId` are ours: the events
 * that prove the grade while the bounded event log still holds them, and whom it grades.
 */
export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';

export interface SpecReference {
  id: string;
  url?: string;
}

export interface Check {
  id: string;
  name: string;
  description: string;
  status: CheckStatus;
  timestamp: string;
  specReferences?: SpecReference[];
  details?: Record<string, unknown>;
  errorMessage?: string;
  clientId?: string;
  eventIds?: number[];
}

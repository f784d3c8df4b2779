// Runs in every test file (vitest setupFiles): processes started outside a test die with the file.
import { afterAll } from 'vitest';
import { cleanUpFile } from './support/children.js';

afterAll(cleanUpFile);

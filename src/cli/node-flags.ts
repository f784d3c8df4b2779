/**
 * The young generation's cap, a node command-line flag: V8 reads it only when the heap is made, so
 * `npm start` passes it (package.json). The `bin` cannot: a shebang with flags needs `env -S`, which
 * busybox's env (Alpine, the node:alpine images) and the BSDs' refuse, so the command would not start
 * there. Run directly, the server takes v8-flags.ts's fallback (`NODE_OPTIONS` can pass the cap).
 * Two 2 MB semi-spaces: V8's default lets a burst of requests grow them to 16 MB each, about 30 MB of
 * RSS that it never gives back while the server idles; with 1 MB ones the requests in flight outlive
 * a scavenge, are promoted and cost full collections (tools/call 10%, /token 12% slower, interleaved
 * A/B runs in bench/README.md). A module of its own, without side effects: the bench reads it
 * without applying v8-flags.ts to its own process.
 */
export const NODE_FLAGS = ['--max-semi-space-size=2'] as const;

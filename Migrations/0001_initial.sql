-- Nodeward store, schema 1: runs, steps, decisions of both regimes, policy versions, sessions.
-- Payloads are never stored: steps keep Fingerprint hashes of canonical JSON and argument names only.
-- Released migrations are never edited; change the schema with a new numbered file.
-- Checks spell out OR chains: SQLite evaluates `x IN (a, b, c)` through a temporary b-tree per row,
-- which made inserts several times slower.

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind = 'ingest' OR kind = 'replay' OR kind = 'serve'),
    started TEXT NOT NULL,
    finished TEXT,
    inputs TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status = 'running' OR status = 'completed'
        OR status = 'failed' OR status = 'interrupted'),
    runs INTEGER NOT NULL DEFAULT 0,
    steps INTEGER NOT NULL DEFAULT 0,
    decisions INTEGER NOT NULL DEFAULT 0,
    diagnostics INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE policy_versions (
    id INTEGER PRIMARY KEY,
    workflow TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (workflow, content_hash)
) STRICT;

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    agent TEXT NOT NULL,
    workflow TEXT NOT NULL,
    run_id TEXT NOT NULL,
    start_nanos INTEGER NOT NULL,
    end_nanos INTEGER NOT NULL,
    step_count INTEGER NOT NULL,
    source_file TEXT NOT NULL,
    UNIQUE (tenant, run_id)
) STRICT;

CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    source_step_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind = 'memory_read' OR kind = 'memory_write' OR kind = 'retrieval'
        OR kind = 'tool_call' OR kind = 'llm' OR kind = 'data_write' OR kind = 'output'),
    operation TEXT NOT NULL,
    start_nanos INTEGER NOT NULL,
    end_nanos INTEGER NOT NULL,
    executed INTEGER NOT NULL CHECK (executed IN (0, 1)),
    failed INTEGER NOT NULL CHECK (failed IN (0, 1)),
    source_file TEXT NOT NULL,
    source_line INTEGER NOT NULL,
    arguments_hash TEXT NOT NULL,
    argument_names TEXT NOT NULL,
    result_hash TEXT,
    UNIQUE (run, source_step_id)
) STRICT;

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    step INTEGER NOT NULL REFERENCES steps(id) ON DELETE CASCADE,
    policy_version INTEGER NOT NULL REFERENCES policy_versions(id),
    session INTEGER NOT NULL REFERENCES sessions(id),
    legacy_effect TEXT NOT NULL CHECK (legacy_effect = 'allow' OR legacy_effect = 'deny'
        OR legacy_effect = 'unevaluable'),
    legacy_rule TEXT NOT NULL,
    legacy_reason TEXT NOT NULL,
    node_effect TEXT CHECK (node_effect = 'allow' OR node_effect = 'deny' OR node_effect = 'unevaluable'),
    node_rule TEXT,
    node_reason TEXT,
    class TEXT NOT NULL CHECK (class = 'agree-allow' OR class = 'agree-deny' OR class = 'tightened'
        OR class = 'widened' OR class = 'unevaluable' OR class = 'unknown-step'),
    provenance TEXT NOT NULL DEFAULT '[]',
    UNIQUE (step, policy_version)
) STRICT;

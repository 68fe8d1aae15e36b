-- Indexes for the report queries: decisions by tenant, workflow and class; steps by run (the
-- UNIQUE (run, source_step_id) index already serves it); decisions by session.

CREATE INDEX runs_by_workflow ON runs (workflow, tenant);
CREATE INDEX steps_by_tenant ON steps (tenant, kind);
CREATE INDEX decisions_by_class ON decisions (class, policy_version);
CREATE INDEX decisions_by_session ON decisions (session);
CREATE INDEX decisions_by_policy_version ON decisions (policy_version);

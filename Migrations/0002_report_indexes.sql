-- Indexes for the report queries, kept few because every index slows the ingest path.
-- By tenant: the UNIQUE (tenant, run_id) index of runs. By run: UNIQUE (run, source_step_id) of steps.
-- By step: UNIQUE (step, policy_version) of decisions. By workflow: runs_by_workflow.
-- By class: only the rows a review looks up (everything but agree-allow), as a partial index.

CREATE INDEX runs_by_workflow ON runs (workflow, tenant);
CREATE INDEX decisions_for_review ON decisions (class, policy_version) WHERE class <> 'agree-allow';

-- At most one active (RUNNING or PAUSED) experiment per prompt and label. Prisma's schema language
-- cannot express a partial index, so this one lives only in SQL; lib/experiments checks the same
-- rule in its transactions and maps a violation to a 409.
CREATE UNIQUE INDEX "Experiment_one_active_per_label" ON "Experiment" ("promptId", "labelName") WHERE "status" IN ('RUNNING', 'PAUSED');

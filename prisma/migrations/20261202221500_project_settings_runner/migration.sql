-- The demo seed wrote its runner defaults under "default_policy", which nothing reads; the
-- runner policy lives under "runner". Move it where a project that has no "runner" yet.
UPDATE "Project"
SET "settings" = ("settings" - 'default_policy') || jsonb_build_object('runner', "settings" -> 'default_policy')
WHERE jsonb_typeof("settings") = 'object'
  AND "settings" ? 'default_policy'
  AND NOT "settings" ? 'runner'
  AND jsonb_typeof("settings" -> 'default_policy') = 'object';

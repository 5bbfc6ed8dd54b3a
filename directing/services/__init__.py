"""The write paths of directing, one module per entity: activities (activities_upsert), directives
(directives, tasks, assignments, reports)."""

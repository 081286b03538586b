"""Background jobs' records (job_runs): what was enqueued, how it went, and which runs lost
their worker. The queue itself is showapp.jobs; this package only reads and writes rows."""

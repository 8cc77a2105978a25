"""How the platform's operator sees the portal run: structured logs (`json_logs`), the request's
and the task's context on every line (`requests`, `tasks`), and errors sent to Sentry, scrubbed
of what belongs to the cabinets and their clients (`sentry`, `scrubbing`)."""

"""LOG_FORMAT=json: one JSON object per line, for a log collector to read without a parser of
its own. A formatter of a few lines rather than a library: the fields are few and fixed."""

import json
import logging
from datetime import UTC, datetime

from welyb_portal.tenancy.log_context import FIELDS


class JsonFormatter(logging.Formatter):
    """`time` (UTC, ISO 8601), `level`, `logger`, `message`, then the context's fields that are
    known (LogContextFilter puts them on the record), then `exception` (the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)

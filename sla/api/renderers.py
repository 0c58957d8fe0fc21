import csv
import io

from rest_framework.renderers import BaseRenderer


class ReportCsvRenderer(BaseRenderer):
    """Rows (lists) as CSV; an error body (a dict of field errors) as `field,error` rows."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict):
            data = [["field", "error"]] + [
                [field, message] for field, messages in data.items() for message in _as_list(messages)
            ]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(data or [])
        return buffer.getvalue().encode(self.charset)


def _as_list(messages) -> list:
    return [str(message) for message in messages] if isinstance(messages, list | tuple) else [str(messages)]

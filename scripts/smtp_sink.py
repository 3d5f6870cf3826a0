"""An aiosmtpd handler for the notification tests: every message the SMTP
server accepts is written to a directory as one JSON file (the envelope, the
headers and the text as Python's email package decodes them, and the raw
message), so the tests read what a real mail client would show.

    PYTHONPATH=scripts python -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.JsonDir DIR

A file appears (by rename, never half-written) before the server answers
250 to the message, so once the client has its answer the file is there.
"""

import email
import email.policy
import json
import os
import uuid


class JsonDir:
    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtp_sink.JsonDir takes one argument: the output directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "text": text.get_content() if text is not None else None,
            "raw": raw.decode("utf-8", "replace"),
        }
        name = uuid.uuid4().hex
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)
        os.rename(tmp, os.path.join(self.directory, name + ".json"))
        return "250 Message accepted for delivery"

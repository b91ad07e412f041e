"""Why a report could not be read, in the reader's language.

The reader (amparo/core/sgreport.py) is plain Python: it raises ReportFormatError with an English
sentence, which the import batch keeps and `amparo sgreport` prints as it is. The upload form and
the batch page translate the sentences they know through this table; one they do not know (a new
message, or one cut at the batch's 300 characters) is shown as it is, never hidden.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

FORMS = [
    (
        r"the file is not a readable PDF \((?P<reason>\w+)\)",
        _("The file is not a readable PDF (%(reason)s)."),
    ),
    (
        r"the PDF is encrypted; save an unprotected copy first",
        _("The PDF is protected by a password: save a copy without one and upload that."),
    ),
    (r"the PDF has no pages", _("The PDF has no pages.")),
    (
        r"the PDF holds no text layer \(a scan\?\); no text to read",
        _("The PDF holds images of pages but no text (a scan?), so there is nothing to read."),
    ),
    (r"the file is neither a PDF nor UTF-8 text", _("The file is neither a PDF nor UTF-8 text.")),
    (r"the file is a binary file, not text", _("The file is a binary file, not text.")),
    (
        r"(?P<name>.+) is neither a PDF nor UTF-8 text",
        _("%(name)s is neither a PDF nor UTF-8 text."),
    ),
    (r"(?P<name>.+) is a binary file, not text", _("%(name)s is a binary file, not text.")),
    (
        r"the report could not be read \((?P<reason>\w+)\)",
        _("The report could not be read (%(reason)s)."),
    ),
]
COMPILED = [(re.compile(pattern), message) for pattern, message in FORMS]


def failure_text(error: str) -> str:
    """The reader's English sentence in the active language, or as it is if unknown."""
    for pattern, message in COMPILED:
        if match := pattern.fullmatch(error):
            return str(message) % match.groupdict()
    return error

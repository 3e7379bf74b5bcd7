"""The app's request class: form values arrive without NUL characters.

No one types a NUL; it arrives pasted from a broken export or sent by a probe. No database
text column can hold one (PostgreSQL refuses the whole statement), and refusing the post would
lose what the person wrote, so it is dropped, as the public form always did with its text.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict


class WorkbenchRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any("\x00" in key or "\x00" in value for key, value in form.items(multi=True)):
            self.__dict__["form"] = ImmutableMultiDict(
                (key.replace("\x00", ""), value.replace("\x00", ""))
                for key, value in form.items(multi=True)
            )

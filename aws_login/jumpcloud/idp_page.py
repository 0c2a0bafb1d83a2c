"""The IdP page: JumpCloud answers the AWS app's IdP URL with an HTML form that posts the
SAMLResponse to AWS (https://signin.aws.amazon.com/saml). Pure: html.parser, no network.

Every <input> is looked at, with or without a name (a submit button has none); the first
SAMLResponse value is taken (the public clients disagree on first or last; a page holds one).
A page without one (not assigned, a wrong URL, an app policy that wants MFA) still has a
title, which the error message names.
"""

from __future__ import annotations

from html.parser import HTMLParser

from aws_login.record import field, record

FIELD = "SAMLResponse"
MAX_PAGE_CHARS = 1 << 20  # an assertion is at most 100,000 characters; a page far less


@record
class IdpPage:
    assertion: str | None = field(default=None, repr=False)  # the first SAMLResponse value
    responses: int = 0  # how many SAMLResponse inputs the page holds
    title: str = ""  # the page's <title>, white space folded, for messages


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "input":
            named = dict(attrs)
            if (named.get("name") or "") == FIELD:
                self.values.append(named.get("value") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)


def read_page(text: str) -> IdpPage:
    reader = _Reader()
    reader.feed(text[:MAX_PAGE_CHARS])
    reader.close()
    values = [value.strip() for value in reader.values]
    title = " ".join("".join(reader.title).split())
    return IdpPage(next((value for value in values if value), None), len(values),
                   title if len(title) <= 80 else title[:77] + "...")

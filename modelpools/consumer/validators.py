"""Quality validators a site registers per role (``Client(validators={"pageModel": page_html})``): each takes a
reply's text and returns its quality from 0 to 1 (or a bool), which the client records as the reply's feedback for
the role's A/B experiment (docs/experiments.md). Pure: they only read the text."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["page_html"]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = 0
        self.text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1

    def handle_data(self, data: str) -> None:
        self.text = self.text or bool(data.strip())


def page_html(text: str) -> bool:
    """True when the reply is an HTML page that parses (html.parser) with at least one element and some text that
    is not blank; a Markdown fence around it (```html ... ```) is allowed."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    parser = _Elements()
    try:
        parser.feed(body)
        parser.close()
    except (ValueError, AssertionError):  # html.parser's complaints about malformed markup
        return False
    return parser.tags > 0 and parser.text

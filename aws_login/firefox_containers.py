"""Firefox containers through the URL scheme of the "Open external links in a container"
add-on (addons.mozilla.org/firefox/addon/open-url-in-container/):

    ext+container:name=NAME&color=COLOR&icon=ICON&url=URL

Firefox hands the whole URL to the add-on percent-encoded once more; the add-on decodes that
layer, then reads the fields with URLSearchParams, which decodes each value once and reads
`+` as a space. So every value is percent-encoded here exactly once, with nothing left
unencoded but letters, digits and `-._~`: a `+`, `&`, `=`, space or non-ASCII letter in a
name, and every `&` and `%` of the sign-in URL, survive the trip unchanged. The add-on
creates the container on first use, with the colour and icon given (its own sets, below).
"""

from __future__ import annotations

from urllib.parse import quote

SCHEME = "ext+container:"
# The add-on accepts only these (it refuses a link with any other value).
COLORS = ("blue", "turquoise", "green", "yellow", "orange", "red", "pink", "purple")
ICONS = ("fingerprint", "briefcase", "dollar", "cart", "circle", "gift", "vacation", "food",
         "fruit", "pet", "tree", "chill")


def container_url(name: str, url: str, color: str | None = None,
                  icon: str | None = None) -> str:
    """The ext+container: URL that opens `url` in the container `name`."""
    fields = [("name", name)]
    if color is not None:
        fields.append(("color", color))
    if icon is not None:
        fields.append(("icon", icon))
    fields.append(("url", url))
    return SCHEME + "&".join(f"{key}={quote(value, safe='')}" for key, value in fields)

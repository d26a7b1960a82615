"""The 图片库 in the admin: the library's own pages (`library`), and the article form's
cover picker and body-editor button (`article`)."""

from . import article, library  # noqa: F401 - importing registers the ModelAdmins

"""The newsroom's editing desk: the Django admin, in Chinese.

- `article`: the article list and form (with `actions`, `revisions`, `endpoints`);
- `catalog`: sections and securities;
- `pins`: 头条 and 置顶, with their expiry;
- `people`: 署名 and 简介 on the account page;
- `forms`: the forms they use.
"""

from . import article, catalog, people, pins  # noqa: F401 - importing registers the ModelAdmins

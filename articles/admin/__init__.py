"""The newsroom's editing desk: the Django admin, in Chinese.

- `article`: the article list and form (with `actions`, `revisions`, `endpoints`);
- `catalog`: sections and securities;
- `forms`: the forms they use.
"""

from . import article, catalog  # noqa: F401 - importing registers the ModelAdmins
